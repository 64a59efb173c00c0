"""Numbered consistency rules, applied to any result: a parsed post or an official row.

Each rule has a stable id (``CM01`` …), a severity and a one-line description. The
severity is meaningful:

* **error**: the reported delegates (or SDE) cannot be what the rules give for the
  reported counts. A unit with an error is ``inconsistent``.
* **warning**: the counts themselves are implausible or suspicious (more people at
  the end than at the start, a frozen group shrinking, a copy of another precinct),
  even though the allocation may faithfully follow from them.

:func:`check_result` runs the per-unit rules and decides the status;
:func:`check_duplicates` is the cross-precinct rule. Nothing here touches a database,
the network or the clock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from shadowtally.reconcile.rulepacks.base import RulePack
from shadowtally.reconcile.types import Alignment, Finding, Outcome, Result, Severity, Status, UnitCheck

# SDE are published to 4 decimals, so allow for that rounding (and float noise).
SDE_TOLERANCE = 0.00015
# A plausibility ceiling for parsed posts: the 2020 maximum was 156 people per county
# delegate (Johnson "UNIVERSITY HEIGHTS"), the median 10.
MAX_PEOPLE_PER_DELEGATE = 200


@dataclass(frozen=True, slots=True)
class Rule:
    """A consistency rule: stable id, severity and what it means in plain words."""

    id: str
    name: str
    severity: Severity
    description: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("CM01", "final_exceeds_first", "warning",
         "More people in the final alignment than at the head count; nobody may join after it."),
    Rule("CM02", "viable_group_shrank", "warning",
         "A group viable in the first alignment has fewer people in the final one; viable groups are frozen."),
    Rule("CM03", "viable_group_vanished", "warning",
         "A group viable in the first alignment has nobody left in the final one."),
    Rule("CM04", "nonviable_awarded", "error",
         "A group below the viability threshold in the final alignment got delegates or SDE."),
    Rule("CM05", "delegate_sum", "error",
         "The delegates awarded do not add up to the delegates the unit elects."),
    Rule("CM06", "math_mismatch", "error",
         "The delegates differ from the caucus math and are not one of the possible coin-toss outcomes."),
    Rule("CM07", "sde_ratio", "error",
         "A group's SDE is not its county delegates times the county's SDE ratio."),
    Rule("CM08", "larger_group_fewer_delegates", "error",
         "A larger final group got fewer delegates than a smaller one."),
    Rule("CM09", "implausible_attendance", "warning",
         "The counts exceed any plausible attendance for the unit (or are negative)."),
    Rule("CM10", "duplicate_of_other_precinct", "warning",
         "The unit's numbers are identical to another unit's, a sign of a copy-and-paste entry."),
    Rule("CM11", "missing_round", "error",
         "A round is missing (all zero or absent) while the other rounds imply it happened."),
    Rule("CM12", "satellite_pool_sde", "warning",
         "A satellite's SDE is not its attendance times its district pool's SDE per attendee."),
)}


def _finding(rule_id: str, r: Result, message: str, **evidence: object) -> Finding:
    rule = RULES[rule_id]
    return Finding(rule.id, rule.severity, r.county, r.precinct, message, evidence)


def _people(n: int) -> str:
    return f"{n} {'person' if n == 1 else 'people'}"


def _nonzero(counts: Mapping[str, int] | None) -> dict[str, int]:
    return {g: n for g, n in (counts or {}).items() if n}


def unit_delegates(result: Result, pack: RulePack) -> int | None:
    """D for this result: the attendance band for a satellite, else the apportionment."""
    if result.satellite and result.first is not None:
        return pack.satellite_delegates(result.attendance if result.attendance is not None
                                        else sum(result.first.values()))
    return result.expected_delegates


def check_result(result: Result, pack: RulePack, *, satellite_sde: float | None = None) -> UnitCheck:
    """Run every per-unit rule on ``result`` and decide its status.

    Status: ``not_checkable`` when D, T or the final alignment or delegates are missing;
    otherwise ``inconsistent`` if any error-severity rule fired, ``coin_toss`` if the
    reported delegates are one of several outcomes a tie allows, else ``consistent``.
    ``satellite_sde`` is the site SDE the pool implies (for rule CM12), if known.
    """
    findings: list[Finding] = []
    first = _nonzero(result.first)
    final = _nonzero(result.final)
    delegates = _nonzero(result.delegates) if result.delegates is not None else None
    sde = {g: s for g, s in (result.sde or {}).items() if abs(s) > 1e-9} if result.sde is not None else None
    D = unit_delegates(result, pack)
    T = result.attendance if result.attendance is not None else (sum(first.values()) if first else 0)

    findings += _count_rules(result, first, final, delegates, sde, D, T)
    threshold = pack.viability_threshold(D, T) if D and T > 0 else None
    # CM02 / CM03: first-viable groups are frozen.
    if threshold is not None and first and final:
        for g in sorted(g for g, n in first.items() if n >= threshold and final.get(g, 0) < n):
            left = final.get(g, 0)
            findings.append(_finding(
                "CM03" if left == 0 else "CM02", result,
                f"{g} was viable with {first[g]} in the first alignment but has {left} in the final"
                " one; members of a viable group cannot leave it.",
                group=g, first=first[g], final=left, threshold=threshold))

    outcome: Outcome | None = None
    if D and T > 0 and (first or final):
        # An empty final alignment is still computable: nobody is viable, so any
        # delegate awarded is wrong (CM11 says why).
        outcome = pack.allocate(Alignment(D, first, final, result.attendance))

    if delegates is not None and D:
        _allocation_rules(result, pack, D, threshold, final, delegates, sde, outcome, findings)
    elif sde and threshold is not None:
        for g in sorted(sde):
            if final.get(g, 0) < threshold:
                findings.append(_finding("CM04", result, f"{g} got {sde[g]:.4f} SDE with {final.get(g, 0)} in the "
                                         f"final alignment, below the threshold of {threshold}.", group=g,
                                         final=final.get(g, 0), threshold=threshold, sde=sde[g]))

    findings += _weight_rules(result, sde, delegates, satellite_sde, T)
    status: Status
    if outcome is None or delegates is None:
        status = "not_checkable"
    elif any(f.severity == "error" for f in findings):
        status = "inconsistent"
    elif outcome.coin_toss:
        status = "coin_toss"
    else:
        status = "consistent"
    return UnitCheck(result.county, result.precinct, status, outcome, tuple(findings))


def _count_rules(result: Result, first: dict[str, int], final: dict[str, int], delegates: dict[str, int] | None,
                 sde: dict[str, float] | None, D: int, T: int) -> list[Finding]:
    """Rules on the head counts alone: a missing round (CM11), implausible counts (CM09), a
    final alignment larger than the room (CM01)."""
    findings: list[Finding] = []
    # CM11: a round missing where the others imply it.
    if not first and final:
        findings.append(_finding("CM11", result, f"No first alignment, yet {_people(sum(final.values()))} "
                                 "in the final alignment.", missing="first", final_total=sum(final.values())))
    awarded = bool(delegates) or bool(sde)
    if first and not final and awarded:
        findings.append(_finding("CM11", result, "No final alignment, yet delegates or SDE were awarded.",
                                 missing="final", first_total=sum(first.values())))

    # CM09: counts beyond any plausible attendance.
    negative = ({g: n for g, n in [*(result.first or {}).items(), *(result.final or {}).items()] if n < 0}
                if min(first.values(), default=0) < 0 or min(final.values(), default=0) < 0 else {})
    ceiling = result.max_attendance
    if ceiling is None and D:
        ceiling = D * MAX_PEOPLE_PER_DELEGATE
    biggest = max(T, sum(final.values()))
    if negative:
        findings.append(_finding("CM09", result, f"Negative counts: {negative}.", negative=negative))
    elif ceiling is not None and biggest > ceiling:
        findings.append(_finding("CM09", result, f"{_people(biggest)} reported where at most {ceiling} is "
                                 "plausible.", attendance=biggest, ceiling=ceiling))

    # CM01: the final alignment cannot hold more people than the head count.
    if final and sum(final.values()) > T:
        findings.append(_finding("CM01", result, f"Final alignment has {_people(sum(final.values()))}, more "
                                 f"than the {T} counted at the start.", first_total=T,
                                 final_total=sum(final.values())))
    return findings


def _weight_rules(result: Result, sde: dict[str, float] | None, delegates: dict[str, int] | None,
                  satellite_sde: float | None, T: int) -> list[Finding]:
    """Rules on SDE: SDE = delegates x ratio (CM07), a satellite's SDE from its pool (CM12)."""
    findings: list[Finding] = []
    # CM07: SDE = delegates × ratio.
    if sde is not None and delegates is not None and result.sde_ratio:
        for g in sorted(set(sde) | set(delegates)):
            want = delegates.get(g, 0) * result.sde_ratio
            if abs(sde.get(g, 0.0) - want) > SDE_TOLERANCE:
                findings.append(_finding("CM07", result, f"{g} has {sde.get(g, 0.0):.4f} SDE, but "
                                         f"{delegates.get(g, 0)} delegates × {result.sde_ratio:.6f} = {want:.4f}.",
                                         group=g, sde=sde.get(g, 0.0), delegates=delegates.get(g, 0),
                                         ratio=result.sde_ratio))

    # CM12: a satellite's SDE comes from its district pool.
    if satellite_sde is not None and sde is not None:
        got = sum(sde.values())
        if abs(got - satellite_sde) > SDE_TOLERANCE * max(1, len(sde)) + 0.002 * satellite_sde:
            findings.append(_finding("CM12", result, f"The site has {got:.4f} SDE; its attendance of {T} and the "
                                     f"pool rate give {satellite_sde:.4f}.", site_sde=round(got, 4),
                                     pool_sde=round(satellite_sde, 4), attendance=T))
    return findings


