"""Property tests (hypothesis) for the invariants of the delegate math."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shadowtally.reconcile.rulepacks import get_pack
from shadowtally.reconcile.types import Alignment

IOWA = get_pack("iowa-2020")
NEVADA = get_pack("nevada-2020")
GROUPS = ["Biden", "Buttigieg", "Klobuchar", "Sanders", "Warren", "Yang", "Uncommitted"]

units = st.builds(
    lambda D, counts, extra: (D, dict(zip(GROUPS, counts)), extra),
    st.integers(min_value=1, max_value=20),
    st.lists(st.integers(min_value=0, max_value=120), min_size=len(GROUPS), max_size=len(GROUPS)),
    st.integers(min_value=0, max_value=30),
)


def _unit(D: int, final: dict[str, int], extra: int) -> Alignment | None:
    # T = everyone in the final alignment plus some who left: final total <= T, as on caucus night.
    T = sum(final.values()) + extra
    return Alignment(D, final, final, attendance=T) if T > 0 else None


@settings(max_examples=300, deadline=None)
@given(units)
def test_total_equals_d_whenever_a_group_is_viable(unit: tuple[int, dict[str, int], int]) -> None:
    """Iowa: with at least one viable group, every outcome hands out exactly D delegates, viable groups only."""
    a = _unit(*unit)
    if a is None:
        return
    out = IOWA.allocate(a)
    if out.viable_final:
        for o in out.outcomes:
            assert sum(o.values()) == a.delegates
            assert all(n >= 1 for n in o.values())
            assert set(o) <= set(out.viable_final)


@settings(max_examples=300, deadline=None)
@given(units, st.randoms(use_true_random=False))
def test_order_of_candidates_does_not_matter(unit: tuple[int, dict[str, int], int], rnd: object) -> None:
    """Shuffling the candidates changes no outcome (Iowa and Nevada)."""
    a = _unit(*unit)
    if a is None:
        return
    items = list(a.final.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    shuffled = Alignment(a.delegates, dict(items), dict(items), a.attendance)
    for pack in (IOWA, NEVADA):
        assert pack.allocate(a).outcomes == pack.allocate(shuffled).outcomes


@settings(max_examples=300, deadline=None)
@given(units, st.integers(min_value=2, max_value=7))
def test_scaling_counts_and_attendance_changes_nothing(unit: tuple[int, dict[str, int], int], k: int) -> None:
    """Multiplying every count and T by the same whole number changes no outcome."""
    a = _unit(*unit)
    if a is None:
        return
    scaled = {g: n * k for g, n in a.final.items()}
    b = Alignment(a.delegates, scaled, scaled, (a.attendance or 0) * k)
    for pack in (IOWA, NEVADA):
        assert pack.allocate(a).outcomes == pack.allocate(b).outcomes


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=5), st.integers(min_value=1, max_value=40),
       st.integers(min_value=1, max_value=12))
def test_a_tie_yields_every_outcome(n_tied: int, size: int, D: int) -> None:
    """n equal groups sharing D delegates: every way of giving the leftover seats is returned."""
    from itertools import combinations
    from math import comb

    final = {GROUPS[i]: size for i in range(n_tied)}
    out = IOWA.allocate(Alignment(D, final, final))
    assume(out.viable_final)  # e.g. five groups of 1/5 are all below a 1/4 threshold
    if D < n_tied:  # too many viable groups: each choice of D survivors gets one delegate
        assert len(out.outcomes) == comb(n_tied, D)
        assert {tuple(sorted(o)) for o in out.outcomes} == set(combinations(sorted(final), D))
    else:
        base, left = divmod(D, n_tied)
        assert len(out.outcomes) == comb(n_tied, left)
        for o in out.outcomes:
            assert sorted(o.values()) == sorted([base + 1] * left + [base] * (n_tied - left))
    assert out.coin_toss == (len(out.outcomes) > 1)
