"""A second rule pack of a different shape, end to end: the 2024 Iowa Republican caucuses.

One round (a secret-ballot preference vote), no realignment, no delegates at the precinct.
Real precinct numbers printed by local papers on caucus night (elections/data/iowa-gop-2024/
SOURCES.md). Cases: a post parsed by the real parser for this election becomes an accepted
claim in the preference round; the tally puts it beside the bundled release (a match); a
post one vote off is a mismatch; a unit posted but not released is a gap; a post about the
other party's caucus is not a result of this one.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from click.testing import CliRunner
from sqlmodel import select

from shadowtally import elections
from shadowtally.app import cli
from shadowtally.collectors.pipeline import Handoff
from shadowtally.parsers import build_pipeline
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import upsert_post, upsert_release
from shadowtally.store.models import Claim
from shadowtally.store.validate import PostIn, ReleaseIn, release_results

SLUG = "iowa-gop-2024"
NIGHT = datetime(2024, 1, 16, 2, 30, tzinfo=timezone.utc)
RELEASED = datetime(2024, 1, 16, 4, 0, tzinfo=timezone.utc)
POSTS = {
    "g1": "Grinnell Ward 1 caucus results: Trump 13, Haley 11, DeSantis 5, Ramaswamy 1",
    "g2": "Grinnell Ward 2 is in: DeSantis 30, Trump 28, Haley 15, Vivek 6",          # Trump was 27
    "hlo": "Hartley-Lincoln-Omega (O'Brien Co.): Trump 66, Haley 7, DeSantis 6, Ramaswamy 5, Binkley 2, other 1",
    "bkn": "Poweshiek County, Brooklyn precinct: Trump 60, DeSantis 17, Haley 16, Ramaswamy 6, Binkley 1, Christie 1",
    "dem": "Ames precinct 1-1 Democratic caucus first alignment: Sanders 111, Warren 82, Buttigieg 47",
}


def test_one_round_election_from_post_to_tally_beside_its_release(sqlite_url: str) -> None:
    election = elections.load_election(SLUG)
    assert election.rounds == ("first",) and election.round_label("first") == "preference vote"
    engine = open_store(sqlite_url)
    handoff = Handoff(parser=build_pipeline(election))
    with session_scope(engine) as s:
        eid = load_election(s, SLUG).election_id
        for i, (ext, text) in enumerate(POSTS.items()):
            post, _ = upsert_post(s, PostIn.of(platform="x", external_id=ext, author="grinnellreporter", text=text,
                                               url=f"https://x.test/{ext}", created_at=NIGHT, fetched_at=NIGHT))
            handoff(s, post, now=NIGHT)
        rows = elections.load_release(SLUG, "caucus-night")
        upsert_release(s, eid, ReleaseIn.of(label="caucus-night", url="release:caucus-night", published_at=RELEASED,
                                            fetched_at=RELEASED, raw_body="caucus-night", results=release_results(rows)))
        claims = {(c.county, c.precinct): (c.round, c.status, c.counts) for c in s.exec(select(Claim))}
    assert claims[("Poweshiek", "Grinnell Ward 1")] == (
        "first", "accepted", {"Trump": 13, "Haley": 11, "DeSantis": 5, "Ramaswamy": 1})
    assert len(claims) == 4, "the Democratic caucus post is not a result of this election"

    r = CliRunner().invoke(cli, ["tally", "--db", sqlite_url, "--election", SLUG, "--json"])
    assert r.exit_code == 0, r.output
    tally = [json.loads(x) for x in r.stdout.splitlines()]
    assert {x["round"] for x in tally} == {"first"}
    assert {(x["precinct"], x["candidate"]): x["value"] for x in tally}[("Hartley-Lincoln-Omega", "Trump")] == 66

    r = CliRunner().invoke(cli, ["discrepancies", "--db", sqlite_url, "--election", SLUG, "--json"])
    assert r.exit_code == 0, r.output
    diffs = [json.loads(x) for x in r.stdout.splitlines()]
    assert {(d["precinct"], d["candidate"]) for d in diffs} == {("Grinnell Ward 2", "Trump")}
    r = CliRunner().invoke(cli, ["gaps", "--db", sqlite_url, "--election", SLUG, "--json"])
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["precinct"] for x in r.stdout.splitlines()] == ["Brooklyn"]
