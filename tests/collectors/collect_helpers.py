"""Helpers shared by the collector tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]

from sqlalchemy.engine import Engine

import shadowtally.elections as defs
from shadowtally.collectors import pipeline
from shadowtally.collectors.config import parse_config
from shadowtally.collectors.http import Backoff
from shadowtally.collectors.scheduler import Settings, sync_sources
from shadowtally.simulator import SimServer
from shadowtally.store.db import session_scope
from shadowtally.store.elections import load_election

TOKEN = "test-bearer-token-do-not-log"


def fast_backoff(attempts: int = 3) -> Backoff:
    return Backoff(attempts=attempts, base=0.01, cap=0.05)


def now() -> datetime:
    return datetime.now(timezone.utc)


def settings_for(sim: SimServer, **kw: Any) -> Settings:
    base: dict[str, Any] = dict(x_api_url=sim.url, token=TOKEN, backoff_base=0.01, backoff_attempts=3,
                                timeout=(2.0, 2.0))
    base.update(kw)
    return Settings(**base)


def add_sources(engine: Engine, toml: str) -> list[int]:
    return sync_sources(engine, parse_config(toml).sources)


_PARSER: dict[str, Any] = {}


def iowa_parser() -> Any:
    """The real Iowa 2020 parser, built once per test process (it loads spaCy)."""
    if "iowa" not in _PARSER:
        from shadowtally.parsers import build_pipeline  # the parser loads spaCy; only the tests that parse pay for it

        _PARSER["iowa"] = build_pipeline(defs.load_election("iowa-2020"))
    return _PARSER["iowa"]


def parsing_handoff() -> pipeline.Handoff:
    """A hand-off that parses with the real Iowa 2020 parser (a fresh one each call: its own counters)."""
    return pipeline.Handoff(parser=iowa_parser())


@contextmanager
def parsing_into(engine: Engine) -> Iterator[pipeline.Handoff]:
    """Iowa 2020 loaded into ``engine``; yields the hand-off that parses into it."""
    with session_scope(engine) as s:
        load_election(s, "iowa-2020")
    yield parsing_handoff()
