"""Caucus-math rules (reconcile.rules) wired into the parser's plausibility checks (issue #4 item 7)."""

from __future__ import annotations

import pytest

from shadowtally.parsers import ACCEPT_AT, PostInput
from shadowtally.parsers.plausibility import is_math_problem
from shadowtally.parsers.plausibility import check_rounds
from shadowtally.reconcile.rulepacks import get_pack

SEED = ("I am the caucus secretary for Story County Precinct 1-1. We have 6 delegates\n\nFirst Alignment\n"
        "@BernieSanders – 111\n@ewarren – 82\n@PeteButtigieg – 47\n\nDelegates\nSanders – 2\nWarren – 2\nButtigieg 2.")


def _claims(parser, text):
    r = parser.parse(PostInput(id="t", text=text, author="x"))
    assert r.kind == "precinct_result", r.reason
    return {c.round: c for c in r.claims}


def test_seed_post_is_not_decidable_from_the_post(parser):
    """Seed post (partial first alignment, no head count): the groups it leaves out may realign, so the
    math cannot prove 2/2/2 wrong, and both claims are accepted as said. Its mixed rounds (Warren's 82 is
    her final count) are found by reconciliation instead (tests/reconcile_tally: round mix-up)."""
    got = _claims(parser, SEED)
    assert set(got) == {"first", "delegates"}
    for c in got.values():
        assert c.status == "accepted", c.problems
        assert not any(p[:2] == "CM" for p in c.problems)


def test_seed_numbers_with_stated_head_count_carry_cm06(parser):
    """Decidable case: the same numbers with the head count stated as their total (240, the whole room,
    all viable) give 3/2/1, not 2/2/2, so both claims carry CM06. They go to review (the post may be read
    right, but its numbers break the math), at the reading's confidence, and the pipeline files a finding."""
    text = SEED.replace("We have 6 delegates", "We have 6 delegates and 240 attendees")
    got = _claims(parser, text)
    assert set(got) == {"first", "delegates"}
    for c in got.values():
        assert c.status == "review"
        assert any(p.startswith("CM06:") for p in c.problems), c.problems
        assert c.confidence >= ACCEPT_AT
        assert c.evidence and c.rule


def test_first_alignment_of_delegate_winners_only_is_accepted(parser):
    """Real case (Boone, Madrid 2nd Ward, 2020): the first alignment of the groups that won delegates,
    17/14/6, and delegates 2/1/1 with Sanders second at first alignment. Warren 3, Biden 4 and Uncommitted 1
    (not in the post) realigned, Sanders reached 17; the post is true and must not go to review."""
    got = _claims(parser, "Madrid 2nd Ward (Boone Co.): First Alignment: Pete 17, Bernie 14, Amy 6\n"
                          "Delegates: Sanders 2, Buttigieg 1, Klobuchar 1")
    assert {c.status for c in got.values()} == {"accepted"}, [c.problems for c in got.values()]


def test_consistent_full_post_stays_accepted(parser):
    """Consistent full post: the official Ames 1-1 rounds (every group, T=285) give 2/2/2: accepted, no CM problem."""
    text = ("Ames 1-1 first alignment: Sanders 111, Warren 68, Buttigieg 47, Klobuchar 36, Yang 17, Steyer 4, Biden 2\n"
            "Final alignment: Sanders 116, Warren 82, Buttigieg 73, Uncommitted 11\n"
            "Delegates: Sanders 2, Warren 2, Buttigieg 2")
    got = _claims(parser, text)
    assert set(got) == {"first", "final", "delegates"}
    for c in got.values():
        assert c.status == "accepted", c.problems
        assert not any(p[:2] == "CM" for p in c.problems)


def test_partial_post_with_final_is_not_flagged(parser):
    """Partial post: first and final list only the viable groups (the real T of 285 is not stated). Taken as
    the whole room (T=226) the math would give 3/2/1; since T is not decidable, only a T that fits is needed."""
    text = ("Ames 1-1 first alignment: Sanders 111, Warren 68, Buttigieg 47\n"
            "Final: Sanders 116, Warren 82, Buttigieg 73\nDelegates: Sanders 2, Warren 2, Buttigieg 2")
    got = _claims(parser, text)
    assert {c.status for c in got.values()} == {"accepted"}, [c.problems for c in got.values()]


def test_partial_delegates_not_flagged_by_sum_or_math(parser):
    """Partial post: only two groups' delegates (4 of D=6), so CM05 (sum to D) and CM06 are not decidable."""
    got = _claims(parser, "Ames 1-1 final: Sanders 116, Warren 82\nDelegates: Sanders 2, Warren 2")
    assert {c.status for c in got.values()} == {"accepted"}, [c.problems for c in got.values()]


