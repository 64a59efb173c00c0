"""The shadow tally: an independent count per precinct, built from accepted claims.

Pure: claims and an :class:`elections.Election` in, frozen dataclasses out; no
database, network or clock (``as_of`` is a parameter). The caller converts store rows
to :class:`ClaimRecord` and :class:`FindingRecord` back to ``store.validate.FindingIn``.

Precedence, per precinct and round, applied in this order:

1. Only claims created at or before ``as_of`` exist ("what did we know at 21:45?").
2. A claim named by another visible claim's ``supersedes`` is gone.
3. Each author counts once: their latest claim is what they say now (this is how a
   "CORRECTION:" by the same author wins; cross-posts of one author are not
   independent sources).
4. A correction (``corrects=True``) also retires earlier claims by other authors
   who do not outrank its author (a bystander cannot correct the precinct secretary).
5. The remaining claims are grouped by what they say. Groups that never give one
   candidate two different numbers are compatible and merge (one post lists three
   groups, another five). Incompatible groups are a conflict: a ``shadow_conflict``
   finding is always made; the value is taken only when one side strictly outranks
   the other (a registered official outranks a bystander), otherwise the round is
   left unknown. Nothing is silently picked.

Derived numbers: where delegates are not posted but both alignments are, an
injected ``allocate`` callable computes them; SDE and delegates derive from each other
as the election's own rule says (``Election.sde_from_delegates`` and
``delegates_from_sde``; an election without weighted results derives neither). Every derived round is
listed in ``ShadowPrecinct.derived`` so nobody publishes it as something a post said.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator, Literal, Mapping, Sequence

from shadowtally.elections import ROUNDS as ELECTION_ROUNDS
from shadowtally.elections import SDE_PLACES
from shadowtally.elections import Election, Precinct

__all__ = [
    "ClaimRecord", "Evidence", "FindingRecord", "RoundConflict", "ShadowPrecinct", "ShadowTally",
    "Allocate", "authority", "build_shadow", "cyclic_gc_paused", "rulepack_allocator", "ROUNDS", "ROLES",
]

Round = Literal["first", "final", "delegates", "sde"]
Role = Literal["secretary", "chair", "captain", "reporter", "official", "other"]
ROUNDS: tuple[str, ...] = ELECTION_ROUNDS
ROLES: tuple[str, ...] = ("secretary", "chair", "captain", "reporter", "official", "other")

# Who is closest to the worksheet: officials and the precinct's own secretary/chair
# read it, captains and reporters copy it, anybody else repeats it.
_ROLE_RANK = {"official": 4, "secretary": 4, "chair": 4, "captain": 2, "reporter": 2, "other": 1}
# Probability-like weight of one independent author saying a number; combined as
# 1 - prod(1 - w), so agreement between independent sources raises confidence.
_ROLE_WEIGHT = {"official": 0.8, "secretary": 0.8, "chair": 0.8, "captain": 0.5, "reporter": 0.6, "other": 0.3}
_REGISTERED_BONUS = 0.1
_CONFLICT_FACTOR = 0.5  # a value taken over a contradicting lower-ranked source
_DERIVED_FACTOR = 0.9   # derived numbers are never surer than their inputs

Allocate = Callable[[Precinct, Mapping[str, int], Mapping[str, int]], "Mapping[str, int] | None"]


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One accepted claim: what one post says about one precinct and round.

    ``counts`` maps candidate key to a number (int for alignments and delegates,
    float for SDE). ``supersedes`` is the ``claim_id`` this claim replaces;
    ``corrects`` is True when the post presents itself as a correction.
    ``created_at`` must be timezone-aware UTC.
    """

    claim_id: int
    post_id: int
    post_url: str
    author: str
    role: str
    registered: bool
    created_at: datetime
    county: str | None
    precinct: str | None
    round: str
    counts: Mapping[str, int | float]
    corrects: bool = False
    supersedes: int | None = None
    platform: str = ""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A claim that supports a shadow number: enough to link back to the post."""

    claim_id: int
    post_id: int
    url: str
    author: str
    role: str
    registered: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A finding as plain data; the fields mirror ``store.validate.FindingIn``."""

    rule: str
    severity: str
    county: str | None
    precinct: str | None
    subject: str
    message: str
    evidence: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoundConflict:
    """Incompatible claims for one round: each distinct value with its supporters.

    ``resolved`` is True when one value strictly outranked the others and was used.
    """

    round: str
    values: tuple[tuple[Mapping[str, int | float], tuple[Evidence, ...]], ...]
    resolved: bool


