"""tally, gaps and discrepancies over a real store: every state, time travel, URLs on every number."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlmodel import select

from shadowtally import elections
from shadowtally.app import cli
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import replace_claims, upsert_post, upsert_release, upsert_source
from shadowtally.store.models import Finding
from shadowtally.store.validate import ClaimIn, PostIn, ReleaseIn, SourceIn, release_results

NIGHT = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)  # 8 pm CST, caucus night
RELEASE_AT = datetime(2020, 2, 4, 22, 0, tzinfo=timezone.utc)


def official(county: str, precinct: str) -> elections.ReleaseRow:
    return next(r for r in elections.load_release("iowa-2020", "100pct") if (r.county, r.precinct) == (county, precinct))


def post_claim(s, ext: str, minutes: int, county: str, precinct: str, round_: str, counts: dict, source_id=None) -> None:
    post, _ = upsert_post(s, PostIn.of(platform="x", external_id=ext, author=f"user{ext}", url=f"https://x.test/{ext}",
                                       text="…", created_at=NIGHT + timedelta(minutes=minutes),
                                       fetched_at=NIGHT + timedelta(minutes=minutes), source_id=source_id))
    replace_claims(s, post, [ClaimIn.of(county=county, precinct=precinct, round=round_, counts=counts,
                                        confidence=0.95, status="accepted", rule="test")], now=NIGHT)


@pytest.fixture
def night(sqlite_url: str) -> str:
    """Three posted precincts: one right, one with a wrong final count in the release, one not released."""
    engine = open_store(sqlite_url)
    ames, adair, fort = official("Story", "Ames 1-1"), official("Adair", "1NW ADAIR"), official("Hamilton", "Webster City 1")
    with session_scope(engine) as s:
        eid = load_election(s, "iowa-2020").election_id
        src, _ = upsert_source(s, SourceIn.of(kind="x_account", platform="x", locator="sec", role="secretary",
                                              county="Story", precinct="Ames 1-1"))
        post_claim(s, "1", 10, "Story", "Ames 1-1", "first", {k: v for k, v in ames.first.items() if v}, src.id)
        post_claim(s, "4", 12, "Story", "Ames 1-1", "final", {k: v for k, v in ames.final.items() if v}, src.id)
        post_claim(s, "2", 20, "Adair", "1NW ADAIR", "final", {k: v for k, v in adair.final.items() if v})
        post_claim(s, "3", 90, "Hamilton", "Webster City 1", "first", {k: v for k, v in fort.first.items() if v})
        wrong_final = dict(adair.final, Biden=adair.final["Biden"] + 5)
        rows = release_results([ames, replace(adair, final=wrong_final)])
        upsert_release(s, eid, ReleaseIn.of(label="62pct", url="http://idp.test/62", published_at=RELEASE_AT,
                                            fetched_at=RELEASE_AT, raw_body="r62", results=rows))
    return sqlite_url


def cli_json(*args: str) -> list[dict]:
    out = CliRunner().invoke(cli, [*args, "--json"])
    assert out.exit_code == 0, out.output
    return [json.loads(x) for x in out.stdout.splitlines()]


def test_tally_every_number_has_its_post(night: str) -> None:
    """Posted rounds appear with the URL of the post; delegates derived by the caucus math are marked derived."""
    rows = cli_json("tally", "--db", night)
    ames_first = [r for r in rows if r["precinct"] == "Ames 1-1" and r["round"] == "first"]
    assert {r["candidate"]: r["value"] for r in ames_first} == {k: v for k, v in official("Story", "Ames 1-1").first.items() if v}
    assert all(r["urls"] == "https://x.test/1" and r["derived"] is False for r in ames_first)
    assert all(r["urls"] for r in rows)
    derived = {(r["round"], r["candidate"]): r["value"] for r in rows if r["precinct"] == "Ames 1-1" and r["derived"]}
    ratio = elections.load_election("iowa-2020").precinct("Story", "Ames 1-1").sde_ratio
    implied = {c: round(v / ratio) for c, v in official("Story", "Ames 1-1").sde.items() if v}
    assert {c: v for (rnd, c), v in derived.items() if rnd == "delegates"} == implied  # the IDP's own result


def test_discrepancy_found_with_both_numbers(night: str) -> None:
    """The release's wrong Biden final count in Adair 1NW ADAIR is a discrepancy with post and official values."""
    rows = cli_json("discrepancies", "--db", night)
    posted = [r for r in rows if not r["derived"]]
    assert [(r["precinct"], r["field"], r["candidate"]) for r in posted] == [("1NW ADAIR", "final", "Biden")]
    adair = official("Adair", "1NW ADAIR")
    assert posted[0]["shadow"] == adair.final["Biden"] and posted[0]["official"] == adair.final["Biden"] + 5
    assert posted[0]["urls"] == "https://x.test/2"


def test_gap_with_hours_missing(night: str) -> None:
    """Webster City 1 was posted at 03:30 UTC and is absent from the 62% release: a gap of 18.5 hours."""
    rows = cli_json("gaps", "--db", night)
    assert [(r["precinct"], r["hours_missing"]) for r in rows] == [("Webster City 1", 18.5)]


def test_time_travel_before_later_posts(night: str) -> None:
    """As of 02:15 UTC only the first two posts (Ames 1-1) were known; the release (later) is not yet known either."""
    rows = cli_json("tally", "--db", night, "--as-of", "2020-02-04T02:15:00Z")
    assert {r["precinct"] for r in rows} == {"Ames 1-1"}
    out = CliRunner().invoke(cli, ["gaps", "--db", night, "--as-of", "2020-02-04T02:15:00Z"])
    assert out.exit_code == 1 and "no official release is stored yet" in out.stderr


def test_findings_persisted_idempotently(night: str) -> None:
    """Running the reconciliation twice stores each finding once; they link to the posts."""
    CliRunner().invoke(cli, ["discrepancies", "--db", night, "--json"])
    CliRunner().invoke(cli, ["gaps", "--db", night, "--json"])
    with session_scope(open_store(night)) as s:
        found = list(s.exec(select(Finding).where(Finding.resolved == False)))  # noqa: E712
    subjects = [f.subject for f in found]
    assert len(subjects) == len(set(subjects))
    assert "recon:62pct|Hamilton|Webster City 1|gap" in subjects
    assert "recon:62pct|Adair|1NW ADAIR|final" in subjects


def test_bad_as_of_is_a_clear_error(night: str) -> None:
    """A time without a zone is refused with a hint, not guessed."""
    out = CliRunner().invoke(cli, ["tally", "--db", night, "--as-of", "2020-02-04 02:15"])
    assert out.exit_code == 1 and "no time zone" in out.stderr
