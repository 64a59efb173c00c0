"""A small caucus night in a store, for the live page's tests; expectations come from its data.

Five units of the real Iowa election, one per reconciliation status against a release
"62pct" built from the bundled 100% results:

* ``match``: Story / Ames 1-1, first and final posted by the precinct's secretary;
* ``mismatch``: Adair / 1NW ADAIR, final posted; the release adds 5 to Biden's final;
* ``social_only``: Hamilton / Webster City 1, first posted 90 minutes in, not released;
* ``unresolved``: a Polk unit where two bystanders post different first alignments;
* ``official_only``: another Polk unit, released, never posted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Mapping

from shadowtally import elections
from shadowtally.services.tally import compute, record
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import replace_claims, upsert_post, upsert_release, upsert_source
from shadowtally.store.validate import ClaimIn, PostIn, ReleaseIn, SourceIn, release_results
from shadowtally.web.server import LiveServer

NIGHT = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)  # 8 pm CST, caucus night
RELEASE_AT = datetime(2020, 2, 4, 22, 0, tzinfo=timezone.utc)
RELEASE_URL = "https://results.idp.test/62pct.json"
RELEASE_LABEL = "62pct"
BIDEN_ERROR = 5

# The start_server fixture: (store URL, **App options) -> a running server.
StartServer = Callable[..., LiveServer]


@lru_cache(maxsize=1)
def _full_release() -> tuple[elections.ReleaseRow, ...]:
    return tuple(elections.load_release("iowa-2020", "100pct"))


def release_row(county: str, precinct: str) -> elections.ReleaseRow:
    """The bundled 100% result of one unit."""
    return next(r for r in _full_release() if (r.county, r.precinct) == (county, precinct))


def _polk_units(n: int) -> list[elections.ReleaseRow]:
    rows = [r for r in _full_release()
            if r.county == "Polk" and sum(r.first.values()) > 20 and sum(1 for v in r.first.values() if v) >= 3]
    return rows[:n]


def nonzero(counts: Mapping[str, int | float]) -> dict[str, int | float]:
    return {k: v for k, v in counts.items() if v}


def post_url(ext: str) -> str:
    return f"https://x.test/status/{ext}"


def add_post(url: str, ext: str, minutes: float, county: str, precinct: str, round_: str,
             counts: Mapping[str, int | float], *, author: str | None = None, source_id: int | None = None,
             link: str | None = None) -> str:
    """Store one post with one accepted claim; returns the post's URL."""
    link = link if link is not None else post_url(ext)
    engine = open_store(url)
    try:
        with session_scope(engine) as s:
            when = NIGHT + timedelta(minutes=minutes)
            post, _ = upsert_post(s, PostIn.of(platform="x", external_id=ext, author=author or f"user{ext}", url=link,
                                               text="…", created_at=when, fetched_at=when, source_id=source_id))
            replace_claims(s, post, [ClaimIn.of(county=county, precinct=precinct, round=round_, counts=dict(counts),
                                                confidence=0.95, status="accepted", rule="test")], now=when)
    finally:
        engine.dispose()
    return link


@dataclass
class Night:
    """The store's URL and what was put in it."""

    url: str
    ames: elections.ReleaseRow
    adair: elections.ReleaseRow
    webster: elections.ReleaseRow
    unresolved: elections.ReleaseRow
    official_only: elections.ReleaseRow
    urls: dict[str, str] = field(default_factory=dict)       # what -> post URL
    posted_at: dict[str, datetime] = field(default_factory=dict)

    @property
    def adair_wrong_final(self) -> dict[str, int]:
        return dict(self.adair.final, Biden=self.adair.final["Biden"] + BIDEN_ERROR)

    @property
    def released(self) -> list[tuple[elections.ReleaseRow, dict[str, int]]]:
        """Each released unit with the final alignment the release gives it."""
        return [(self.ames, self.ames.final), (self.adair, self.adair_wrong_final),
                (self.unresolved, self.unresolved.final), (self.official_only, self.official_only.final)]


def build_night(url: str) -> Night:
    """Fill an empty store with the night described in the module docstring, and record its findings."""
    unresolved, official_only = _polk_units(2)
    night = Night(url, release_row("Story", "Ames 1-1"), release_row("Adair", "1NW ADAIR"),
                  release_row("Hamilton", "Webster City 1"), unresolved, official_only)
    engine = open_store(url)
    with session_scope(engine) as s:
        eid = load_election(s, "iowa-2020").election_id
        src, _ = upsert_source(s, SourceIn.of(kind="x_account", platform="x", locator="amessec", role="secretary",
                                              county="Story", precinct="Ames 1-1"))
        source_id = src.id
    engine.dispose()
    plan = [
        ("ames_first", "1", 10, night.ames, "first", nonzero(night.ames.first), "amessec", source_id),
        ("ames_final", "2", 12, night.ames, "final", nonzero(night.ames.final), "amessec", source_id),
        ("adair_final", "3", 20, night.adair, "final", nonzero(night.adair.final), None, None),
        ("webster_first", "4", 90, night.webster, "first", nonzero(night.webster.first), None, None),
        ("unresolved_a", "5", 30, night.unresolved, "first", nonzero(night.unresolved.first), None, None),
        ("unresolved_b", "6", 31, night.unresolved, "first",
         {k: v + 1 for k, v in nonzero(night.unresolved.first).items()}, None, None),
    ]
    for what, ext, minutes, row, rnd, counts, author, sid in plan:
        night.urls[what] = add_post(url, ext, minutes, row.county, row.precinct, rnd, counts, author=author,
                                    source_id=sid)
        night.posted_at[what] = NIGHT + timedelta(minutes=minutes)
    engine = open_store(url)
    with session_scope(engine) as s:
        results = release_results(replace(r, final=final) for r, final in night.released)
        upsert_release(s, eid, ReleaseIn.of(label=RELEASE_LABEL, url=RELEASE_URL, published_at=RELEASE_AT,
                                            fetched_at=RELEASE_AT, raw_body="62pct", results=results))
    with session_scope(engine) as s:
        record(s, compute(s, elections.load_election("iowa-2020"), eid), now=RELEASE_AT)
    engine.dispose()
    return night
