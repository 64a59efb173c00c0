"""Fixtures for the live page: the small night in a store, and the real server on a free port."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any, Iterator

import pytest
from web_helpers import Night, StartServer, build_night

from shadowtally import elections
from shadowtally.web.live import LiveTally
from shadowtally.web.server import LiveServer, running


@pytest.fixture(scope="session")
def iowa() -> elections.Election:
    return elections.load_election("iowa-2020")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Night]:
    """The night built once into a SQLite file; tests get a copy (loading Iowa's 1,765 units takes a second)."""
    path = tmp_path_factory.mktemp("template") / "night.db"
    night = build_night(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as con:  # fold the WAL in, so the one file is the whole store
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path, night


def _copy_night(template: tuple[Path, Night], url: str) -> Night:
    shutil.copyfile(template[0], url.removeprefix("sqlite:///"))
    return dataclasses.replace(template[1], url=url, urls=dict(template[1].urls),
                               posted_at=dict(template[1].posted_at))


@pytest.fixture
def night(store_url: str, sqlite_template: tuple[Path, Night]) -> Night:
    """The night of web_helpers, on SQLite and (when configured) PostgreSQL; each test has its own store."""
    if store_url.startswith("sqlite:///"):
        return _copy_night(sqlite_template, store_url)
    return build_night(store_url)


@pytest.fixture
def sqlite_night(sqlite_url: str, sqlite_template: tuple[Path, Night]) -> Night:
    """The same night on SQLite only, for the browser tests (the page does not depend on the backend)."""
    return _copy_night(sqlite_template, sqlite_url)


@pytest.fixture
def start_server(iowa: elections.Election) -> Iterator[StartServer]:
    """Start the real server on 127.0.0.1 and a free port; every server stops at teardown.

    Short intervals (no recompute throttle, a store check every 0.2 s, a keepalive
    every 2 s) so live updates show within a second in tests.
    """
    with ExitStack() as stack:
        def start(url: str, **options: Any) -> LiveServer:
            live = LiveTally(url, iowa, min_interval=options.pop("min_interval", 0.0))
            settings = {"poll_interval": 0.2, "heartbeat": 2.0, "log": lambda msg: None, **options}
            return stack.enter_context(running(live, **settings))

        yield start
