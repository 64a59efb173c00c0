"""Each numbered consistency rule fires on a hand-made case, and stays quiet on a clean one."""

from __future__ import annotations

from shadowtally.reconcile.rulepacks import get_pack
from shadowtally.reconcile.rules import RULES, check_duplicates, check_result, duplicate_groups
from shadowtally.reconcile.types import Result

IOWA = get_pack("iowa-2020")
# Grinnell "2ND WARD - 07.07GR": 17 delegates, T = 328, published 6/4/4/3.
FIRST = {"Warren": 115, "Sanders": 66, "Klobuchar": 54, "Buttigieg": 49, "Biden": 27, "Yang": 7, "Other": 3,
         "Gabbard": 2, "Steyer": 2, "Uncommitted": 2, "Bennet": 1}
FINAL = {"Warren": 124, "Sanders": 78, "Klobuchar": 70, "Buttigieg": 55}
DELEGATES = {"Warren": 6, "Sanders": 4, "Klobuchar": 4, "Buttigieg": 3}
RATIO = 0.14


def grinnell(**changes: object) -> Result:
    base = dict(county="Poweshiek", precinct="2ND WARD - 07.07GR", first=FIRST, final=FINAL, delegates=DELEGATES,
                sde={g: n * RATIO for g, n in DELEGATES.items()}, expected_delegates=17, sde_ratio=RATIO)
    base.update(changes)
    return Result(**base)  # type: ignore[arg-type]


def rules_of(result: Result) -> list[str]:
    return sorted(f.rule for f in check_result(result, IOWA).findings)


def test_every_rule_has_id_severity_and_description() -> None:
    """Rule ids are stable CMnn, severities are error or warning, descriptions are sentences."""
    assert list(RULES) == [f"CM{i:02d}" for i in range(1, 13)]
    assert all(r.severity in ("error", "warning") and r.description.endswith(".") for r in RULES.values())


def test_clean_precinct_is_consistent() -> None:
    """The published Grinnell result triggers no rule."""
    check = check_result(grinnell(), IOWA)
    assert check.status == "consistent" and check.findings == ()


def test_cm01_final_exceeds_first() -> None:
    """More people in the final alignment than the head count (warning; math still checked)."""
    check = check_result(grinnell(final={**FINAL, "Uncommitted": 2}), IOWA)
    assert [f.rule for f in check.findings] == ["CM01"]
    assert check.findings[0].evidence == {"first_total": 328, "final_total": 329}


def test_cm02_cm03_frozen_groups_shrinking_or_vanishing() -> None:
    """A first-viable group that shrinks (CM02) or goes to zero (CM03)."""
    assert "CM02" in rules_of(grinnell(final={**FINAL, "Sanders": 60}))
    assert "CM03" in rules_of(grinnell(final={k: v for k, v in FINAL.items() if k != "Klobuchar"}))


def test_cm04_nonviable_group_awarded() -> None:
    """A group below the threshold in the final alignment got delegates; also a math error."""
    found = rules_of(grinnell(final={**FINAL, "Buttigieg": 49}))
    assert "CM04" in found and "CM06" in found


def test_cm05_delegates_do_not_sum() -> None:
    """Delegates summing to 16 of 17."""
    result = grinnell(delegates={**DELEGATES, "Warren": 5}, sde=None)
    assert rules_of(result) == ["CM05", "CM06"]
    assert check_result(result, IOWA).status == "inconsistent"


def test_cm06_math_mismatch_names_the_expected_allocation() -> None:
    """Right total, wrong split: the message says what the math gives."""
    check = check_result(grinnell(delegates={"Warren": 7, "Sanders": 3, "Klobuchar": 4, "Buttigieg": 3}, sde=None),
                         IOWA)
    cm06 = [f for f in check.findings if f.rule == "CM06"][0]
    assert "Buttigieg 3, Klobuchar 4, Sanders 4, Warren 6" in cm06.message


def test_coin_toss_outcome_is_its_own_status() -> None:
    """Hardin "HA": either toss outcome is coin_toss; a third split is inconsistent."""
    first = {"Klobuchar": 19, "Buttigieg": 14, "Warren": 11, "Biden": 10, "Sanders": 7, "Yang": 1}
    final = {"Klobuchar": 19, "Warren": 19, "Buttigieg": 14, "Biden": 10}
    for dels, status in (({"Klobuchar": 4, "Warren": 3, "Buttigieg": 3, "Biden": 2}, "coin_toss"),
                         ({"Klobuchar": 3, "Warren": 4, "Buttigieg": 3, "Biden": 2}, "coin_toss"),
                         ({"Klobuchar": 4, "Warren": 4, "Buttigieg": 2, "Biden": 2}, "inconsistent")):
        r = Result("Hardin", "HA", first=first, final=final, delegates=dels, expected_delegates=12)
        assert check_result(r, IOWA).status == status


