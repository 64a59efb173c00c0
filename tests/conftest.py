"""Shared fixtures: a fresh store on SQLite, and on PostgreSQL when SHADOWTALLY_TEST_PG names one.

``store_url`` is parametrised over both backends. The PostgreSQL case runs each test
in its own schema (dropped afterwards), so tests never see each other's rows; it is
skipped, saying why, when ``SHADOWTALLY_TEST_PG`` is unset.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from shadowtally.store.db import open_store, resolve_url

PG_ENV = "SHADOWTALLY_TEST_PG"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings from the developer's shell must not leak into tests."""
    for name in ("SHADOWTALLY_DB", "SHADOWTALLY_X_BEARER_TOKEN", "SHADOWTALLY_X_API_URL"):
        monkeypatch.delenv(name, raising=False)


def _pg_schema_url(base: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(resolve_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests skipped")
    yield from _pg_schema_url(base)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL to an empty SQLite file (for tests that are not about the backend)."""
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An opened store (tables created) on each backend."""
    eng = open_store(store_url)
    yield eng
    eng.dispose()