def test_partial_post_still_checked_for_order(election):
    """Partial post: CM08 (a larger final group with fewer delegates) needs neither T nor the other groups."""
    unit = election.precinct("Story", "Ames 1-1")
    found = check_rounds({"final": {"Sanders": 116, "Warren": 82}, "delegates": {"Sanders": 1, "Warren": 2}},
                         unit, None, get_pack("iowa-2020"))
    assert [p[:4] for p in found] == ["CM08"]


def test_rules_a_post_cannot_decide_never_fire(election):
    """Partial post: no final alignment and a first alignment that does not cover the delegates: nothing decidable
    (no CM11 for the rounds the post leaves out)."""
    unit = election.precinct("Story", "Ames 1-1")
    assert check_rounds({"first": {"Sanders": 111}, "delegates": {"Sanders": 2, "Warren": 2, "Buttigieg": 2}},
                        unit, None, get_pack("iowa-2020")) == []
    assert check_rounds({"first": {"Sanders": 111, "Warren": 82}, "final": {"Sanders": 116, "Warren": 82}},
                        unit, None, get_pack("iowa-2020")) == []


@pytest.mark.parametrize("delegates", ["Buttigieg 2, Sanders 2, Warren 2, Yang 1", "Buttigieg 2, Sanders 2, Warren 1, Yang 2"])
def test_coin_toss_outcome_is_accepted(parser, delegates):
    """Tie: STORM LAKE 01 (D=7, T=39) leaves Warren and Yang with equal remainders; either coin-toss
    outcome the post reports is accepted."""
    text = ("Buena Vista County, STORM LAKE 01. 1st alignment: Sanders 13, Buttigieg 11, Warren 7, Yang 7, Biden 1 | "
            f"Final: Sanders 13, Buttigieg 11, Warren 7, Yang 7 | Delegates: {delegates}")
    got = _claims(parser, text)
    assert set(got) == {"first", "final", "delegates"}
    assert {c.status for c in got.values()} == {"accepted"}, [c.problems for c in got.values()]


def test_impossible_allocation_with_final_is_flagged(parser):
    """Full post with a final alignment: 5 of at least 36 people is below viability for any T, yet got
    delegates (CM04). The claims keep the problem (a math problem, not a reading one) and go to review."""
    text = ("Delaware County Richland/Coffins Grove results. 1st alignment: biden 12, Klobuchar 8, Warren 7, Buttigieg 5 | "
            "Final: Biden 12, Klobuchar 9, Warren 9, Buttigieg 5, Sanders 1 | Delegates: Biden 3, Buttigieg 2, Klobuchar 2, Warren 2")
    got = _claims(parser, text)
    assert set(got) == {"first", "final", "delegates"}
    for c in got.values():
        assert c.status == "review" and any(p.startswith("CM04:") for p in c.problems)
        assert all(is_math_problem(p) for p in c.problems), c.problems


def test_sde_over_the_unit_by_an_overaward_waits_with_the_math_problem(parser):
    """Case: absurd numbers vs the party's own over-award. Dubuque_31 (SDE 2.93) got 12 delegates for D=11 in the
    100% release; a chair posting those SDE (sum 3.2) is read as said, but it fails the math: review, with
    only the math problem (not a reading doubt)."""
    text = ("Official results Dubuque_31 (Dubuque Co.): SDE Pete 1.0667, Joe 0.8, Elizabeth 0.8, Amy 0.5333. "
            "County delegates: Buttigieg 4, Biden 3, Warren 3, Klobuchar 2")
    got = _claims(parser, text)
    assert got["sde"].status == "review" and got["sde"].counts["Buttigieg"] == 1.0667
    assert got["sde"].problems and all(is_math_problem(p) for p in got["sde"].problems), got["sde"].problems


@pytest.mark.parametrize("sde", ["Pete 9.5, Joe 0.8", "Pete 2.5, Joe 2.5, Amy 2.5, Elizabeth 2.5"])
def test_sde_far_over_the_unit_stays_in_review(parser, sde):
    """Case: absurd numbers. One group above the unit's whole SDE, or a sum more than 3x over, is a misreading."""
    got = _claims(parser, f"Official results Dubuque_31 (Dubuque Co.): SDE {sde}")
    assert got["sde"].status == "review" and not all(is_math_problem(p) for p in got["sde"].problems)
