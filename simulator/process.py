"""The simulator in a process of its own, as the platforms it stands in for would be.

In one interpreter the simulator's request handling took about a third of the replay's
CPU, and with the collectors, the parser and the reconcile pass all sharing one GIL the
tally fell tens of seconds behind the posts. In a child process it runs on the other
core and the measured latency is the pipeline's, not the simulator's.

The child is started with ``spawn`` (no fork of a threaded parent) and gets the scenario
pickled. The scenario clock is a shared double the parent sets; the child stops when
told to, or when its parent is gone.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from dataclasses import dataclass
from typing import Any

from shadowtally.simulator.scenario import Scenario, SimClock
from shadowtally.simulator.server import SimServer

STARTUP_TIMEOUT_S = 60.0


@dataclass
class _SharedClock(SimClock):
    """A :class:`SimClock` whose scenario seconds live in a ``multiprocessing.Value``."""

    value: Any = None

    def seconds(self) -> float:
        return float(self.value.value)

    def set(self, seconds: float) -> None:
        self.value.value = seconds


def _serve(scenario: Scenario, value: Any, limits: dict[str, tuple[int, float]] | None,
           bearer_token: str | None, conn: Any, stop: Any, parent_pid: int) -> None:
    try:
        server = SimServer(scenario, clock=_SharedClock(value=value), limits=limits,
                           bearer_token=bearer_token).start()
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ok", server.url))
    try:
        # Poll rather than wait forever: a parent killed with SIGKILL never sets ``stop``.
        while not stop.wait(1.0):
            if os.getppid() != parent_pid:
                break
    finally:
        server.stop()


class SimProcess:
    """Serve a scenario from a child process on 127.0.0.1; ``url`` once started.

    Only what crosses the process boundary is offered: the URL, the scenario clock
    (:meth:`set_clock`) and stopping. Faults and request logs stay with in-process
    :class:`SimServer`, which the tests use.
    """

    def __init__(self, scenario: Scenario, *, limits: dict[str, tuple[int, float]] | None = None,
                 bearer_token: str | None = None, start_at: float = 0.0) -> None:
        ctx = mp.get_context("spawn")
        self._value = ctx.Value("d", start_at)
        self._stop = ctx.Event()
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_serve, name="simulator", daemon=True,
                                 args=(scenario, self._value, limits, bearer_token, child, self._stop, os.getpid()))
        self.url = ""

    def start(self) -> "SimProcess":
        self._proc.start()
        if not self._conn.poll(STARTUP_TIMEOUT_S):
            self.stop()
            raise RuntimeError(f"the simulator process did not start within {STARTUP_TIMEOUT_S:.0f} s")
        status, detail = self._conn.recv()
        if status != "ok":
            self.stop()
            raise RuntimeError(f"the simulator process failed to start: {detail}")
        self.url = detail
        return self

    def set_clock(self, seconds: float) -> None:
        """Move the scenario clock (seconds since the scenario's start)."""
        self._value.value = seconds

    def stop(self) -> None:
        self._stop.set()
        self._proc.join(10)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join(5)

    def __enter__(self) -> "SimProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
