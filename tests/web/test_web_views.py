"""The pure views: a TallyState from a real store in, the page's dicts out; expectations from the data put in."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from web_helpers import BIDEN_ERROR, RELEASE_AT, RELEASE_LABEL, RELEASE_URL, Night, add_post, nonzero, release_row

from shadowtally import elections
from shadowtally.reconcile.compare import SDE_TOLERANCE, STATUSES
from shadowtally.services.feed import FeedEntry
from shadowtally.cli.commands.export import feed_entries
from shadowtally.errors import NotFound
from shadowtally.services.options import loaded_election_id
from shadowtally.services.tally import TallyState, compute
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.web import views

REFS = {RELEASE_LABEL: views.ReleaseRef(RELEASE_LABEL, RELEASE_URL, RELEASE_AT)}
NOW = datetime(2020, 2, 5, 12, 0, tzinfo=timezone.utc)


def state_of(url: str, iowa: elections.Election) -> tuple[TallyState, list[FeedEntry]]:
    engine = open_store(url)
    with session_scope(engine) as s:
        state = compute(s, iowa, loaded_election_id(s, "iowa-2020"), latest_only=True)
        entries = feed_entries(s)
    engine.dispose()
    return state, entries


@pytest.fixture
def state(night: Night, iowa: elections.Election) -> TallyState:
    """The night's tally read from each backend."""
    return state_of(night.url, iowa)[0]


@pytest.fixture
def sqlite_state(sqlite_night: Night, iowa: elections.Election) -> TallyState:
    """The night's tally from SQLite, for views whose logic does not touch the store."""
    return state_of(sqlite_night.url, iowa)[0]


def by_status(rows: list[dict]) -> dict[str, str | None]:
    return {r["precinct"]: r["status"] for r in rows}


def test_summary_statewide_sums_the_posts_and_the_release(night: Night, state: TallyState, iowa) -> None:
    """Normal case: shadow first/final are the posted counts summed; official totals sum the release rows."""
    s = views.summary(state, iowa, releases=REFS, version="v1", updated_at=NOW, open_findings=3)
    rows = {r["candidate"]: r for r in s["statewide"]}
    for cand in iowa.candidate_keys:
        want_first = night.ames.first[cand] + night.webster.first[cand]
        want_final = night.ames.final[cand] + night.adair.final[cand]
        off_first = sum(r.first[cand] for r, _ in night.released)
        off_final = sum(final[cand] for _, final in night.released)
        if not (want_first or want_final or off_first or off_final):
            assert cand not in rows  # nothing anybody said: not a row
            continue
        row = rows[cand]
        assert row["shadow"]["first"]["value"] == want_first
        assert row["shadow"]["final"]["value"] == want_final
        assert row["official"]["first"]["value"] == off_first
        assert row["official"]["final"]["value"] == off_final
        assert row["official"]["sde"]["value"] == pytest.approx(sum(r.sde[cand] for r, _ in night.released), abs=1e-4)
        # Only Ames 1-1 has both alignments, so only it gets (derived) SDE: the IDP's own, within rounding.
        assert row["shadow"]["sde"]["value"] == pytest.approx(night.ames.sde[cand], abs=SDE_TOLERANCE)
        assert row["official"]["sde"]["urls"] == [RELEASE_URL]
        assert row["shadow"]["sde"]["href"] == "#precincts" and row["shadow"]["sde"]["derived"] is True
    assert s["coverage"]["precincts_posted"] == 3  # Ames, Adair, Webster City; the open conflict posted nothing usable
    assert s["coverage"]["precincts_with_sde"] == 1
    assert s["release"]["label"] == RELEASE_LABEL and s["release"]["urls"] == [RELEASE_URL]
    assert s["release"]["counts"] == {st: 1 for st in STATUSES}
    assert s["version"] == "v1" and s["updated_at"] == "2020-02-05T12:00:00Z" and s["open_findings"] == 3


def test_statewide_rows_are_ordered_by_official_sde(sqlite_state: TallyState, iowa) -> None:
    """Normal case: the statewide table reads like a results page, the leader on top."""
    rows = views.summary(sqlite_state, iowa, releases=REFS, version="v", updated_at=NOW, open_findings=0)["statewide"]
    sde = [r["official"]["sde"]["value"] for r in rows]
    assert sde == sorted(sde, reverse=True)


def test_precinct_rows_have_one_status_each_and_cite_their_posts(night: Night, state: TallyState) -> None:
    """Normal case: every status appears once; posted numbers link to their post, derived ones say so."""
    rows = views.precincts(state)
    assert by_status(rows) == {
        night.ames.precinct: "match", night.adair.precinct: "mismatch", night.webster.precinct: "social_only",
        night.unresolved.precinct: "unresolved", night.official_only.precinct: "official_only",
    }
    ames = next(r for r in rows if r["precinct"] == night.ames.precinct)
    assert ames["shadow"]["first"]["values"] == sorted(([k, v] for k, v in nonzero(night.ames.first).items()),
                                                       key=lambda kv: (-kv[1], kv[0]))
    assert ames["shadow"]["first"]["urls"] == [night.urls["ames_first"]]
    assert ames["shadow"]["final"]["urls"] == [night.urls["ames_final"]]
    assert ames["shadow"]["sde"]["derived"] is True
    assert ames["shadow"]["sde"]["urls"] == [night.urls["ames_first"], night.urls["ames_final"]]
    assert ames["urls"][0] == night.urls["ames_first"]  # the first post first
    assert ames["official"]["sde"] == [[k, v] for k, v in sorted(nonzero(night.ames.sde).items(),
                                                                key=lambda kv: (-kv[1], kv[0]))]
    unresolved = next(r for r in rows if r["status"] == "unresolved")
    assert unresolved["conflicts"] == ["first"] and unresolved["shadow"] == {}
    gone = next(r for r in rows if r["status"] == "official_only")
    assert gone["urls"] == [] and gone["first_posted_at"] is None
    # Newest post first, then the unit nobody posted.
    assert [r["precinct"] for r in rows][0] == night.webster.precinct
    assert rows[-1]["status"] == "official_only"


