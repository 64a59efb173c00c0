"""Cursor and health of a watched source (the ``Source.cursor`` / ``Source.health`` JSON columns).

JSON columns are replaced, never mutated in place, so SQLAlchemy sees every change.
Health keys: ``last_success``, ``last_error``, ``last_error_at``, ``next_run``,
``failures``, ``rate_remaining``, ``rate_limit``, ``rate_reset``, ``last_result``, ``disabled``.
A quiet pass (nothing new) refreshes ``last_success`` and ``next_run`` at most every
``HEARTBEAT_S`` seconds (:func:`heartbeat_fresh`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from shadowtally.store.models import Source
from shadowtally.store.validate import as_utc


# How stale ``last_success`` / ``next_run`` may get while a source keeps answering "nothing new".
HEARTBEAT_S = 30.0


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
    update_health(session, source, last_success=now, last_result=summary, failures=0, disabled=False, **(rate or {}))


def heartbeat_fresh(source: Source, *, now: datetime, summary: str, every_s: float = HEARTBEAT_S) -> bool:
    """Whether the stored health already says what a quiet pass would write: healthy, the
    same result, and a success less than ``every_s`` ago. Then the pass need not write:
    hundreds of feeds polled every few seconds otherwise queue on the database's write
    lock for nothing but a timestamp."""
    health = source.health or {}
    last = health.get("last_success")
    if not last or health.get("failures") or health.get("disabled") or health.get("last_result") != summary:
        return False
    age = (as_utc(now) - datetime.fromisoformat(last)).total_seconds()
    return 0 <= age < every_s


def record_error(session: Session, source: Source, *, now: datetime, message: str,
                 rate: dict[str, Any] | None = None) -> None:
    failures = int((source.health or {}).get("failures", 0)) + 1
    update_health(session, source, last_error=message, last_error_at=now, failures=failures, **(rate or {}))