@dataclass(frozen=True)
class ShadowPrecinct:
    """The shadow numbers of one unit; a round is absent when nobody (or no math) gave it."""

    county: str
    precinct: str
    first: dict[str, int] | None
    final: dict[str, int] | None
    delegates: dict[str, int] | None
    sde: dict[str, float] | None
    derived: frozenset[str]
    confidence: float
    round_confidence: dict[str, float]
    sources: dict[str, tuple[Evidence, ...]]
    conflicts: tuple[RoundConflict, ...]
    first_posted_at: datetime | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.county, self.precinct)

    def round(self, name: str) -> Mapping[str, int | float] | None:
        """The counts of round ``name`` (``first`` … ``sde``) or None."""
        return getattr(self, name)  # type: ignore[no-any-return]

    @property
    def posted_rounds(self) -> frozenset[str]:
        """Rounds some post actually stated (not derived)."""
        return frozenset(r for r in ROUNDS if self.round(r) is not None) - self.derived


@dataclass(frozen=True)
class ShadowTally:
    """Every shadow precinct plus statewide totals and coverage, as of a time."""

    as_of: datetime | None
    precincts: dict[tuple[str, str], ShadowPrecinct]
    sde: dict[str, float]
    first: dict[str, int]
    final: dict[str, int]
    precincts_posted: int
    precincts_with_sde: int
    sde_share: float
    findings: tuple[FindingRecord, ...]

    def precinct(self, county: str, name: str) -> ShadowPrecinct | None:
        return self.precincts.get((county, name))


def authority(claim: ClaimRecord) -> tuple[int, int]:
    """Rank of a claim's author: registered sources first, then by role."""
    return (1 if claim.registered else 0, _ROLE_RANK.get(claim.role, 1))


def _weight(claim: ClaimRecord) -> float:
    w = _ROLE_WEIGHT.get(claim.role, 0.3) + (_REGISTERED_BONUS if claim.registered else 0.0)
    return min(w, 0.95)


def _norm_author(author: str) -> str:
    return author.strip().lstrip("@").lower()


def _normalise(round_: str, counts: Mapping[str, int | float]) -> dict[str, int | float]:
    # Posts omit zero groups, so a zero carries no information to compare.
    if round_ == "sde":
        return {k: round(float(v), SDE_PLACES) for k, v in counts.items() if v}
    return {k: int(v) for k, v in counts.items() if v}


def _compatible(a: Mapping[str, int | float], b: Mapping[str, int | float]) -> bool:
    return all(a[k] == b[k] for k in a.keys() & b.keys())


def _evidence(c: ClaimRecord) -> Evidence:
    return Evidence(c.claim_id, c.post_id, c.post_url, c.author, c.role, c.registered, c.created_at)


def _confidence(claims: Iterable[ClaimRecord]) -> float:
    best: dict[str, float] = {}
    for c in claims:
        a = _norm_author(c.author)
        best[a] = max(best.get(a, 0.0), _weight(c))
    miss = 1.0
    for w in best.values():
        miss *= 1.0 - w
    return round(1.0 - miss, 4)


@dataclass
class _Resolved:
    value: dict[str, int | float] | None
    support: list[ClaimRecord]
    conflict: RoundConflict | None
    confidence: float


def _live(claims: Sequence[ClaimRecord]) -> list[ClaimRecord]:
    """Steps 2–4 of the precedence: drop superseded, keep each author's latest, apply corrections."""
    named = {c.supersedes for c in claims if c.supersedes is not None}
    alive = [c for c in claims if c.claim_id not in named]
    latest: dict[str, ClaimRecord] = {}
    for c in sorted(alive, key=lambda c: (c.created_at, c.claim_id)):
        latest[_norm_author(c.author)] = c
    alive = list(latest.values())
    corrections = [c for c in alive if c.corrects]
    return [
        c for c in alive
        if not any(k.created_at > c.created_at and authority(k) >= authority(c) for k in corrections)
    ]


def _resolve(round_: str, claims: Sequence[ClaimRecord]) -> _Resolved:
    groups: dict[tuple[tuple[str, int | float], ...], list[ClaimRecord]] = {}
    for c in _live(claims):
        norm = _normalise(round_, c.counts)
        if norm:
            groups.setdefault(tuple(sorted(norm.items())), []).append(c)
    if not groups:
        return _Resolved(None, [], None, 0.0)
    ranked = sorted(groups.items(), key=lambda kv: (max(authority(c) for c in kv[1]), len(kv[1])), reverse=True)
    merged: dict[str, int | float] = dict(ranked[0][0])
    support = list(ranked[0][1])
    top = max(authority(c) for c in support)
    losers: list[tuple[dict[str, int | float], list[ClaimRecord]]] = []
    for items, members in ranked[1:]:
        value = dict(items)
        if _compatible(merged, value):
            merged.update(value)
            support.extend(members)
        else:
            losers.append((value, members))
    if not losers:
        return _Resolved(merged, support, None, _confidence(support))
    # A contradicting source of the same rank means we do not know: leave it open.
    resolved = all(max(authority(c) for c in m) < top for _, m in losers)
    conflict = RoundConflict(
        round=round_,
        values=tuple((v, tuple(_evidence(c) for c in m)) for v, m in [(merged, support), *losers]),
        resolved=resolved,
    )
    if not resolved:
        return _Resolved(None, [], conflict, 0.0)
    return _Resolved(merged, support, conflict, round(_confidence(support) * _CONFLICT_FACTOR, 4))


