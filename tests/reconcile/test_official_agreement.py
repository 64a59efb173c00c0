"""Every rule on every real 2020 Iowa unit, compared with independent and published lists.

Expected data comes from ``tests/data/reconcile/`` (built from ../shared by
``scripts/build_reconcile_fixtures.py``); each disagreement is listed with its reason
in a fixture, and the tests check those lists are exact.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import pytest
from reconcile_helpers import key, read_csv

from shadowtally.elections import load_election, load_release
from shadowtally.reconcile.official import ReleaseCheck, check_release, results_for_release
from shadowtally.reconcile.rules import duplicate_groups

ELECTION = load_election("iowa-2020")
# The recomputation's five statuses folded into ours.
FOLD = {"match": "consistent", "tie_consistent": "coin_toss", "mismatch": "inconsistent",
        "tie_mismatch": "inconsistent", "not_checkable": "not_checkable"}


@lru_cache(maxsize=None)
def checked(label: str) -> ReleaseCheck:
    return check_release(ELECTION, load_release("iowa-2020", label), label)


@pytest.mark.parametrize("label, expected", [
    ("100pct", {"consistent": 1498, "coin_toss": 123, "inconsistent": 139, "not_checkable": 5}),
    ("certified", {"consistent": 1539, "coin_toss": 129, "inconsistent": 92, "not_checkable": 5}),
])
def test_agreement_with_independent_recomputation(label: str, expected: dict[str, int]) -> None:
    """Precinct by precinct against iowa2020_math_check_*_derived.csv; every disagreement is listed."""
    theirs = {key(r["county"], r["precinct"]): r["status"] for r in read_csv("iowa2020_math_check.csv.gz")
              if r["release"] == label}
    ours = {key(u.county, u.precinct): u.status for u in checked(label).units}
    assert len(ours) == len(theirs) == 1765
    # Their totals: 1,621 consistent of which 123/129 coin-toss, 139/92 inconsistent, 5 not checkable.
    their_counts = Counter(FOLD[s] for s in theirs.values())
    assert their_counts["consistent"] + their_counts["coin_toss"] == {"100pct": 1621, "certified": 1668}[label]
    disagreements = {k: (theirs[k], ours[k]) for k in ours if FOLD[theirs[k]] != ours[k]}
    explained = {key(r["county"], r["precinct"]): (r["theirs"], r["ours"])
                 for r in read_csv("math_check_disagreements.csv") if r["release"] == label}
    assert disagreements == explained
    assert dict(Counter(ours.values())) == expected


@pytest.mark.parametrize("label", ["62pct", "71pct", "75pct", "86pct", "92pct", "97pct", "100pct", "certified"])
def test_every_release_checks_every_unit(label: str) -> None:
    """Every bundled release runs through every rule; each unit gets exactly one status."""
    rc = checked(label)
    info = ELECTION.release_info(label)
    assert len(rc.units) == info.precincts
    assert sum(rc.counts().values()) == info.precincts
    assert all(f.severity in ("error", "warning") and f.message for f in rc.findings())


def test_inconsistent_units_have_an_error_and_consistent_ones_none() -> None:
    """The status follows the severities: errors exactly on inconsistent units."""
    for u in checked("100pct").units:
        has_error = any(f.severity == "error" for f in u.findings)
        assert has_error == (u.status == "inconsistent") or (u.status == "not_checkable")


def _list_differences(kind: str) -> dict[tuple[str, str], str]:
    return {key(r["county"], r["precinct"]): r["side"] for r in read_csv("published_list_differences.csv")
            if r["list"] == kind}


def _changed_by_recanvass() -> set[tuple[str, str]]:
    before = {(r.county, r.precinct): r for r in load_release("iowa-2020", "100pct")}
    return {key(r.county, r.precinct) for r in load_release("iowa-2020", "certified")
            if r != before[(r.county, r.precinct)]}


def test_reason_for_every_list_difference_is_a_recanvass_change() -> None:
    """Each explained difference names a unit the recanvass really changed (100% -> certified)."""
    changed = _changed_by_recanvass()
    for r in read_csv("published_list_differences.csv"):
        county, precinct = r["changed_unit"].split("|")
        assert key(county, precinct) in changed, r


def test_more_final_votes_list_reproduced() -> None:
    """iowa-tools' 81 precincts with more final than first votes = CM01 on the certified release.

    The list was made after the IDP's corrections of 7-10 Feb and before the recanvass;
    the certified release is the closest state, and the one difference is listed.
    """
    published = {key(r["county"], r["precinct"]) for r in read_csv("iowa_tools_more_final_votes.csv")}
    assert len(published) == 81
    ours = {key(u.county, u.precinct) for u in checked("certified").units if any(f.rule == "CM01" for f in u.findings)}
    diff = {k: "list_only" for k in published - ours} | {k: "ours_only" for k in ours - published}
    assert diff == _list_differences("more_votes")


DUPLICATE_LISTS = {"first_duplicates": "first", "final_duplicates": "final", "first_final_duplicates": "first_final",
                   "final_sde_duplicates": "final_sde", "first_final_sde_duplicates": "full", "sde_duplicates": "sde"}


@pytest.mark.parametrize("published_name, kind", sorted(DUPLICATE_LISTS.items()))
def test_duplicate_lists_reproduced(published_name: str, kind: str) -> None:
    """iowa-tools' duplicate lists against duplicate_groups on the certified release, differences listed."""
    published = {key(r["county"], r["precinct"]) for r in read_csv("iowa_tools_duplicates.csv")
                 if r["list"] == published_name}
    results = results_for_release(ELECTION, load_release("iowa-2020", "certified"))
    ours = {key(c, p) for group in duplicate_groups(results, kind) for c, p in group}
    diff = {k: "list_only" for k in published - ours} | {k: "ours_only" for k in ours - published}
    assert diff == _list_differences(published_name)


def test_cm10_findings_cover_the_nonempty_full_duplicates() -> None:
    """CM10 flags the copied rows of the 100% release (first and final equal), not empty satellites."""
    rc = checked("100pct")
    flagged = {key(u.county, u.precinct) for u in rc.units if any(f.rule == "CM10" for f in u.findings)}
    assert key("Decatur", "DE/Decatur City") in flagged
    assert key("Scott", "(BG) Blue Grass Township") in flagged
    assert not any(k[0].endswith("Satellite") and "Marshalltown" in k[1] for k in flagged)
