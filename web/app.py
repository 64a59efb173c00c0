"""The server's shared state: the live tally, one store watcher, and the news it announces.

One watcher thread polls the store version; every ``/events`` stream waits on a
condition instead of polling the store itself, so the database sees the same load
with one reader or fifty.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any, Callable

from shadowtally.errors import ShadowTallyError
from shadowtally.web.live import LiveTally


def error_body(error: ShadowTallyError) -> dict[str, Any]:
    """What the page and the API say about an error: the message and the next step."""
    return {"error": str(error), "hint": error.hint}


class App:
    """The live tally, and a generation counter the watcher bumps when what it shows changed.

    The watcher polls every ``poll_interval`` seconds; ``/events`` streams wait on
    :attr:`changed` and send a keepalive every ``heartbeat`` seconds.
    """

    def __init__(self, live: LiveTally, *, poll_interval: float = 1.0, heartbeat: float = 15.0,
                 log: Callable[[str], None] | None = None) -> None:
        self.live = live
        self.poll_interval = poll_interval
        self.heartbeat = heartbeat
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.changed = threading.Condition()
        self.generation = 0
        self.stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def current(self, *, warm: bool = False) -> tuple[str, dict[str, Any]]:
        """The event a new subscriber gets now: ``summary`` or ``unavailable``.

        ``warm`` also builds the snapshot's other views, so the requests every page
        makes right after a ``summary`` event find them ready.
        """
        try:
            snap = self.live.snapshot()
        except ShadowTallyError as exc:
            return "unavailable", error_body(exc)
        if warm:
            snap.all_precincts, snap.discrepancies, snap.gaps  # noqa: B018  (cached properties)
        return "summary", snap.summary

    def _watch(self) -> None:
        last: Any = None
        while not self.stopping.is_set():
            key: tuple[Any, ...]
            try:
                event, data = self.current(warm=True)
                key = (event, data.get("version") if event == "summary" else data.get("error"))
            except Exception:  # noqa: BLE001  (a watcher that dies silently would freeze every page)
                self.log("live page: reading the store failed:\n" + traceback.format_exc())
                key = ("failed",)
            if key != last:
                last = key
                with self.changed:
                    self.generation += 1
                    self.changed.notify_all()
            self.stopping.wait(self.poll_interval)

    def wait(self, generation: int, timeout: float) -> int:
        """Block until the generation moves past ``generation`` (or timeout, or stop); return it."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != generation or self.stopping.is_set(), timeout)
            return self.generation

    def start(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="shadowtally-watch", daemon=True)
            self._watcher.start()

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self.live.close()
