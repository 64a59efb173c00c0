"""The ``stream`` shape of the collector registry: a long-running consumer under the runtime.

The kind here is registered by the test (the registry is open: a new kind is one
``register_kind`` call) and reads JSON lines over a real TCP socket from a local server,
resuming from its stored cursor. Cases: the server drops the connection mid-stream (the
runner reconnects with backoff and the consumer resumes from its cursor: every post stored
once); the runtime starts the consumer with the scheduler and stops it on ``stop``; a stream
source is skipped by ``collect --once`` with a clear word, not run as a poll.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import func, select

from shadowtally.collectors.base import Clock, Rejected
from shadowtally.collectors.config import parse_config
from shadowtally.collectors.kinds import KINDS, SourceKind, register_kind
from shadowtally.collectors.pipeline import Handoff, keep
from shadowtally.collectors.scheduler import Settings
from shadowtally.services.runtime import Runtime
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.models import Claim, Post, Source
from shadowtally.store.sources import set_cursor
from shadowtally.store.validate import PostIn

T0 = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)
TEXTS = ["Doors are open at Ames 1-1, big crowd",
         "Story County Ames 1-1 first alignment: Sanders 111, Warren 82, Buttigieg 47",
         "Parking is a mess at the middle school",
         "Story County Ames 1-1 delegates: Sanders 2, Warren 2, Buttigieg 2",
         "Heading home. Thanks to every volunteer"]


class LineServer(socketserver.ThreadingTCPServer):
    """Sends ``{"seq", "id", "author", "text", "at"}`` lines after the client's ``since N`` line.
    The first connection is dropped after ``drop_after`` lines; later ones stay open."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, drop_after: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.drop_after = drop_after
        self.connections: list[int] = []  # the cursor each connection asked from


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: LineServer = self.server  # type: ignore[assignment]
        since = int(self.rfile.readline().decode().split()[1])
        server.connections.append(since)
        first = len(server.connections) == 1
        sent = 0
        for seq, text in enumerate(TEXTS, 1):
            if seq <= since:
                continue
            if first and sent == server.drop_after:
                return  # the server drops the socket mid-stream
            line = {"seq": seq, "id": f"s{seq}", "author": "amessec", "text": text, "at": seq * 60}
            self.wfile.write((json.dumps(line) + "\n").encode())
            sent += 1
        while not getattr(server, "closing", False):  # hold the stream open, as a firehose does
            time.sleep(0.05)


@dataclass
class LineCollector:
    """Consumes a :class:`LineServer`; the locator is ``host:port``."""

    handoff: Handoff | None

    def stream(self, engine: Any, source_id: int, *, stop: threading.Event, now: Clock) -> None:
        with session_scope(engine) as session:
            source = session.get(Source, source_id)
            host, port = source.locator.rsplit(":", 1)
            since = int((source.cursor or {}).get("seq", 0))
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.settimeout(0.1)
            sock.sendall(f"since {since}\n".encode())
            buf = b""
            while not stop.is_set():
                try:
                    chunk = sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    return  # the server closed: the runner reconnects
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    self._store(engine, source_id, raw, now)

    def _store(self, engine: Any, source_id: int, raw: bytes, now: Clock) -> None:
        try:
            item = json.loads(raw)
        except ValueError as exc:
            raise Rejected(f"malformed line: {exc}") from None
        with session_scope(engine) as session:  # the post and the cursor commit together
            source = session.get(Source, source_id)
            created = T0 + timedelta(seconds=item["at"])
            post = PostIn.of(platform="linetest", external_id=item["id"], author=item["author"], text=item["text"],
                             url=f"line://{item['id']}", created_at=created, fetched_at=now(), source_id=source_id)

            class _Count:
                new = revised = unchanged = 0

            keep(session, post, _Count(), self.handoff, now=now())
            set_cursor(session, source, seq=item["seq"])


@pytest.fixture
def line_kind() -> Iterator[str]:
    register_kind(SourceKind("line_test", "address", "line_test", lambda _s, handoff: LineCollector(handoff),
                             shape="stream", platform="linetest", doc="JSON lines over TCP (tests only)"))
    yield "line_test"
    KINDS.pop("line_test", None)


def _wait(pred: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def test_stream_reconnects_and_resumes_from_its_cursor_under_the_runtime(line_kind, sqlite_url) -> None:
    server = LineServer(drop_after=3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    engine = open_store(sqlite_url)
    from collect_helpers import iowa_parser

    runtime = Runtime.build(engine, Settings(x_api_url="http://127.0.0.1:9"))
    runtime.handoff.parser = iowa_parser()
    [sid] = runtime.sync_sources(parse_config(
        f'[[source]]\nkind = "line_test"\naddress = "127.0.0.1:{server.server_address[1]}"\n').sources)
    try:
        # The runner's first backoff is 1 s; the drop costs one reconnect.
        runtime.scheduler([sid], scheduler=BackgroundScheduler(timezone=timezone.utc), persistent=False).start()

        def stored() -> int:
            with session_scope(engine) as s:
                return s.exec(select(func.count()).select_from(Post)).one()

        assert _wait(lambda: stored() == len(TEXTS)), f"stored {stored()} of {len(TEXTS)}"
        assert server.connections[:2] == [0, 3], "reconnected, asking from the stored cursor"
        with session_scope(engine) as s:
            assert s.get(Source, sid).cursor["seq"] == len(TEXTS)
            rounds = {c.round for c in s.exec(select(Claim))}
        assert {"first", "delegates"} <= rounds, "streamed posts go through the same hand-off"
    finally:
        runtime.stop(timeout=5)
        server.closing = True
        server.shutdown()
    assert not any(t.is_alive() for t in runtime.jobs.streams), "stop ends the consumers"
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Post)).one() == len(TEXTS), "nothing stored twice"


def test_collect_once_skips_a_stream_source_with_a_clear_word(line_kind, sqlite_url) -> None:
    engine = open_store(sqlite_url)
    runtime = Runtime.build(engine, Settings(x_api_url="http://127.0.0.1:9"))
    [sid] = runtime.sync_sources(parse_config('[[source]]\nkind = "line_test"\naddress = "127.0.0.1:9"\n').sources)
    (out,) = runtime.run_once([sid])
    assert out.status == "disabled" and "shadowtally run" in out.message
