"""Plausibility checks of a claim against its precinct. Any failed check makes the claim
``review``; a caucus-math problem (:func:`is_math_problem`) is also reported as a finding. Per-claim extra checks plug in through :data:`EXTRA_CHECKS` or
:func:`register_check`; the caucus-math rules of :mod:`reconcile.rules`, which need
several rounds of one precinct at once, run through :func:`check_rounds`.

What a post can decide
----------------------
A post rarely lists the whole room: it may give only the viable groups, or the top
three, and it almost never gives the head count T. A rule is run only when what it
needs is stated (the choices, applied in :func:`check_rounds`):

* **Delegates complete**: the listed delegates add up to the precinct's D, so every
  group that won a delegate is listed. Without that, the delegate-sum (CM05), the
  math (CM06) and viability (CM04) rules are not decidable.
* **T known**: the post states the head count ("285 attendees"). A listed
  first-alignment total is *not* taken as T: the commonest post (the seed post's
  "First Alignment: … / Delegates: …") lists only the groups that won delegates, and
  the people it leaves out realign. Taking the listed total as T sent true posts to
  review (Madrid 2nd Ward, Boone: "Pete 17, Bernie 14, Amy 6 / Delegates: Sanders 2,
  Buttigieg 1, Klobuchar 1" is the real first alignment; Sanders reached 17 in the
  final). A mixed-round post like the seed post is caught later, by reconciliation
  (:mod:`reconcile.compare` flags a posted number that equals the release's other round).
* **Final alignment known**: stated, or inferable from a first alignment whose stated
  head count T equals its total when every listed group is viable there (members of
  viable groups cannot leave, so nobody realigns; not for one-delegate precincts,
  which realign freely).
* With delegates complete, T and the final alignment known: CM04, CM05, CM06, CM08.
* Otherwise, when final counts and delegates are both given: only CM08 (a larger
  final group with fewer delegates than a smaller one), on the groups listed in both,
  which needs neither T nor the other groups.
* Never from a post: CM11 (a round the post does not state is not missing), CM07
  (posted SDE are rounded to fewer decimals than its tolerance), the warnings (CM01,
  CM02, CM03, CM09: counts that are odd but may be what happened), CM10, CM12.

A satellite is checked with its D from the election data (the 2020 result), not from
its attendance band, since a post's partial counts would give the wrong band.
"""

from __future__ import annotations

from typing import Callable, Mapping

from shadowtally.elections import Precinct
from shadowtally.reconcile.rulepacks.base import RulePack
from shadowtally.reconcile.rules import check_result
from shadowtally.reconcile.types import Alignment, Result

__all__ = ["Check", "EXTRA_CHECKS", "check_claim", "check_rounds", "is_math_problem", "register_check", "PEOPLE_PER_DELEGATE_MAX",
           "MATH_RULES_FULL", "MATH_RULES_ORDER_ONLY"]

# Caucusgoers per county delegate in the certified 2020 release: median 10, 99th percentile
# 65, maximum 156 (University Heights). Twice the maximum is impossible; beyond the usual
# bound (80 per delegate, and at least 150 people: 2 of 1,760 units in 2020, Huxley and
# University Heights) a count is possible but waits for a person.
PEOPLE_PER_DELEGATE_MAX = 320
PEOPLE_PER_DELEGATE_USUAL = 80
ABSOLUTE_PEOPLE_MIN_BOUND = 300
USUAL_PEOPLE_MIN_BOUND = 150
# The 2020 releases hold SDE sums up to 3x a unit's SDE (Huxley, West Lucas Township), and
# one of 7x (Elk Run Heights); a post at most 3x over is the over-award, beyond it a misreading.
SDE_OVERAWARD_MAX = 3.0

