"""Nevada Democratic caucuses, 22 February 2020.

Same thresholds, formula and 4-decimal remainders as Iowa, with three differences
(``docs/caucus-math.md`` in shared/, NV Dems memo of 26 Sep 2019):

* Early ranked ballots are part of the unit: T is ``total_attendance`` (in-person plus
  early voters), and early votes sit in the first and final alignments. Callers pass
  T explicitly through :class:`reconcile.types.Alignment.attendance`.
* Ties are settled by a card draw (high card wins, spades > hearts > diamonds > clubs);
  like a coin toss, every way it could go is returned.
* Principle 2: a viable group keeps its delegate even when that means awarding more
  than D, instead of Iowa's dropping the smallest group.
"""

from __future__ import annotations

from shadowtally.reconcile.rulepacks.base import RulePack

PACK = RulePack(name="nevada-2020", tie_breaker="card draw", too_many_viable="add_delegates")