def _allocation_rules(result: Result, pack: RulePack, D: int, threshold: int | None, final: dict[str, int],
                      delegates: dict[str, int], sde: dict[str, float] | None, outcome: Outcome | None,
                      findings: list[Finding]) -> None:
    """CM04, CM05, CM06 and CM08: is the reported allocation what the math allows?"""
    if threshold is not None:
        for g in sorted(g for g in set(delegates) | set(sde or {}) if final.get(g, 0) < threshold):
            what = f"{delegates.get(g, 0)} delegate(s)" if delegates.get(g) else f"{(sde or {})[g]:.4f} SDE"
            findings.append(_finding("CM04", result, f"{g} got {what} with {final.get(g, 0)} in the final "
                                     f"alignment, below the viability threshold of {threshold}.", group=g,
                                     final=final.get(g, 0), threshold=threshold, delegates=delegates.get(g, 0)))
    total = sum(delegates.values())
    allowed_totals = {sum(o.values()) for o in outcome.outcomes} if outcome else {D}
    if total != D and total not in allowed_totals:
        findings.append(_finding("CM05", result, f"The delegates awarded add up to {total}; the unit elects {D}.",
                                 reported_total=total, expected_total=D))
    if outcome is not None and not outcome.allows(delegates):
        options = [dict(o) for o in outcome.outcomes]
        how = ("any of the " + str(len(options)) + f" {pack.tie_breaker} outcomes") if len(options) > 1 else "the math"
        findings.append(_finding("CM06", result, f"Reported delegates {_fmt(delegates)} differ from {how}: "
                                 + " or ".join(_fmt(o) for o in options) + ".",
                                 reported=dict(sorted(delegates.items())), expected=options,
                                 threshold=threshold, attendance=outcome.attendance))
    groups = sorted(final, key=lambda g: -final[g])
    if all(delegates.get(a, 0) >= delegates.get(b, 0) for a, b in zip(groups, groups[1:])):
        return  # delegates never increase down the order of size: nothing to report
    for i, big in enumerate(groups):
        for small in groups[i + 1:]:
            if final[big] > final[small] and delegates.get(big, 0) < delegates.get(small, 0):
                findings.append(_finding("CM08", result, f"{big} ({final[big]} people) got {delegates.get(big, 0)} "
                                         f"delegate(s), fewer than {small} ({final[small]} people) with "
                                         f"{delegates.get(small, 0)}.", group=big, other=small,
                                         counts=[final[big], final[small]],
                                         delegates=[delegates.get(big, 0), delegates.get(small, 0)]))


