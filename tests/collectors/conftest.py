"""Fixtures for collector tests: a simulator on an ephemeral port and a store.

Everything is real HTTP on 127.0.0.1: the real tweepy.Client, real feedparser and real
requests talk to :mod:`simulator`. Backoff is shortened so fault tests stay fast.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from collect_helpers import TOKEN, parsing_handoff, settings_for
from sqlalchemy.engine import Engine

from shadowtally.collectors.scheduler import Collectors
from shadowtally.simulator import Scenario, SimClock, SimServer
from shadowtally.store.db import open_store


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return Scenario.generate(accounts=6, posts=400, duration=3600, seed=7, list_size=4)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(fixed=float("inf"))


@pytest.fixture
def sim(scenario: Scenario, clock: SimClock) -> Iterator[SimServer]:
    with SimServer(scenario, clock=clock, bearer_token=TOKEN) as server:
        yield server


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Engine]:
    eng = open_store(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture
def collectors(sim: SimServer) -> Collectors:
    return Collectors(settings_for(sim), parsing_handoff())
