"""The bundled Iowa 2020 definition: complete, consistent with the party's own tables."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from shadowtally import elections
DATA = Path(__file__).parent / "data" / "foundation"


@pytest.fixture(scope="module")
def iowa() -> elections.Election:
    return elections.load_election("iowa-2020")


def test_unit_counts(iowa: elections.Election) -> None:
    """All 1,765 reporting units: 1,678 precincts and 87 satellite caucuses, each once."""
    assert len(iowa.precincts) == 1765
    kinds = Counter(p.satellite for p in iowa.precincts)
    assert kinds[False] == 1678 and kinds[True] == 87
    assert len({p.key for p in iowa.precincts}) == 1765
    assert len({p.idp_id for p in iowa.precincts}) == 1765


def test_county_delegates_match_apportionment_table(iowa: elections.Election) -> None:
    """Per-county sums of county delegates equal the IDP apportionment table, in all 99 counties."""
    sums: Counter[str] = Counter()
    for p in iowa.precincts:
        if not p.satellite:
            sums[p.county] += p.delegates
    assert len(sums) == 99
    assert dict(sums) == iowa.county_apportionment


def test_precinct_sde_is_delegates_times_ratio(iowa: elections.Election) -> None:
    """Each regular precinct's SDE is its delegates times the county ratio, and they sum to 2,107."""
    regular = [p for p in iowa.precincts if not p.satellite]
    for p in regular:
        assert p.sde == pytest.approx(p.delegates * p.sde_ratio, abs=1e-4), p.key
    assert sum(p.sde for p in regular) == pytest.approx(2107.0, abs=0.01)


def test_every_real_buttigieg_misspelling_resolves(iowa: elections.Election) -> None:
    """The 169 real misspellings of Buttigieg (Warren app list) all name Buttigieg, and nothing else."""
    with (DATA / "warren_app_candidate_aliases_derived.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    butt = [r["alias_lowercase"] for r in rows if r["canonical_surname"] == "Buttigieg"]
    assert len(butt) == 169
    unresolved = [a for a in butt if iowa.candidate_for(a) != "Buttigieg"]
    assert unresolved == []
    for r in rows:
        assert iowa.candidate_for(r["alias_lowercase"]) == r["canonical_surname"]


def test_candidate_aliases_cover_forms(iowa: elections.Election) -> None:
    """Surnames, first names, nicknames, handles and hashtags resolve; a Republican does not."""
    cases = {
        "Sanders": "Sanders", "BERNIE": "Sanders", "@BernieSanders": "Sanders", "Mayor Pete": "Buttigieg",
        "@ewarren": "Warren", "@PeteButtigieg": "Buttigieg", "@JoeBiden": "Biden", "@AmyKlobuchar": "Klobuchar",
        "@AndrewYang": "Yang", "@TomSteyer": "Steyer", "#YangGang": "Yang", "uncommitted": "Uncommitted",
    }
    for alias, key in cases.items():
        assert iowa.candidate_for(alias) == key, alias
    assert iowa.candidate_for("Trump") is None
    assert len(iowa.candidate_keys) == 14


# Buttigieg and Sanders statewide SDE as published per release, recomputed from the
# source files in shared/data/iowa2020/SOURCES.md (its release table).
PUBLISHED_SDE = {
    "75pct": (1320, 442.197, 413.601), "86pct": (1520, 511.998, 488.071), "92pct": (1624, 531.720, 513.096),
    "97pct": (1711, 550.339, 546.912), "100pct": (1765, 564.012, 562.497), "certified": (1765, 562.954, 562.021),
    "62pct": (1099, None, None), "71pct": (1250, None, None),
}


@pytest.mark.parametrize("label", list(PUBLISHED_SDE))
def test_bundled_release_matches_published_totals(iowa: elections.Election, label: str) -> None:
    """Each bundled release has the published precinct count and statewide SDE for the two leaders."""
    rows = elections.load_release("iowa-2020", label)
    n, butt, sanders = PUBLISHED_SDE[label]
    assert len(rows) == n == iowa.release_info(label).precincts
    assert all(iowa.precinct(r.county, r.precinct) is not None for r in rows)
    if butt is not None:
        assert sum(r.sde["Buttigieg"] for r in rows) == pytest.approx(butt, abs=0.002)
        assert sum(r.sde["Sanders"] for r in rows) == pytest.approx(sanders, abs=0.002)


def test_rebuilt_releases_nest(iowa: elections.Election) -> None:
    """62% ⊂ 71% ⊂ 75% … ⊂ 100% by unit, and release times only move forward."""
    labels = [r.label for r in iowa.releases]
    units = [{(r.county, r.precinct) for r in elections.load_release("iowa-2020", lb)} for lb in labels]
    for smaller, larger in zip(units, units[1:]):
        assert smaller <= larger
    times = [r.published_at for r in iowa.releases]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_unknown_election_and_release() -> None:
    """An unknown slug or release label raises a lookup error naming what exists."""
    with pytest.raises(elections.UnknownElection, match="iowa-2020"):
        elections.load_election("ohio-2020")
    with pytest.raises(elections.UnknownRelease, match="100pct"):
        elections.load_release("iowa-2020", "55pct")
