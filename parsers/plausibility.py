"""Plausibility checks of a claim against its precinct. A failed check makes the claim
``review``. Extra checks (the caucus-math rules of ``reconcile``) plug in through
:data:`EXTRA_CHECKS` or :func:`register_check`."""

from __future__ import annotations

from typing import Callable, Mapping

from elections import Precinct

__all__ = ["Check", "EXTRA_CHECKS", "check_claim", "register_check", "PEOPLE_PER_DELEGATE_MAX"]

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
