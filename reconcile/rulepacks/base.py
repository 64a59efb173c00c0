"""The interface every rule pack implements, and the delegate math they share.

A rule pack is one module (``iowa2020``, ``nevada2020``…) exposing ``PACK``, an
instance of :class:`RulePack` or a subclass. The shared algorithm is the one the IDP
2020 app used (``docs/caucus-math.md`` method B): raw = group × D / T kept to 4
decimals; every viable group gets floor(raw) but at least one; the remaining
delegates go one at a time by largest decimal part; a tie at the boundary is left to
chance and *every* way it could go is returned. Packs differ in thresholds, in what
happens with more viable groups than delegates, and in what the tie-breaker is called.

All arithmetic is on integers (ten-thousandths of a delegate), so equal remainders
compare equal exactly, as on the worksheet, and no float noise creeps in.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Iterable, Literal, Mapping

from shadowtally.reconcile.types import Alignment, Outcome, Tie

_SCALE = 10_000  # four decimal places


def raw_4dp(count: int, delegates: int, attendance: int) -> int:
    """count × D / T in ten-thousandths, rounded half up (the app keeps 4 decimals)."""
    return (2 * count * delegates * _SCALE + attendance) // (2 * attendance)


def ceil_div(a: int, b: int) -> int:
    """Ceiling of a / b for non-negative integers."""
    return -(-a // b)


@dataclass(frozen=True)
class RulePack:
    """Delegate rules for one election.

    ``too_many_viable``: ``drop_smallest`` (Iowa: the smallest viable group(s) lose
    viability when there are more viable groups than delegates) or ``add_delegates``
    (Nevada memo Principle 2: every viable group keeps one delegate, so the unit awards
    more than D). ``tie_breaker`` is the name of the game of chance, used in messages.
    """

    name: str
    tie_breaker: str = "coin toss"
    too_many_viable: Literal["drop_smallest", "add_delegates"] = "drop_smallest"
    # False where no delegates are elected at the precinct (a one-round preference vote):
    # then there is nothing to allocate per unit, and no delegate math to check.
    precinct_delegates: bool = True

    # -- thresholds -----------------------------------------------------------------
    def viability_threshold(self, delegates: int, attendance: int) -> int | None:
        """People a group needs to be viable; ``None`` for a one-delegate unit (plurality).

        1/4 of T for 2 delegates, 1/6 for 3, 15% for 4 or more, rounded up to a whole
        person (the app's ``count / T >= fraction`` test is the same thing).
        """
        if delegates <= 1:
            return None
        if delegates == 2:
            return ceil_div(attendance, 4)
        if delegates == 3:
            return ceil_div(attendance, 6)
        return ceil_div(attendance * 15, 100)

    def satellite_delegates(self, attendance: int) -> int:
        """Delegates a satellite site elects for its attendance (packs without satellites: 0)."""
        return 0

    # -- allocation ------------------------------------------------------------------
    def allocate(self, unit: Alignment) -> Outcome:
        """Every allocation of ``unit.delegates`` the rules allow for these counts.

        Raises ``ValueError`` when D or T is not positive (nothing can be computed).
        """
        D, T = unit.delegates, unit.total
        if D <= 0 or T <= 0:
            raise ValueError(f"cannot allocate: delegates={D}, attendance={T}")
        final = {g: n for g, n in unit.final.items() if n > 0}
        threshold = self.viability_threshold(D, T)
        if threshold is None:
            viable_first = _plurality(unit.first)
            return self._plurality_outcome(D, T, final, viable_first)
        viable_first = tuple(sorted(g for g, n in unit.first.items() if n > 0 and n >= threshold))
        viable = {g: n for g, n in final.items() if n >= threshold}
        ties: list[Tie] = []
        if len(viable) > D and self.too_many_viable == "drop_smallest":
            branches = _drop_smallest(viable, D, ties)
        else:
            branches = [viable]
        outcomes: list[dict[str, int]] = []
        for groups in branches:
            if not groups:
                continue
            for alloc in self._largest_remainder(groups, D, T, ties):
                if alloc not in outcomes:
                    outcomes.append(alloc)
        if len(outcomes) > 1:
            outcomes.sort(key=lambda a: sorted(a.items()))
        return Outcome(
            delegates=D, attendance=T, threshold=threshold, viable_first=viable_first,
            viable_final=tuple(sorted(viable)), outcomes=tuple(outcomes) or ({},), ties=tuple(_dedupe(ties)) if ties else (),
        )

    def _plurality_outcome(self, D: int, T: int, final: dict[str, int], viable_first: tuple[str, ...]) -> Outcome:
        # One delegate: the largest final group wins, even without a majority (what the
        # published 2020 results show); equal largest groups are a tie for chance.
        top = _plurality(final)
        ties = (Tie("plurality", top, D),) if len(top) > 1 else ()
        outcomes = tuple({g: D} for g in top) or ({},)
        return Outcome(D, T, None, viable_first, top, outcomes, ties)

    def _largest_remainder(self, groups: Mapping[str, int], D: int, T: int, ties: list[Tie]) -> list[dict[str, int]]:
        base: dict[str, int] = {}
        rem: dict[str, int] = {}
        bumped = 0
        num, den = 2 * D * _SCALE, 2 * T  # raw_4dp inlined: this loop is the hot path
        for g, n in groups.items():
            whole, frac = divmod((n * num + T) // den, _SCALE)
            if whole == 0:
                # A viable group always keeps one delegate; having been bumped up, it
                # comes last when the leftovers are handed out.
                whole, frac = 1, frac - _SCALE
                bumped += 1
            base[g], rem[g] = whole, frac
        left = D - sum(base.values())
        if left >= 0:
            return _give(base, rem, left, ties)
        if self.too_many_viable == "add_delegates":
            return [base]
        # Only the floor of one can legitimately push the total over D; then the
        # worksheet takes the extra back (method A). An excess beyond that means the
        # final alignment holds more people than T: no rule fixes it, so the plain
        # proportional result stands and the checks report the impossible counts.
        return _take(base, rem, min(-left, bumped), ties)


def _plurality(counts: Mapping[str, int]) -> tuple[str, ...]:
    best = max((n for n in counts.values() if n > 0), default=0)
    return tuple(sorted(g for g, n in counts.items() if best and n == best))


def _drop_smallest(viable: dict[str, int], D: int, ties: list[Tie]) -> list[dict[str, int]]:
    """Keep the D largest viable groups; equal smallest groups mean a toss for who stays."""
    ordered = sorted(viable.values())
    k = len(viable) - D
    cut = ordered[k - 1]
    sure = [g for g, n in viable.items() if n < cut]
    tied = sorted(g for g, n in viable.items() if n == cut)
    need = k - len(sure)
    if len(tied) > need:
        ties.append(Tie("drop", tuple(tied), need))
    out = []
    for dropped in combinations(tied, need):
        gone = set(sure) | set(dropped)
        out.append({g: n for g, n in viable.items() if g not in gone})
    return out


def _give(base: dict[str, int], rem: dict[str, int], left: int, ties: list[Tie]) -> list[dict[str, int]]:
    """Hand out ``left`` delegates by descending remainder, cycling if need be."""
    n = len(base)
    rounds, left = divmod(left, n)
    alloc = {g: v + rounds for g, v in base.items()}
    if left == 0:
        return [alloc]
    cut = sorted(rem.values(), reverse=True)[left - 1]
    sure = [g for g in alloc if rem[g] > cut]
    tied = sorted(g for g in alloc if rem[g] == cut)
    need = left - len(sure)
    for g in sure:
        alloc[g] += 1
    if len(tied) > need:
        ties.append(Tie("remainder", tuple(tied), need))
    out = []
    for winners in combinations(tied, need):
        a = dict(alloc)
        for g in winners:
            a[g] += 1
        out.append(a)
    return out


def _take(base: dict[str, int], rem: dict[str, int], excess: int, ties: list[Tie]) -> list[dict[str, int]]:
    """Take back ``excess`` delegates, smallest remainder first, never a group's only one."""
    states = [base]
    for _ in range(excess):
        nxt: list[dict[str, int]] = []
        for a in states:
            able = [g for g in a if a[g] > 1]
            if not able:  # nothing can give one up: the unit keeps the extra delegate
                nxt.append(a)
                continue
            low = min(rem[g] for g in able)
            tied = sorted(g for g in able if rem[g] == low)
            if len(tied) > 1:
                ties.append(Tie("take", tuple(tied), 1))
            for g in tied:
                b = dict(a)
                b[g] -= 1
                if b not in nxt:
                    nxt.append(b)
        states = nxt
    return states


def _dedupe(ties: Iterable[Tie]) -> list[Tie]:
    seen: list[Tie] = []
    for t in ties:
        if t not in seen:
            seen.append(t)
    return seen
