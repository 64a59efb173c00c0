"""Iowa Republican caucuses, 15 January 2024: one secret-ballot preference vote per precinct.

No viability, no realignment, and no delegates allocated at the precinct (the state
party awards national delegates proportionally from the statewide vote). So there is
nothing for the delegate math to compute per unit; the checks that still apply are the
ones on counts (whole, non-negative numbers).
"""

from __future__ import annotations

from shadowtally.reconcile.rulepacks.base import RulePack

PACK = RulePack(name="iowa-gop-2024", tie_breaker="none", precinct_delegates=False)
