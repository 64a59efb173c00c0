"""The Iowa and Nevada rule packs on hand-worked and real precincts (docs/caucus-math.md)."""

from __future__ import annotations

import pytest

from shadowtally.reconcile.rulepacks import get_pack
from shadowtally.reconcile.rulepacks.iowa2020 import PACK as IOWA
from shadowtally.reconcile.rulepacks.nevada2020 import PACK as NEVADA
from shadowtally.reconcile.types import Alignment


def test_thresholds_round_up_by_delegate_count() -> None:
    """Viability: 1/4 for 2 delegates, 1/6 for 3, 15% for 4+, rounded up; plurality for 1."""
    assert IOWA.viability_threshold(2, 19) == 5
    assert IOWA.viability_threshold(3, 62) == 11
    assert IOWA.viability_threshold(6, 285) == 43
    assert IOWA.viability_threshold(12, 62) == 10
    assert IOWA.viability_threshold(4, 20) == 3  # 15% of 20 is exactly 3: no rounding up
    assert IOWA.viability_threshold(1, 50) is None


def test_ames_1_1_seed_post() -> None:
    """Story "Ames 1-1": T=285, 6 delegates, final 116/82/73/11 -> 2/2/2, Uncommitted not viable."""
    out = IOWA.allocate(Alignment(6, {"Sanders": 111, "Warren": 68, "Buttigieg": 47, "Klobuchar": 36, "Yang": 17,
                                      "Steyer": 4, "Biden": 2},
                                  {"Sanders": 116, "Warren": 82, "Buttigieg": 73, "Uncommitted": 11}))
    assert out.threshold == 43
    assert out.viable_first == ("Buttigieg", "Sanders", "Warren")
    assert dict(out.allocation) == {"Sanders": 2, "Warren": 2, "Buttigieg": 2}


def test_ames_counter_check_t240() -> None:
    """Only 111/82/47 present (T=240): 3/2/1, so first-round numbers must not be used as final."""
    counts = {"Sanders": 111, "Warren": 82, "Buttigieg": 47}
    assert dict(IOWA.allocate(Alignment(6, counts, counts)).allocation) == {"Sanders": 3, "Warren": 2, "Buttigieg": 1}


def test_hardin_coin_toss_returns_both_outcomes() -> None:
    """Hardin "HA" (Iowa Falls): Klobuchar and Warren tie at .6774 for the 12th delegate; both outcomes."""
    first = {"Klobuchar": 19, "Buttigieg": 14, "Warren": 11, "Biden": 10, "Sanders": 7, "Yang": 1}
    final = {"Klobuchar": 19, "Warren": 19, "Buttigieg": 14, "Biden": 10}
    out = IOWA.allocate(Alignment(12, first, final))
    assert out.coin_toss
    assert [dict(o) for o in out.outcomes] == [
        {"Biden": 2, "Buttigieg": 3, "Klobuchar": 3, "Warren": 4},
        {"Biden": 2, "Buttigieg": 3, "Klobuchar": 4, "Warren": 3},
    ]
    assert out.allows({"Klobuchar": 4, "Warren": 3, "Buttigieg": 3, "Biden": 2})
    assert out.ties[0].groups == ("Klobuchar", "Warren") and out.ties[0].seats == 1
    with pytest.raises(ValueError):
        out.allocation


def test_grinnell_becoming_viable_in_realignment() -> None:
    """Poweshiek "2ND WARD - 07.07GR": Buttigieg 49 -> 55 becomes viable; 6/4/4/3 of 17."""
    first = {"Warren": 115, "Sanders": 66, "Klobuchar": 54, "Buttigieg": 49, "Biden": 27, "Yang": 7, "Other": 3,
             "Gabbard": 2, "Steyer": 2, "Uncommitted": 2, "Bennet": 1}
    final = {"Warren": 124, "Sanders": 78, "Klobuchar": 70, "Buttigieg": 55}
    out = IOWA.allocate(Alignment(17, first, final))
    assert out.threshold == 50 and "Buttigieg" not in out.viable_first
    assert dict(out.allocation) == {"Warren": 6, "Sanders": 4, "Klobuchar": 4, "Buttigieg": 3}


def test_evansdale_floor_of_one() -> None:
    """Black Hawk "Evansdale W4": four viable groups, four delegates -> one each."""
    final = {"Buttigieg": 15, "Biden": 7, "Warren": 7, "Sanders": 6}
    out = IOWA.allocate(Alignment(4, final, final, attendance=35))
    assert dict(out.allocation) == {"Buttigieg": 1, "Biden": 1, "Warren": 1, "Sanders": 1}


