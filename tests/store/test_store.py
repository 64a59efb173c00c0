"""The store on SQLite and (with SHADOWTALLY_TEST_PG) PostgreSQL: round trips and idempotence."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import select

from shadowtally import elections
from shadowtally.errors import ConfigError, InvalidValue, StoreUnavailable
from shadowtally.store.db import open_store, resolve_url, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import record_findings, replace_claims, upsert_post, upsert_release
from shadowtally.store.models import Candidate, Claim, Finding, OfficialRelease, OfficialResult, Post, Precinct
from shadowtally.store.validate import ClaimIn, FindingIn, PostIn, ReleaseIn, ResultIn

T0 = datetime(2020, 2, 4, 2, 15, tzinfo=timezone.utc)


def table_fingerprint(engine: Engine, table: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def seed_post(**over: object) -> PostIn:
    values: dict[str, object] = dict(
        platform="x", external_id="1224911425432305664", author="ShawnShouse",
        url="https://x.com/ShawnShouse/status/1224911425432305664",
        text="Story County Precinct 1-1. First Alignment: Sanders 111, Warren 82, Buttigieg 47",
        created_at=T0, fetched_at=T0 + timedelta(minutes=1),
        raw={"id": "1224911425432305664", "text": "…"},
    )
    values.update(over)
    return PostIn.of(**values)


def test_election_load_round_trips_and_reload_changes_no_row(engine: Engine) -> None:
    """Loading Iowa 2020 stores 1,765 units and 14 candidates; a second load changes no row."""
    with session_scope(engine) as s:
        stats = load_election(s, "iowa-2020")
    assert stats.precincts_added == 1765 and stats.candidates_added == 14
    before = {t: table_fingerprint(engine, t) for t in ("elections", "precincts", "candidates")}
    with session_scope(engine) as s:
        again = load_election(s, "iowa-2020")
    assert (again.precincts_added, again.precincts_updated, again.candidates_added, again.candidates_updated) == (0, 0, 0, 0)
    assert {t: table_fingerprint(engine, t) for t in before} == before
    with session_scope(engine) as s:
        ames = s.exec(select(Precinct).where(Precinct.county == "Story", Precinct.name == "Ames 1-1")).one()
        butt = s.exec(select(Candidate).where(Candidate.key == "Buttigieg")).one()
    defn = elections.load_election("iowa-2020").precinct("Story", "Ames 1-1")
    assert defn is not None
    assert (ames.delegates, ames.idp_id, ames.satellite) == (defn.delegates, defn.idp_id, False)
    assert ames.sde == pytest.approx(defn.sde)
    assert "mayor pete" in [a.lower() for a in butt.aliases] and len(butt.aliases) > 169


def test_post_reingest_changes_nothing_and_edit_makes_revision(engine: Engine) -> None:
    """Same post twice: one row, unchanged. Edited text: same row, revision 2, edited_at set."""
    with session_scope(engine) as s:
        row, change = upsert_post(s, seed_post())
    assert change == "new"
    before = table_fingerprint(engine, "posts")
    with session_scope(engine) as s:
        _, change = upsert_post(s, seed_post(fetched_at=T0 + timedelta(minutes=5)))
    assert change == "unchanged"
    assert table_fingerprint(engine, "posts") == before
    edited = seed_post(text="Story County Precinct 1-1. First Alignment: Sanders 111, Warren 82, Buttigieg 48",
                       raw={"id": "1224911425432305664", "text": "edited"}, fetched_at=T0 + timedelta(minutes=9))
    with session_scope(engine) as s:
        row2, change = upsert_post(s, edited)
        count = s.exec(select(func.count()).select_from(Post)).one()
    assert change == "revised" and row2.id == row.id and row2.revision == 2 and count == 1
    assert row2.edited_at == T0 + timedelta(minutes=9)
    assert row2.created_at.tzinfo is not None


def test_claims_are_replaced_not_duplicated(engine: Engine) -> None:
    """Re-parsing a post replaces its claims; supersession marks the corrected claim."""
    claim = ClaimIn.of(county="Story", precinct="Ames 1-1", round="first", counts={"Sanders": 111},
                       confidence=0.95, status="accepted", rule="name-colon-count", evidence=[[36, 47, "Sanders 111"]])
    with session_scope(engine) as s:
        post, _ = upsert_post(s, seed_post())
        replace_claims(s, post, [claim], now=T0)
        replace_claims(s, post, [claim], now=T0)
        rows = list(s.exec(select(Claim)))
    assert len(rows) == 1 and rows[0].counts == {"Sanders": 111} and rows[0].evidence == [[36, 47, "Sanders 111"]]
    fix = ClaimIn.of(county="Story", precinct="Ames 1-1", round="first", counts={"Sanders": 110},
                     confidence=0.9, status="accepted", rule="correction", supersedes=rows[0].id)
    with session_scope(engine) as s:
        reply, _ = upsert_post(s, seed_post(external_id="2", text="CORRECTION: Sanders was 110 not 111"))
        replace_claims(s, reply, [fix], now=T0)
        old = s.get(Claim, rows[0].id)
        assert old is not None and old.superseded


def test_release_ingested_once_by_content_hash(engine: Engine) -> None:
    """The same release body twice is stored once; its rows keep first/final/SDE."""
    with session_scope(engine) as s:
        eid = load_election(s, "iowa-2020").election_id
    results = tuple(
        ResultIn.of(county="Story", precinct="Ames 1-1", candidate=c, first=f, final=f, sde=sde)
        for c, f, sde in (("Sanders", 111, 1.2), ("Warren", 82, 0.8))
    )
    rel = ReleaseIn.of(label="test", fetched_at=T0, raw_body="body-1", results=results)
    with session_scope(engine) as s:
        _, created = upsert_release(s, eid, rel)
        _, again = upsert_release(s, eid, rel)
        n_rel = s.exec(select(func.count()).select_from(OfficialRelease)).one()
        n_res = s.exec(select(func.count()).select_from(OfficialResult)).one()
    assert (created, again, n_rel, n_res) == (True, False, 1, 2)


def test_findings_idempotent_and_resolved_when_gone(engine: Engine) -> None:
    """Recording the same findings twice adds nothing; a finding that stops holding is resolved."""
    f1 = FindingIn.of(rule="IA-E01", severity="error", county="Polk", precinct="DES MOINES-80",
                      subject="release:100pct|Polk|DES MOINES-80", message="final exceeds first")
    f2 = FindingIn.of(rule="IA-W01", severity="warning", county="Story", precinct="Ames 1-1",
                      subject="release:100pct|Story|Ames 1-1", message="x")
    with session_scope(engine) as s:
        a = record_findings(s, [f1, f2], now=T0, scope="release:100pct")
        b = record_findings(s, [f1, f2], now=T0 + timedelta(hours=1), scope="release:100pct")
        c = record_findings(s, [f1], now=T0 + timedelta(hours=2), scope="release:100pct")
        rows = {r.rule: r for r in s.exec(select(Finding))}
    assert (a.new, b.new, b.unchanged, c.resolved) == (2, 0, 2, 1)
    assert rows["IA-W01"].resolved and not rows["IA-E01"].resolved
    assert rows["IA-E01"].first_seen == T0 and rows["IA-E01"].last_seen == T0 + timedelta(hours=2)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: ClaimIn.of(round="first", counts={"Sanders": -5}, confidence=0.9, status="accepted"), "negative"),
        (lambda: ClaimIn.of(round="first", counts={"Sanders": 2.5}, confidence=0.9, status="accepted"), "whole number"),
        (lambda: ClaimIn.of(round="first", counts={"Sanders": 10**7}, confidence=0.9, status="accepted"), "beyond any precinct"),
        (lambda: ClaimIn.of(round="second", counts={}, confidence=0.9, status="accepted"), "round must be one of"),
        (lambda: ClaimIn.of(round="first", counts={}, confidence=1.5, status="accepted"), "confidence"),
        (lambda: ResultIn.of(county="Polk", precinct="X", candidate="Biden", first=-1), "greater than or equal to 0"),
        (lambda: ResultIn.of(county="Polk", precinct="X", candidate="Biden", final=3.5), "whole number"),
        (lambda: seed_post(created_at=datetime(2020, 2, 4)), "timezone-aware"),
        (lambda: FindingIn.of(rule="x", severity="fatal", subject="s"), "severity"),
    ],
)
def test_bad_values_rejected_with_clear_message(build: object, message: str) -> None:
    """Negative counts, fractions of people, absurd numbers, unknown rounds, naive times: refused, clearly."""
    with pytest.raises(InvalidValue, match=message):
        build()  # type: ignore[operator]


def test_rejected_value_writes_nothing(sqlite_url: str) -> None:
    """A bad claim in a batch aborts the transaction: no claim of that batch is stored."""
    engine = open_store(sqlite_url)
    with pytest.raises(InvalidValue):
        with session_scope(engine) as s:
            post, _ = upsert_post(s, seed_post())
            good = ClaimIn.of(round="first", counts={"Sanders": 1}, confidence=0.5, status="review")
            replace_claims(s, post, [good, ClaimIn.of(round="first", counts={"Sanders": -1}, confidence=0.5, status="review")], now=T0)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Post)).one() == 0
        assert s.exec(select(func.count()).select_from(Claim)).one() == 0


def test_url_forms(tmp_path: object) -> None:
    """A bare path and sqlite:/// are SQLite; postgresql:// uses psycopg 3; others are refused."""
    assert resolve_url("x.db") == "sqlite:///x.db"
    assert resolve_url("sqlite:///tmp/a.db") == "sqlite:///tmp/a.db"
    assert resolve_url("postgresql://u@h:5432/d").startswith("postgresql+psycopg://u@h:5432/d")
    with pytest.raises(ConfigError, match="unsupported database"):
        resolve_url("mysql://root@localhost/x")
    with pytest.raises(ConfigError, match="malformed"):
        resolve_url("postgresql://u@h:notaport/d")


def test_unreachable_database_is_a_clear_error() -> None:
    """Nothing listens on port 1: StoreUnavailable with a next step, not a traceback."""
    with pytest.raises(StoreUnavailable, match="cannot open the database") as info:
        open_store("postgresql://nobody@127.0.0.1:1/none")
    assert info.value.hint and "SHADOWTALLY_DB" in info.value.hint