def test_filters_by_status_and_county(sqlite_night: Night, sqlite_state: TallyState, iowa) -> None:
    """Filter case: status and county narrow the rows; a county matches in any case."""
    night, rows = sqlite_night, views.precincts(sqlite_state)
    only = views.filter_precincts(rows, views.parse_filters({"status": "mismatch"}, iowa))
    assert [r["precinct"] for r in only] == [night.adair.precinct]
    polk = views.filter_precincts(rows, views.parse_filters({"county": "polk"}, iowa))
    assert {r["precinct"] for r in polk} == {night.unresolved.precinct, night.official_only.precinct}
    both = views.filter_precincts(rows, views.parse_filters({"county": "POLK", "status": "official_only"}, iowa))
    assert [r["precinct"] for r in both] == [night.official_only.precinct]
    assert views.parse_filters({"status": "all", "county": ""}, iowa) == views.Filters()


@pytest.mark.parametrize("params, word", [({"status": "missing"}, "status"), ({"county": "Atlantis"}, "county")])
def test_bad_filter_is_refused_with_a_hint(params: dict, word: str, iowa) -> None:
    """Bad parameter case: an unknown status or county is an error naming it, with what to use instead."""
    with pytest.raises(NotFound) as exc:
        views.parse_filters(params, iowa)
    assert word in str(exc.value) and exc.value.hint


def test_discrepancy_has_both_numbers_each_cited(sqlite_night: Night, sqlite_state: TallyState) -> None:
    """Normal case: the release's wrong Biden final is a row with the post's and the release's number and URLs."""
    night = sqlite_night
    rows = [r for r in views.discrepancies(sqlite_state, releases=REFS) if not r["shadow"]["derived"]]
    assert [(r["precinct"], r["field"], r["candidate"]) for r in rows] == [(night.adair.precinct, "final", "Biden")]
    row = rows[0]
    assert row["shadow"] == {"value": night.adair.final["Biden"], "urls": [night.urls["adair_final"]], "derived": False}
    assert row["official"] == {"value": night.adair.final["Biden"] + BIDEN_ERROR, "urls": [RELEASE_URL],
                               "derived": False}


def test_gap_counts_hours_from_the_first_post_to_the_release(sqlite_night: Night, sqlite_state: TallyState) -> None:
    """Normal case: Webster City 1 is missing from the release; hours run from its post to the release."""
    night, rows = sqlite_night, views.gaps(sqlite_state)
    assert [r["precinct"] for r in rows] == [night.webster.precinct]
    want = round((RELEASE_AT - night.posted_at["webster_first"]) / timedelta(hours=1), 2)
    assert rows[0]["hours_missing"] == {"value": want, "urls": [night.urls["webster_first"]], "derived": False}


def test_findings_carry_post_and_release_urls(night: Night, iowa) -> None:
    """Normal case: stored findings list, newest first, with the posts and release behind each."""
    _, entries = state_of(night.url, iowa)
    rows = views.findings(entries, releases=REFS)
    by_rule = {(r["rule"], r["precinct"]): r for r in rows}
    mismatch = by_rule[("recon_mismatch", night.adair.precinct)]
    assert night.urls["adair_final"] in mismatch["urls"] and mismatch["release_urls"] == [RELEASE_URL]
    gap = by_rule[("recon_gap", night.webster.precinct)]
    assert gap["urls"] == [night.urls["webster_first"]]
    conflict = by_rule[("shadow_conflict", night.unresolved.precinct)]
    assert set(conflict["urls"]) == {night.urls["unresolved_a"], night.urls["unresolved_b"]}
    assert conflict["release_urls"] == []
    assert len(views.findings(entries, limit=2)) == 2


def test_no_release_yet_means_no_status_rather_than_a_gap(sqlite_url: str, iowa) -> None:
    """Edge case: before any release, posted units have no status, and there are no gaps or discrepancies."""
    engine = open_store(sqlite_url)
    with session_scope(engine) as s:
        load_election(s, "iowa-2020")
    engine.dispose()
    ames = release_row("Story", "Ames 1-1")
    add_post(sqlite_url, "1", 5, "Story", "Ames 1-1", "first", nonzero(ames.first))
    state, _ = state_of(sqlite_url, iowa)
    rows = views.precincts(state)
    assert [(r["precinct"], r["status"]) for r in rows] == [("Ames 1-1", None)]
    assert views.gaps(state) == [] and views.discrepancies(state, releases={}) == []
    s = views.summary(state, iowa, releases={}, version="v", updated_at=NOW, open_findings=0)
    assert s["release"] is None
    assert all(r["official"] is None for r in s["statewide"])


def test_only_web_urls_become_links() -> None:
    """Hostile input case: a javascript: or bare URL from a post is never offered as a link."""
    assert views.safe_urls(["javascript:alert(1)", "https://x.com/a/status/1", "", None, "x.com/b",
                            "HTTPS://bsky.app/p", "https://x.com/a/status/1"]) == [
        "https://x.com/a/status/1", "HTTPS://bsky.app/p"]
