"""Exports: tidy CSV/JSON rows with a source URL on every number, the Atom feed, Datasette metadata."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
from click.testing import CliRunner

from shadowtally.app import cli
from shadowtally.services.datasette import metadata
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import record_findings, replace_claims, upsert_post, upsert_release
from shadowtally.store.validate import ClaimIn, FindingIn, PostIn, ReleaseIn, ResultIn

T0 = datetime(2020, 2, 4, 2, 15, tzinfo=timezone.utc)
POST_URL = "https://x.com/ShawnShouse/status/1224911425432305664"
RELEASE_URL = "http://127.0.0.1/idp/results.json"


def seeded_store(url: str) -> None:
    engine = open_store(url)
    with session_scope(engine) as s:
        eid = load_election(s, "iowa-2020").election_id
        post, _ = upsert_post(s, PostIn.of(platform="x", external_id="1224911425432305664", author="ShawnShouse",
                                           url=POST_URL, text="First Alignment: Sanders 111, Warren 82",
                                           created_at=T0, fetched_at=T0))
        replace_claims(s, post, [
            ClaimIn.of(county="Story", precinct="Ames 1-1", round="first", counts={"Sanders": 111, "Warren": 82},
                       confidence=0.97, status="accepted", rule="name-count"),
            ClaimIn.of(county="Story", precinct="Ames 1-1", round="delegates", counts={"Sanders": 2},
                       confidence=0.4, status="review", rule="delegates"),
        ], now=T0)
        upsert_release(s, eid, ReleaseIn.of(
            label="100pct", url=RELEASE_URL, fetched_at=T0 + timedelta(days=3), raw_body="{}",
            results=(ResultIn.of(county="Story", precinct="Ames 1-1", candidate="Sanders", first=111, final=111,
                                 sde=2.1, delegates_implied=2),)))
        record_findings(s, [FindingIn.of(rule="RECON-MISMATCH", severity="error", county="Story", precinct="Ames 1-1",
                                         subject="recon:100pct|Story|Ames 1-1|final", message="final differs",
                                         evidence={"post": POST_URL, "release": RELEASE_URL})],
                        now=T0 + timedelta(days=3), scope="recon:100pct")


def test_export_csv_every_number_has_a_url(sqlite_url: str) -> None:
    """Accepted shadow claims and official rows export as tidy rows, each with the URL that said it."""
    seeded_store(sqlite_url)
    out = CliRunner().invoke(cli, ["export", "--db", sqlite_url])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    shadow = [r for r in rows if r["status"] == "accepted"]
    official = [r for r in rows if r["status"] == "official"]
    assert {(r["candidate"], r["value"]) for r in shadow} == {("Sanders", "111"), ("Warren", "82")}
    assert all(r["url"] == POST_URL and r["round"] == "first" for r in shadow)
    assert {(r["round"], r["value"]) for r in official} == {("first", "111"), ("final", "111"), ("sde", "2.1"), ("delegates", "2")}
    assert all(r["url"] == RELEASE_URL for r in official)
    assert not [r for r in rows if r["status"] == "review"]  # held for review: not exported by default
    assert all(r["url"] for r in rows)


def test_export_json_with_review_claims(sqlite_url: str) -> None:
    """--format json --include-review adds review claims, marked as such."""
    seeded_store(sqlite_url)
    out = CliRunner().invoke(cli, ["export", "--db", sqlite_url, "--what", "shadow", "--format", "json", "--include-review"])
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["status"] for r in rows].count("review") == 1 and len(rows) == 3


def test_findings_feed_parses_as_atom(sqlite_url: str, tmp_path: Path) -> None:
    """The findings feed is valid Atom (feedparser reads it without bozo) and links the evidence."""
    seeded_store(sqlite_url)
    target = tmp_path / "findings.atom"
    out = CliRunner().invoke(cli, ["findings-feed", "--db", sqlite_url, "-o", str(target)])
    assert out.exit_code == 0
    parsed = feedparser.parse(target.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 1
    entry = parsed.entries[0]
    assert "RECON-MISMATCH" in entry.title and "Ames 1-1" in entry.title
    assert {link.href for link in entry.links if link.rel == "related"} == {POST_URL, RELEASE_URL}


def test_datasette_metadata_names_every_table(sqlite_url: str) -> None:
    """The metadata describes exactly the tables the SQLite store has, with readable titles."""
    seeded_store(sqlite_url)
    con = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    described = metadata()["databases"]["shadowtally"]["tables"]
    assert set(described) <= tables
    assert {"posts", "claims", "official_releases", "official_results", "findings", "precincts"} <= set(described)
    assert all(t["description"] for t in described.values())
    assert "Official name" in described["precincts"]["columns"]["name"]
