"""Load a bundled election definition (:mod:`elections`) into the store, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

import shadowtally.elections as defs
from shadowtally.store.models import Candidate, Election, Precinct


@dataclass(frozen=True)
class LoadStats:
    """Rows written by :func:`load_election`; all zero when the store was already current."""

    election_id: int
    precincts_added: int
    precincts_updated: int
    candidates_added: int
    candidates_updated: int


def precinct_aliases(p: defs.Precinct) -> list[str]:
    """Names a post may use besides the official one: the short code, alone and with its county."""
    out = []
    if p.code and p.code != p.name:
        out += [p.code, f"{p.county} {p.code}"]
    return out


def _sync(row: object, values: dict[str, object]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def load_election(session: Session, slug: str) -> LoadStats:
    """Create or update the election ``slug``; a second load with the same data writes nothing.

    Raises :class:`elections.UnknownElection` for a slug that is not bundled.
    """
    e = defs.load_election(slug)
    row = session.exec(select(Election).where(Election.slug == slug)).first()
    values = {"name": e.name, "date": e.date.isoformat(), "rule_pack": e.rule_pack, "timezone": e.timezone}
    if row is None:
        row = Election(slug=slug, **values)
        session.add(row)
        session.flush()
    elif _sync(row, values):
        session.add(row)
    assert row.id is not None
    eid = row.id

    stored = {(p.county, p.name): p for p in session.exec(select(Precinct).where(Precinct.election_id == eid))}
    p_added = p_updated = 0
    for p in e.precincts:
        values = {
            "code": p.code, "idp_id": p.idp_id, "district": p.district, "satellite": p.satellite,
            "delegates": p.delegates, "sde": p.sde, "sde_ratio": p.sde_ratio, "aliases": precinct_aliases(p),
        }
        existing = stored.get(p.key)
        if existing is None:
            session.add(Precinct(election_id=eid, county=p.county, name=p.name, **values))
            p_added += 1
        elif _sync(existing, values):
            session.add(existing)
            p_updated += 1

    stored_c = {c.key: c for c in session.exec(select(Candidate).where(Candidate.election_id == eid))}
    c_added = c_updated = 0
    for c in e.candidates:
        values = {"name": c.name, "aliases": list(c.aliases) + list(c.misspellings)}
        existing_c = stored_c.get(c.key)
        if existing_c is None:
            session.add(Candidate(election_id=eid, key=c.key, **values))
            c_added += 1
        elif _sync(existing_c, values):
            session.add(existing_c)
            c_updated += 1
    session.flush()
    return LoadStats(eid, p_added, p_updated, c_added, c_updated)


def election_id(session: Session, slug: str) -> int | None:
    """The stored id of election ``slug``, or None if it was never loaded."""
    return session.exec(select(Election.id).where(Election.slug == slug)).first()
