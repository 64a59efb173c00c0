"""Plausibility checks of a claim against its precinct. A failed check makes the claim
``review``. Per-claim extra checks plug in through :data:`EXTRA_CHECKS` or
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
* **T known**: the post states the head count ("285 attendees"), or its first
  alignment *covers the room*: delegates complete, every group that won a delegate
  is in the first alignment, and the final alignment (if given) holds no more people
  than the first (more would prove that groups were left out of the first). Then the
  listed first-alignment total is taken as T. This is a deliberate assumption: a post
  that omits non-viable first-alignment groups *and* gives no final alignment is
  checked as if it had listed everyone, which can only send a claim to ``review``,
  never accept a wrong one.
* **Final alignment known**: stated, or inferable from a first alignment that covers
  the room when every listed group is viable there (members of viable groups cannot
  leave, so nobody realigns; not for one-delegate precincts, which realign freely).
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

from elections import Precinct
from reconcile.rulepacks.base import RulePack
from reconcile.rules import check_result
from reconcile.types import Alignment, Result

__all__ = ["Check", "EXTRA_CHECKS", "check_claim", "check_rounds", "register_check", "PEOPLE_PER_DELEGATE_MAX",
           "MATH_RULES_FULL", "MATH_RULES_ORDER_ONLY"]

# The 2020 release peaks at 156 first-alignment caucusgoers per county delegate
# (University Heights); twice that is a generous attendance bound.
PEOPLE_PER_DELEGATE_MAX = 320
ABSOLUTE_PEOPLE_MIN_BOUND = 300

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
        if total > bound:
            problems.append(f"total {total:g} exceeds attendance bound {bound}")
    elif round_ == "delegates":
        if any(v > precinct.delegates for v in values):
            problems.append(f"a group has more than the precinct's {precinct.delegates} delegates")
        if total > precinct.delegates:
            problems.append(f"delegates sum {total:g} > D={precinct.delegates}")
    elif round_ == "sde":
        if total > precinct.sde + 0.002 or any(v > precinct.sde + 0.001 for v in values):
            problems.append(f"SDE {total:g} exceeds the precinct's {precinct.sde:g}")
    for check in EXTRA_CHECKS:
        p = check(round_, counts, precinct, attendance)
        if p:
            problems.append(p)
    return problems


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
        # First alignment and delegates only: decidable only if the first alignment covers
        # the room (its total is T) and every listed group is viable (nobody realigns).
        T = stated_T
        if T is None and complete and won <= set(first) and listed > 0:
            T = listed
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
