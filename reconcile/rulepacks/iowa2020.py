"""Iowa Democratic caucuses, 3 February 2020 (``docs/caucus-math.md`` in shared/).

* Viability: 1/4 of T for 2 delegates, 1/6 for 3, 15% for 4 or more, rounded up;
  one-delegate precincts go to the plurality of the final alignment.
* Groups viable in the first alignment are frozen (their members cannot leave), so a
  consistent report never shows one shrinking; that is checked in :mod:`reconcile.rules`.
* More viable groups than delegates: the smallest viable group(s) lose viability
  (plan section F(6)(c)); equal smallest groups are settled by a coin toss.
* Delegates: largest remainder at 4 decimals with a floor of one, coin toss on ties.
* SDE = county delegates × the county's SDE ratio. Satellites elect delegates by
  attendance band and take SDE from their district pool in proportion to attendance.
"""

from __future__ import annotations

from dataclasses import dataclass

from shadowtally.reconcile.rulepacks.base import RulePack

# Satellite attendance bands from the IDP reporting app: (up to N attendees, delegates).
SATELLITE_BANDS: tuple[tuple[int, int], ...] = ((20, 4), (40, 5), (60, 6), (80, 7), (100, 8))
SATELLITE_MAX_DELEGATES = 9

# SDE per attendee in each satellite pool. Inferred from the published 2020 numbers:
# the rate most sites in the pool share (the pool's SDE budget spread by attendance);
# sites that deviate from it are flagged by rule CM12, not silently absorbed.
SATELLITE_POOL_RATES: dict[str, float] = {
    "CD1 Satellite": 6.0 / 448,
    "CD2 Satellite": 0.011667,
    "CD3 Satellite": 0.011487,
    "CD4 Satellite": 0.028380,
    "Out of State Satellite": 0.003370,
}


@dataclass(frozen=True)
class Iowa2020(RulePack):
    """The 2020 IDP rules; satellites and SDE pools on top of the shared math."""

    def satellite_delegates(self, attendance: int) -> int:
        """1–20 attendees → 4, 21–40 → 5, 41–60 → 6, 61–80 → 7, 81–100 → 8, more → 9; none → 0."""
        if attendance <= 0:
            return 0
        for upper, delegates in SATELLITE_BANDS:
            if attendance <= upper:
                return delegates
        return SATELLITE_MAX_DELEGATES

    def satellite_sde(self, pool: str, attendance: int) -> float | None:
        """A satellite site's SDE: attendance × its pool's rate (None for an unknown pool)."""
        rate = SATELLITE_POOL_RATES.get(pool)
        return None if rate is None else attendance * rate


PACK = Iowa2020(name="iowa-2020", tie_breaker="coin toss", too_many_viable="drop_smallest")
