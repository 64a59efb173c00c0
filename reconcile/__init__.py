"""Reconciliation core: caucus math, consistency rules, and official-release checks.

Pure functions over frozen dataclasses; no database, network or clock. Start with
:func:`allocate` (every allocation the rules allow for one unit),
:func:`check_result` (every consistency rule on a parsed or official result) and
:func:`check_release` (a whole official release).

    >>> from reconcile import Alignment, allocate
    >>> dict(allocate(Alignment(6, {"Sanders": 116, "Warren": 82, "Buttigieg": 73},
    ...                         {"Sanders": 116, "Warren": 82, "Buttigieg": 73}, attendance=285)).allocation)
    {'Sanders': 2, 'Warren': 2, 'Buttigieg': 2}
"""

from __future__ import annotations

from shadowtally.settings import DEFAULT_ELECTION
from shadowtally.reconcile.official import ReleaseCheck, check_release, implied_delegates, result_from_row, unit_json
from shadowtally.reconcile.rulepacks import RulePack, get_pack
from shadowtally.reconcile.rules import RULES, Rule, check_duplicates, check_result, duplicate_groups
from shadowtally.reconcile.types import STATUSES, Alignment, Finding, Outcome, Result, Tie, UnitCheck

__all__ = [
    "RULES", "STATUSES", "Alignment", "Finding", "Outcome", "ReleaseCheck", "Result", "Rule", "RulePack", "Tie",
    "UnitCheck", "allocate", "check_duplicates", "check_release", "check_result", "duplicate_groups", "get_pack",
    "implied_delegates", "result_from_row", "unit_json",
]


def allocate(unit: Alignment, pack: RulePack | str = DEFAULT_ELECTION) -> Outcome:
    """Every delegate allocation ``pack``'s rules allow for ``unit`` (see :class:`Outcome`)."""
    return (get_pack(pack) if isinstance(pack, str) else pack).allocate(unit)