def test_floor_of_one_takes_back_from_the_group_that_can_spare_one() -> None:
    """Muscatine "Fruitland": raw 2.0/0.875/0.875 (sum of floors 4 > 3) -> 1/1/1, as the IDP published."""
    out = IOWA.allocate(Alignment(3, {"A": 13, "B": 6, "C": 5}, {"A": 16, "B": 7, "C": 7}))
    assert dict(out.allocation) == {"A": 1, "B": 1, "C": 1}


def test_arcadia_too_many_viable_groups_drop_smallest_with_toss() -> None:
    """Carroll "Arcadia": 3 viable groups for 2 delegates, Biden and Sanders tie for smallest."""
    out = IOWA.allocate(Alignment(2, {"Buttigieg": 7, "Sanders": 5, "Uncommitted": 5, "Biden": 2},
                                  {"Buttigieg": 7, "Biden": 6, "Sanders": 6}))
    assert [dict(o) for o in out.outcomes] == [{"Biden": 1, "Buttigieg": 1}, {"Buttigieg": 1, "Sanders": 1}]
    assert out.ties[0].stage == "drop"


def test_nevada_adds_delegates_instead_of_dropping() -> None:
    """Nevada Principle 2: every viable group keeps one delegate even beyond D (DOUGLAS-26 shape)."""
    final = {"Buttigieg": 15, "Klobuchar": 20, "Sanders": 12, "Warren": 11}
    out = NEVADA.allocate(Alignment(3, final, final, attendance=60))
    assert dict(out.allocation) == {"Buttigieg": 1, "Klobuchar": 1, "Sanders": 1, "Warren": 1}
    iowa = IOWA.allocate(Alignment(3, final, final, attendance=60))
    assert dict(iowa.allocation) == {"Buttigieg": 1, "Klobuchar": 1, "Sanders": 1}


def test_nevada_attendance_includes_early_voters() -> None:
    """T is passed explicitly (early ballots included), not the sum of the groups present."""
    final = {"Sanders": 30, "Biden": 20}
    assert dict(NEVADA.allocate(Alignment(5, final, final, attendance=100)).allocation) == {"Sanders": 3, "Biden": 2}
    assert NEVADA.allocate(Alignment(5, final, final, attendance=100)).threshold == 15


def test_one_delegate_plurality_and_tie() -> None:
    """Story "Collins": largest final group wins without a majority; Woodbury "41 Danbury" 6-6 is a toss."""
    out = IOWA.allocate(Alignment(1, {"Buttigieg": 16, "Biden": 10}, {"Buttigieg": 16, "Biden": 10, "Sanders": 9,
                                                                     "Steyer": 1}))
    assert dict(out.allocation) == {"Buttigieg": 1} and out.threshold is None
    tie = IOWA.allocate(Alignment(1, {"Buttigieg": 6, "Warren": 6}, {"Buttigieg": 6, "Warren": 6}))
    assert [dict(o) for o in tie.outcomes] == [{"Buttigieg": 1}, {"Warren": 1}]


def test_satellite_bands_and_pool_sde() -> None:
    """Satellites: 1-20 -> 4 ... >100 -> 9 delegates; Phillips Hall (318, CD2) -> 4/3/2 and 3.7094 SDE."""
    bands = [(0, 0), (1, 4), (20, 4), (21, 5), (40, 5), (41, 6), (61, 7), (81, 8), (100, 8), (101, 9), (318, 9)]
    assert [IOWA.satellite_delegates(t) for t, _ in bands] == [d for _, d in bands]
    final = {"Sanders": 142, "Warren": 93, "Yang": 72, "Other": 11}
    out = IOWA.allocate(Alignment(9, final, final))
    assert out.threshold == 48 and dict(out.allocation) == {"Sanders": 4, "Warren": 3, "Yang": 2}
    assert IOWA.satellite_sde("CD2 Satellite", 318) == pytest.approx(3.7094, abs=1e-3)
    assert IOWA.satellite_sde("Nowhere", 10) is None


def test_allocate_refuses_without_delegates_or_attendance() -> None:
    """D = 0 or T = 0 (empty satellites, Polk DES MOINES-80) cannot be computed."""
    with pytest.raises(ValueError):
        IOWA.allocate(Alignment(0, {"A": 1}, {"A": 1}))
    with pytest.raises(ValueError):
        IOWA.allocate(Alignment(10, {}, {"A": 215}))


def test_get_pack_by_election_name() -> None:
    """Packs are found by the election's rule_pack name; unknown names raise LookupError."""
    assert get_pack("iowa-2020") is IOWA and get_pack("nevada-2020") is NEVADA
    with pytest.raises(LookupError):
        get_pack("iowa-2028")