def test_cm07_sde_not_delegates_times_ratio() -> None:
    """SDE that is not delegates x the county ratio."""
    assert rules_of(grinnell(sde={**{g: n * RATIO for g, n in DELEGATES.items()}, "Warren": 0.80})) == ["CM07"]


def test_cm08_larger_group_fewer_delegates() -> None:
    """Sanders (78) with 3 delegates below Klobuchar (70) with 4."""
    found = rules_of(grinnell(delegates={"Warren": 6, "Sanders": 3, "Klobuchar": 5, "Buttigieg": 3}, sde=None))
    assert "CM08" in found


def test_cm09_implausible_attendance() -> None:
    """5,000 people in a 2-delegate precinct, or a negative count."""
    huge = Result("X", "Y", first={"A": 5000}, final={"A": 5000}, delegates={"A": 2}, expected_delegates=2)
    assert "CM09" in rules_of(huge)
    negative = Result("X", "Y", first={"A": 10, "B": -1}, final={"A": 10}, delegates={"A": 2}, expected_delegates=2)
    assert "CM09" in rules_of(negative)
    assert "CM09" not in rules_of(grinnell())


def test_cm11_missing_round() -> None:
    """No first alignment but a final one (Polk DES MOINES-80), or delegates without a final alignment."""
    dm80 = Result("Polk", "DES MOINES-80", first={}, final={"Sanders": 101, "Buttigieg": 66, "Biden": 48},
                  delegates={"Sanders": 5, "Buttigieg": 3, "Biden": 2}, expected_delegates=10)
    check = check_result(dm80, IOWA)
    assert "CM11" in [f.rule for f in check.findings] and check.status == "not_checkable"
    graham = Result("Johnson", "GRAHAM TOWNSHIP", first={"Klobuchar": 13, "Buttigieg": 11}, final={},
                    delegates={"Klobuchar": 1}, expected_delegates=1)
    check = check_result(graham, IOWA)
    assert "CM11" in [f.rule for f in check.findings] and check.status == "inconsistent"


def test_cm12_satellite_pool_sde() -> None:
    """A satellite whose SDE is not attendance x pool rate (CD3 "Rm 1": 0.7696 for 50 people)."""
    r = Result("CD3 Satellite", "Rm 1", first={"Warren": 25, "Sanders": 11, "Biden": 14},
               final={"Sanders": 15, "Warren": 35}, delegates={"Sanders": 2, "Warren": 4},
               sde={"Sanders": 0.2199, "Warren": 0.5497}, satellite=True)
    found = [f.rule for f in check_result(r, IOWA, satellite_sde=IOWA.satellite_sde("CD3 Satellite", 50)).findings]
    assert "CM12" in found
    ok = [f.rule for f in check_result(r, IOWA, satellite_sde=0.7696).findings]
    assert "CM12" not in ok


def test_not_checkable_without_delegates() -> None:
    """A parsed post with counts but no delegates cannot be judged on the math."""
    assert check_result(grinnell(delegates=None, sde=None), IOWA).status == "not_checkable"


def test_cm10_duplicates_across_precincts() -> None:
    """Two precincts with identical first and final rounds are flagged; empty ones are not."""
    a = grinnell(county="A", precinct="one")
    b = grinnell(county="B", precinct="two")
    c = grinnell(county="C", precinct="three", final={**FINAL, "Warren": 125})
    e1 = Result("E", "empty1", first={}, final={}, sde={})
    e2 = Result("E", "empty2", first={}, final={}, sde={})
    found = check_duplicates([a, b, c, e1, e2])
    assert sorted((f.county, f.evidence["kind"]) for f in found) == [("A", "final_sde"), ("A", "first_final"),
                                                                     ("B", "final_sde"), ("B", "first_final")]
    assert all(f.rule == "CM10" and f.severity == "warning" for f in found)
    assert sorted(duplicate_groups([a, b, c, e1, e2], "first")) == [
        (("A", "one"), ("B", "two"), ("C", "three")), (("E", "empty1"), ("E", "empty2"))]
