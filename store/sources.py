"""Cursor and health of a watched source (the ``Source.cursor`` / ``Source.health`` JSON columns).

JSON columns are replaced, never mutated in place, so SQLAlchemy sees every change.
Health keys: ``last_success``, ``last_error``, ``last_error_at``, ``next_run``,
``failures``, ``rate_remaining``, ``rate_limit``, ``rate_reset``, ``last_result``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from store.models import Source
from store.validate import as_utc


def _iso(value: datetime | None) -> str | None:
    return None if value is None else as_utc(value).isoformat()


def set_cursor(session: Session, source: Source, **values: Any) -> None:
    """Merge ``values`` into the source's cursor (``None`` removes a key)."""
    cursor = dict(source.cursor or {})
    for key, value in values.items():
        if value is None:
            cursor.pop(key, None)
        else:
            cursor[key] = value
    source.cursor = cursor
    session.add(source)
    session.flush()


def update_health(session: Session, source: Source, **values: Any) -> None:
    """Merge ``values`` into the source's health; datetimes are stored as ISO strings."""
    health = dict(source.health or {})
    for key, value in values.items():
        health[key] = _iso(value) if isinstance(value, datetime) else value
    source.health = health
    session.add(source)
    session.flush()


def record_success(session: Session, source: Source, *, now: datetime, summary: str,
                   rate: dict[str, Any] | None = None) -> None:
    update_health(session, source, last_success=now, last_result=summary, failures=0, **(rate or {}))


def record_error(session: Session, source: Source, *, now: datetime, message: str,
                 rate: dict[str, Any] | None = None) -> None:
    failures = int((source.health or {}).get("failures", 0)) + 1
    update_health(session, source, last_error=message, last_error_at=now, failures=failures, **(rate or {}))