Check = Callable[[str, Mapping[str, float], Precinct, "int | None"], "str | None"]
EXTRA_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a check ``(round, counts, precinct, attendance) -> problem or None``."""
    EXTRA_CHECKS.append(check)
    return check


def check_claim(round_: str, counts: Mapping[str, float], precinct: Precinct, attendance: int | None) -> list[str]:
    """Problems with a claim (empty list: plausible)."""
    problems: list[str] = []
    values = list(counts.values())
    if any(v < 0 for v in values):
        problems.append("negative count")
    if round_ in ("first", "final", "delegates") and any(v != int(v) for v in values):
        problems.append("fractional count in a whole-number round")
    total = sum(values)
    if round_ in ("first", "final", "unknown"):
        bound = max(ABSOLUTE_PEOPLE_MIN_BOUND, PEOPLE_PER_DELEGATE_MAX * max(precinct.delegates, 1))
        if attendance is not None:
            bound = min(bound, attendance)
        usual = max(USUAL_PEOPLE_MIN_BOUND, PEOPLE_PER_DELEGATE_USUAL * max(precinct.delegates, 1))
        if total > bound:
            problems.append(f"total {total:g} exceeds attendance bound {bound}")
        elif total > usual:
            problems.append(f"total {total:g} is more people than any but a few units held "
                            f"({PEOPLE_PER_DELEGATE_USUAL} per delegate)")
    elif round_ == "delegates":
        if any(v > precinct.delegates for v in values):
            problems.append(f"a group has more than the precinct's {precinct.delegates} delegates")
        if total > precinct.delegates:
            problems.append(f"delegates sum {total:g} > D={precinct.delegates}")
    elif round_ == "sde":
        if any(v > precinct.sde + 0.001 for v in values):
            problems.append(f"a group's SDE exceeds the precinct's {precinct.sde:g}")
        elif total > precinct.sde * SDE_OVERAWARD_MAX + 0.002:
            problems.append(f"SDE {total:g} exceeds the precinct's {precinct.sde:g}")
        elif total > precinct.sde + 0.002:
            # More SDE than the unit has, by a delegate or two: the same over-award as
            # "delegates sum > D", seen in SDE (the party's own 100% release has such rows).
            problems.append(f"SDE sum {total:g} > the precinct's {precinct.sde:g}")
    for check in EXTRA_CHECKS:
        p = check(round_, counts, precinct, attendance)
        if p:
            problems.append(p)
    return problems


def is_math_problem(problem: str) -> bool:
    """Whether a claim problem is the caucus math disagreeing with what the post states
    (a CM rule, or delegates or SDE adding up to more than the unit elects), as opposed to a
    doubt about the reading (no precinct, no round, hedged, absurd numbers). Both hold a
    claim for review; a math problem is also filed as a finding about the unit."""
    return problem[:2] == "CM" or problem.startswith(("delegates sum ", "SDE sum "))


# Rules decidable from a post, by how much of the room it states (see the module docstring).
MATH_RULES_FULL = frozenset({"CM04", "CM05", "CM06", "CM08"})
MATH_RULES_ORDER_ONLY = frozenset({"CM08"})
_MATH_ROUNDS = ("first", "final", "delegates")


def _whole(counts: Mapping[str, float] | None) -> dict[str, int] | None:
    if counts is None:
        return None
    if any(v < 0 or v != int(v) for v in counts.values()):
        raise ValueError("not whole counts")
    return {g: int(v) for g, v in counts.items()}


def check_rounds(rounds: Mapping[str, Mapping[str, float]], precinct: Precinct, attendance: int | None,
                 pack: RulePack | None) -> list[str]:
    """Caucus-math problems of one post's rounds for one precinct (empty list: none found).

    ``rounds`` maps ``first``/``final``/``delegates`` to the counts the post states
    (other rounds are ignored). Each problem starts with the rule id (``CM06: …``);
    only error-severity rules decidable from what the post states are reported.
    """
    if pack is None or precinct.delegates < 1:
        return []
    try:
        first = _whole(rounds.get("first"))
        final = _whole(rounds.get("final"))
        delegates = _whole(rounds.get("delegates"))
    except ValueError:
        return []  # fractional or negative counts: check_claim already reports them
    if delegates is None or (first is None and final is None):
        return []  # no allocation stated, or nothing to allocate from
    D = precinct.delegates
    won = {g for g, n in delegates.items() if n > 0}
    complete = sum(delegates.values()) >= D
    listed = max(sum(first.values()) if first else 0, sum(final.values()) if final else 0)
    stated_T = attendance if attendance is not None and attendance >= max(listed, 1) else None
    if final is None:
        # First alignment and delegates only: decidable only if the post says the first
        # alignment is the whole room (stated T equals its total) and every listed group
        # is viable there (nobody realigns).
        T = stated_T
        if T is None or T != sum(first.values()) or D < 2:
            return []
        threshold = pack.viability_threshold(D, T)
        if threshold is None or any(0 < n < threshold for n in first.values()):
            return []
        final = first
        candidates_T = [T]
    elif complete and won <= set(final) and listed > 0:
        # Final alignment stated: T is the stated head count, else any T from the listed
        # total up to twice it (groups the post left out); flag only if no T fits.
        candidates_T = [stated_T] if stated_T is not None else list(range(listed, 2 * listed + 1))
    else:
        candidates_T = []
    if candidates_T:
        base = first if first is not None else final
        fits = next((T for T in candidates_T if pack.allocate(Alignment(D, base, final, T)).allows(delegates)), None)
        T = candidates_T[0] if fits is None else fits
        result = Result(precinct.county, precinct.name, first=base, final=final, delegates=delegates,
                        expected_delegates=D, attendance=T, source="post")
        allowed = MATH_RULES_FULL
        note = "" if len(candidates_T) == 1 else f" (for every head count T from {candidates_T[0]} to {candidates_T[-1]})"
    else:
        shown = {g: n for g, n in final.items() if g in delegates}
        if len(shown) < 2:
            return []
        result = Result(precinct.county, precinct.name, first=shown, final=shown, delegates=delegates,
                        expected_delegates=D, source="post")
        allowed = MATH_RULES_ORDER_ONLY
        note = ""
    check = check_result(result, pack)
    return [f"{f.rule}: {f.message}" + (note if f.rule != "CM08" else "")
            for f in check.findings if f.rule in allowed and f.severity == "error"]
