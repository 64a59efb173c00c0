"""Known authors (the ``accounts`` table): written once per run, read by every tally."""

from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple

from sqlmodel import Session, select

from shadowtally.store.models import ROLES, Account


class AccountRow(NamedTuple):
    handle: str
    role: str
    registered: bool
    county: str | None = None
    precinct: str | None = None


def sync_accounts(session: Session, rows: Iterable[AccountRow]) -> int:
    """Insert or update each account (keyed by lower-case handle); returns how many changed."""
    changed = 0
    for r in rows:
        handle = r.handle.strip().lstrip("@").lower()
        if not handle:
            continue
        role = r.role if r.role in ROLES else "other"
        row = session.get(Account, handle)
        values = {"role": role, "registered": bool(r.registered), "county": r.county, "precinct": r.precinct}
        if row is None:
            session.add(Account(handle=handle, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            session.add(row)
            changed += 1
    session.flush()
    return changed


def account_roles(session: Session) -> Mapping[str, tuple[str, bool]]:
    """author (lower case) -> (role, registered), as :func:`services.tally.claim_records` reads it."""
    return {a.handle: (a.role, a.registered) for a in session.exec(select(Account))}