def _fmt(alloc: Mapping[str, int]) -> str:
    return "{" + ", ".join(f"{g} {n}" for g, n in sorted(alloc.items())) + "}" if alloc else "{none}"


# -- the cross-precinct rule ------------------------------------------------------------

DUPLICATE_KINDS: dict[str, tuple[str, ...]] = {
    "first": ("first",),
    "final": ("final",),
    "sde": ("sde",),
    "first_final": ("first", "final"),
    "final_sde": ("final", "sde"),
    "full": ("first", "final", "sde"),
}


def _signature(r: Result, rnd: str) -> frozenset[tuple[str, object]]:
    # Zeros are dropped and order ignored, so units listing different (absent) groups
    # in a different order still compare equal.
    values = getattr(r, rnd) or {}
    if rnd == "sde":
        return frozenset((k, round(v, 4)) for k, v in values.items() if v)
    return frozenset(item for item in values.items() if item[1])


def _groups_by(signatures: Sequence[dict[str, frozenset[tuple[str, object]]]], keys: Sequence[tuple[str, str]],
               kind: str) -> list[tuple[tuple[str, str], ...]]:
    rounds = DUPLICATE_KINDS[kind]
    by_vec: dict[tuple[object, ...], list[tuple[str, str]]] = defaultdict(list)
    for sig, k in zip(signatures, keys):
        by_vec[tuple(sig[rnd] for rnd in rounds)].append(k)
    return [tuple(v) for v in by_vec.values() if len(v) > 1]


