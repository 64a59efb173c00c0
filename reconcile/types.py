"""Value types of the reconciliation core: frozen dataclasses, no I/O.

Counts are plain ``dict[str, int]`` keyed by preference-group key (``Sanders``,
``Uncommitted``). The dataclasses are frozen so a value never changes after it is
built; callers must not mutate the dicts they pass in or get back either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

Severity = Literal["error", "warning"]
Status = Literal["consistent", "coin_toss", "inconsistent", "not_checkable"]

STATUSES: tuple[Status, ...] = ("consistent", "coin_toss", "inconsistent", "not_checkable")


@dataclass(frozen=True, slots=True)
class Alignment:
    """What the delegate math needs for one unit (precinct or satellite).

    ``delegates`` is D, the county delegates the unit elects. ``attendance`` is T, the
    eligible head count taken when the doors close; ``None`` means "use the first
    alignment total", which is what every analysis of 2020 has to do because the head
    count itself was never published.
    """

    delegates: int
    first: Mapping[str, int]
    final: Mapping[str, int]
    attendance: int | None = None

    @property
    def total(self) -> int:
        """T: the attendance if given, else the first-alignment total."""
        return self.attendance if self.attendance is not None else sum(self.first.values())


@dataclass(frozen=True, slots=True)
class Tie:
    """A tie the rules leave to chance (a coin toss in Iowa, a card draw in Nevada).

    ``stage`` says where it happened: ``remainder`` (equal remainders for the last
    delegate(s)), ``drop`` (equal smallest groups when there are too many viable
    groups), ``take`` (equal remainders when a delegate must be taken back), or
    ``plurality`` (equal largest groups in a one-delegate unit).
    """

    stage: str
    groups: tuple[str, ...]
    seats: int


@dataclass(frozen=True)
class Outcome:
    """Every allocation the rules allow for one unit.

    ``outcomes`` holds each possible delegate allocation (groups with zero delegates
    left out). It has exactly one element unless a tie had to be settled by chance, in
    which case it holds every way the tie could have gone, never a guessed one.
    ``threshold`` is the viability threshold in people (``None`` for a one-delegate
    unit, which goes to the plurality).
    """

    delegates: int
    attendance: int
    threshold: int | None
    viable_first: tuple[str, ...]
    viable_final: tuple[str, ...]
    outcomes: tuple[Mapping[str, int], ...]
    ties: tuple[Tie, ...] = ()

    @property
    def coin_toss(self) -> bool:
        """True when chance decides between more than one allocation."""
        return len(self.outcomes) > 1

    @property
    def allocation(self) -> Mapping[str, int]:
        """The allocation when it is unique; raises ValueError when a tie decides it."""
        if len(self.outcomes) != 1:
            raise ValueError(f"{len(self.outcomes)} possible allocations: a tie decides this unit")
        return self.outcomes[0]

    def allows(self, delegates: Mapping[str, int]) -> bool:
        """Is this reported allocation one of the possible outcomes? (zeros ignored)"""
        want = {g: n for g, n in delegates.items() if n}
        return any(o == want for o in self.outcomes)


@dataclass(frozen=True)
class Result:
    """A unit's result as somebody reported it: an official row or a parsed post.

    Any round may be missing (``None``). ``delegates`` are county delegates per group;
    for official Iowa rows they are implied from SDE (SDE / ratio, rounded).
    ``expected_delegates`` is D from the apportionment table (``None`` if unknown);
    ``sde_ratio`` is the SDE per county delegate; ``max_attendance`` an optional
    plausibility ceiling for the head count (``None``: the rule pack's default).
    """

    county: str
    precinct: str
    first: Mapping[str, int] | None = None
    final: Mapping[str, int] | None = None
    delegates: Mapping[str, int] | None = None
    sde: Mapping[str, float] | None = None
    expected_delegates: int | None = None
    sde_ratio: float | None = None
    attendance: int | None = None
    satellite: bool = False
    max_attendance: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One broken consistency rule, with the numbers that triggered it.

    ``subject`` is a stable key (e.g. ``release:100pct|Polk|DES MOINES-80``) so the same
    finding seen twice is stored once.
    """

    rule: str
    severity: Severity
    county: str
    precinct: str
    message: str
    evidence: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitCheck:
    """Verdict on one unit: the status, the math outcome (if computable) and findings."""

    county: str
    precinct: str
    status: Status
    outcome: Outcome | None
    findings: tuple[Finding, ...]