def rulepack_allocator(election: Election) -> Allocate:
    """An ``allocate`` callable backed by the election's rule pack (``reconcile.rulepacks``).

    Returns None when a coin toss decides the unit or nothing is computable. For a
    satellite the delegates follow the attendance bands of the first alignment.
    """
    from shadowtally.reconcile.rulepacks import get_pack
    from shadowtally.reconcile.types import Alignment

    pack = get_pack(election.rule_pack)

    def allocate(precinct: Precinct, first: Mapping[str, int], final: Mapping[str, int]) -> Mapping[str, int] | None:
        if not pack.precinct_delegates:
            return None
        delegates = precinct.delegates
        if precinct.satellite:
            delegates = pack.satellite_delegates(sum(first.values())) or delegates
        try:
            outcome = pack.allocate(Alignment(delegates=delegates, first=dict(first), final=dict(final)))
        except ValueError:
            return None
        return None if outcome.coin_toss else dict(outcome.outcomes[0])

    return allocate


def _conflict_finding(county: str, precinct: str, c: RoundConflict) -> FindingRecord:
    values = [
        {"counts": dict(v), "claims": [e.claim_id for e in ev], "urls": [e.url for e in ev],
         "authors": [e.author for e in ev]}
        for v, ev in c.values
    ]
    how = "kept the higher-ranked source's numbers" if c.resolved else "left the round unknown"
    return FindingRecord(
        rule="shadow_conflict", severity="warning" if c.resolved else "error",
        county=county, precinct=precinct, subject=f"shadow:conflict|{county}|{precinct}|{c.round}",
        message=f"{len(values)} sources disagree on the {c.round} round of {county} / {precinct}; {how}",
        evidence={"round": c.round, "resolved": c.resolved, "values": values},
    )


def _build_precinct(
    county: str, name: str, claims: Sequence[ClaimRecord], unit: Precinct | None, allocate: Allocate | None,
    election: Election,
) -> tuple[ShadowPrecinct, list[FindingRecord]]:
    by_round: dict[str, list[ClaimRecord]] = {}
    for c in claims:
        by_round.setdefault(c.round, []).append(c)
    values: dict[str, dict[str, int | float] | None] = {r: None for r in ROUNDS}
    conf: dict[str, float] = {}
    sources: dict[str, tuple[Evidence, ...]] = {}
    conflicts: list[RoundConflict] = []
    findings: list[FindingRecord] = []
    for r in ROUNDS:
        if r not in by_round:
            continue
        res = _resolve(r, by_round[r])
        if res.conflict is not None:
            conflicts.append(res.conflict)
            findings.append(_conflict_finding(county, name, res.conflict))
        if res.value is not None:
            values[r] = res.value
            conf[r] = res.confidence
            sources[r] = tuple(_evidence(c) for c in sorted(res.support, key=lambda c: (c.created_at, c.claim_id)))
    derived: set[str] = set()
    if unit is not None:
        first, final = values["first"], values["final"]
        implied = (election.delegates_from_sde(unit, values["sde"])
                   if values["delegates"] is None and values["sde"] is not None else None)
        if implied is not None:
            values["delegates"] = implied
            derived.add("delegates")
            conf["delegates"] = round(conf["sde"] * _DERIVED_FACTOR, 4)
        if values["delegates"] is None and first and final and allocate is not None:
            alloc = allocate(unit, {k: int(v) for k, v in first.items()}, {k: int(v) for k, v in final.items()})
            if alloc is not None:
                values["delegates"] = {k: int(v) for k, v in alloc.items() if v}
                derived.add("delegates")
                conf["delegates"] = round(min(conf["first"], conf["final"]) * _DERIVED_FACTOR, 4)
        weighted = (election.sde_from_delegates(unit, values["delegates"])
                    if values["sde"] is None and values["delegates"] is not None else None)
        if weighted is not None:
            values["sde"] = weighted
            derived.add("sde")
            conf["sde"] = round(conf["delegates"] * _DERIVED_FACTOR, 4)
    sp = ShadowPrecinct(
        county=county, precinct=name,
        first={k: int(v) for k, v in values["first"].items()} if values["first"] is not None else None,
        final={k: int(v) for k, v in values["final"].items()} if values["final"] is not None else None,
        delegates={k: int(v) for k, v in values["delegates"].items()} if values["delegates"] is not None else None,
        sde={k: float(v) for k, v in values["sde"].items()} if values["sde"] is not None else None,
        derived=frozenset(derived),
        confidence=min(conf.values()) if conf else 0.0,
        round_confidence=conf, sources=sources, conflicts=tuple(conflicts),
        first_posted_at=min(c.created_at for c in claims),
    )
    return sp, findings


