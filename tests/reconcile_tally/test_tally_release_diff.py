"""Release-to-release diffs on the real bundled Iowa releases."""

from __future__ import annotations

import pytest

from shadowtally.elections import ReleaseRow, load_election, load_release
from shadowtally.reconcile.release_diff import diff_releases

LABELS = ("62pct", "71pct", "75pct", "86pct", "92pct", "97pct", "100pct")


@pytest.fixture(scope="module")
def releases():
    return {r.label: load_release("iowa-2020", r.label) for r in load_election("iowa-2020").releases}


@pytest.mark.parametrize(("a", "b", "added"), [
    ("62pct", "71pct", 151), ("71pct", "75pct", 70), ("75pct", "86pct", 200),
    ("86pct", "92pct", 104), ("92pct", "97pct", 87), ("97pct", "100pct", 54),
])
def test_partial_releases_only_add_units(releases, a, b, added):
    """From 62% to 100% each release adds units (1,099 → 1,250 → … → 1,765) and changes none (the bundled partial releases are rebuilt from 100% values)."""
    d = diff_releases(releases[a], releases[b])
    assert len(d.added) == added
    assert d.removed == () and d.changed == ()
    assert d.unchanged == len(releases[a])


def test_certified_changes_101_units(releases):
    """100% → certified: no unit added or removed, 101 changed (47 in first, 55 in final, 66 in SDE), SDE net Buttigieg −1.0586, Sanders −0.4759."""
    d = diff_releases(releases["100pct"], releases["certified"])
    assert d.added == () and d.removed == ()
    assert len(d.changed) == 101 and d.unchanged == 1664
    per_field = {f: sum(1 for c in d.changed if f in c.fields) for f in ("first", "final", "sde")}
    assert per_field == {"first": 47, "final": 55, "sde": 66}
    delta = d.sde_delta()
    assert delta["Buttigieg"] == -1.0586 and delta["Sanders"] == -0.4759
    # the changed units explain the whole statewide move (564.012 → 562.954, 562.497 → 562.021)
    for cand in ("Buttigieg", "Sanders"):
        moved = sum(r.sde[cand] for r in releases["certified"]) - sum(r.sde[cand] for r in releases["100pct"])
        assert abs(moved - delta[cand]) < 1e-6


def test_certified_change_detail(releases):
    """One changed unit in detail: Adair / 4SE ORIENT, final Klobuchar 6 → 8 and an SDE move from Warren to Sanders."""
    d = diff_releases(releases["100pct"], releases["certified"])
    ch = next(c for c in d.changed if c.key == ("Adair", "4SE ORIENT"))
    assert ch.fields["final"] == {"Klobuchar": (6, 8)}
    assert ch.fields["sde"] == {"Sanders": (0.0784, 0.1569), "Warren": (0.2353, 0.1569)}
    assert "first" not in ch.fields


def test_removed_units_and_float_noise():
    """A unit present only before is removed; SDE differing only beyond 4 decimals is not a change."""
    zero = {"Sanders": 0}
    a = [ReleaseRow("X", "p1", zero, zero, {"Sanders": 0.0784}), ReleaseRow("X", "p2", zero, zero, {"Sanders": 0.0})]
    b = [ReleaseRow("X", "p1", zero, zero, {"Sanders": 0.07840000000000001})]
    d = diff_releases(a, b)
    assert d.removed == (("X", "p2"),) and d.added == () and d.changed == () and d.unchanged == 1