def duplicate_groups(results: Sequence[Result], kind: str) -> list[tuple[tuple[str, str], ...]]:
    """Sets of units (county, precinct) whose ``kind`` rounds are identical, all-zero rows included.

    ``kind`` is one of :data:`DUPLICATE_KINDS`. This reproduces the published
    iowa-tools duplicate lists, which count empty satellites as duplicates of each other.
    """
    rounds = DUPLICATE_KINDS[kind]
    sigs = [{rnd: _signature(r, rnd) for rnd in rounds} for r in results]
    return _groups_by(sigs, [(r.county, r.precinct) for r in results], kind)


def check_duplicates(results: Sequence[Result], kinds: Iterable[str] = ("first_final", "final_sde")) -> list[Finding]:
    """CM10: units whose numbers copy another unit's.

    By default only the telling combinations are reported (first and final both equal,
    or final and SDE both equal); a single equal round happens by chance in small
    precincts. Empty units are left to CM11/not_checkable rather than called copies.
    """
    found: list[Finding] = []
    kinds = tuple(kinds)
    by_key = {(r.county, r.precinct): r for r in results}
    needed = {rnd for kind in kinds for rnd in DUPLICATE_KINDS[kind]}
    sigs = [{rnd: _signature(r, rnd) for rnd in needed} for r in results]
    keys = [(r.county, r.precinct) for r in results]
    sig_of = dict(zip(keys, sigs))
    for kind in kinds:
        for group in _groups_by(sigs, keys, kind):
            members = [k for k in group if any(sig_of[k][rnd] for rnd in DUPLICATE_KINDS[kind])]
            if len(members) < 2:
                continue
            for key in members:
                others = [f"{c} / {p}" for c, p in members if (c, p) != key]
                r = by_key[key]
                found.append(_finding("CM10", r, f"The {kind.replace('_', ' and ')} numbers are identical to "
                                      + "; ".join(others) + ".", kind=kind, duplicates=others))
    return found