def build_shadow(
    claims: Iterable[ClaimRecord],
    election: Election,
    *,
    as_of: datetime | None = None,
    allocate: Allocate | None = None,
) -> ShadowTally:
    """The shadow tally from accepted claims, as known at ``as_of`` (None: everything).

    ``allocate`` derives delegates from first + final alignments (pass
    :func:`rulepack_allocator` for the election's rules); None disables that step.
    Claims without a precinct are ignored; claims for a precinct the election does
    not know are tallied without derivation and reported as an ``info`` finding.
    """
    with cyclic_gc_paused():
        return _build_shadow(claims, election, as_of, allocate)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a build or a reconciliation; restore its state after.

    The build allocates several objects per claim and keeps most of them (evidence,
    sources, precincts). With the collector on, a full pass over every tracked object
    in the process (the input claims included) ran each time the heap had grown by a
    quarter, and each pass costs more per object as the heap outgrows the CPU caches:
    that was the part of the build that grew faster than the claims (see BENCHMARKS.md,
    "Scaling to national size"). The build makes no reference cycles (frozen dataclasses,
    dicts, tuples), so the pause only postpones the collector: reference counting still
    frees garbage at once, and the next pass after the build sees everything. The
    collector is process-wide, so other threads' cycles also wait while a build runs;
    a caller that had disabled it finds it still disabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_shadow(claims: Iterable[ClaimRecord], election: Election, as_of: datetime | None,
                  allocate: Allocate | None) -> ShadowTally:
    grouped: dict[tuple[str, str], list[ClaimRecord]] = {}
    for c in claims:
        if c.county is None or c.precinct is None:
            continue
        if as_of is not None and c.created_at > as_of:
            continue
        if c.round not in ROUNDS:
            continue
        grouped.setdefault((c.county, c.precinct), []).append(c)
    precincts: dict[tuple[str, str], ShadowPrecinct] = {}
    findings: list[FindingRecord] = []
    for (county, name), group in sorted(grouped.items()):
        unit = election.precinct(county, name)
        if unit is None:
            findings.append(FindingRecord(
                rule="shadow_unknown_precinct", severity="info", county=county, precinct=name,
                subject=f"shadow:unknown|{county}|{name}",
                message=f"claims name {county} / {name}, which is not a unit of {election.slug}",
                evidence={"claims": sorted(c.claim_id for c in group)},
            ))
        sp, fs = _build_precinct(county, name, group, unit, allocate, election)
        findings.extend(fs)
        if sp.sources or sp.conflicts:
            precincts[sp.key] = sp
    return _totals(precincts, election, as_of, findings)


def _totals(
    precincts: dict[tuple[str, str], ShadowPrecinct], election: Election, as_of: datetime | None,
    findings: list[FindingRecord],
) -> ShadowTally:
    sde: dict[str, float] = {k: 0.0 for k in election.candidate_keys}
    first: dict[str, int] = {k: 0 for k in election.candidate_keys}
    final: dict[str, int] = {k: 0 for k in election.candidate_keys}
    covered_sde = 0.0
    with_sde = 0
    for sp in precincts.values():
        for src, dst in ((sp.first, first), (sp.final, final)):
            for k, v in (src or {}).items():
                dst[k] = dst.get(k, 0) + v
        if sp.sde is not None:
            with_sde += 1
            for k, v in sp.sde.items():
                sde[k] = sde.get(k, 0.0) + v
            unit = election.precinct(sp.county, sp.precinct)
            covered_sde += unit.sde if unit is not None else 0.0
    state_sde = sum(p.sde for p in election.precincts)
    return ShadowTally(
        as_of=as_of, precincts=precincts,
        sde={k: round(v, SDE_PLACES) for k, v in sde.items()}, first=first, final=final,
        precincts_posted=sum(1 for sp in precincts.values() if sp.sources),
        precincts_with_sde=with_sde,
        sde_share=round(covered_sde / state_sde, 6) if state_sde else 0.0,
        findings=tuple(findings),
    )
