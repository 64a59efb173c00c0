"""Helpers shared by the collector tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

from sqlalchemy.engine import Engine

from collectors.config import parse_config
from collectors.http import Backoff
from collectors.scheduler import Settings, sync_sources
from simulator import SimServer

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
