"""Reconcile the shadow tally with one official release, precinct by precinct.

Every unit in either the shadow tally or the release gets one status:

* ``match``: every round both sides have agrees (only candidates a post named are
  compared: posts omit groups, they do not say they were zero);
* ``mismatch``: one or more fields differ, each with the shadow and official numbers,
  the claims (ids and URLs) behind the shadow side and the release row;
* ``social_only``: posted publicly but missing from the release, an official gap,
  with the hours it has been missing (from the first post to ``as_of`` or, without
  it, to the release's publication time);
* ``official_only``: in the release, never posted;
* ``unresolved``: posted, but every posted round is an open conflict between equally
  ranked sources, so there is nothing to compare (the conflict has its own finding).

A posted first-alignment number that differs from the release but equals the
release's *final* alignment for that group is a **round mix-up** in the post, not a
discrepancy in the release: the seed post's "First Alignment: … Warren 82" is Warren's
final count at Ames 1-1 (first 68, final 82). It is read so only when the release's
final exceeds its first for the group (members of a viable group cannot leave, so a
true final is at least the first), the posts behind the first alignment state no final
alignment themselves (a post that gives both rounds has kept them apart), and no post
gives that group another final count. Such numbers are kept apart
(``PrecinctRecon.mixups``, an ``info`` finding ``post_round_mixup``) and do not make a
mismatch on their own. The price: an error in the release that lowers a group's first
count, where its true first and final were equal, reads as a mix-up too (the post
cannot tell them apart). Only this direction is read as a mix-up: the reverse would
hide real recanvass changes to final counts.

Official delegates are implied as ``round(SDE / sde_ratio)``, the only way to get
them since the IDP published SDE, not county delegates.

Findings have subjects ``recon:<label>|<county>|<precinct>|<field>`` (field is
``first``/``final``/``delegates``/``sde`` or ``gap``), stable across runs, so storing
them is idempotent. ``Reconciliation.scope`` is the prefix of every subject this run
can produce: a stored open finding under that prefix that is not in ``findings``
has stopped holding and can be resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Iterable, Literal, Mapping, Sequence

from shadowtally.elections import ROUNDS, Election, ReleaseInfo, ReleaseRow
from shadowtally.reconcile.official import implied_delegates as official_implied
from shadowtally.reconcile.shadow import Evidence, FindingRecord, ShadowPrecinct, ShadowTally, cyclic_gc_paused

__all__ = [
    "FieldDiff", "PrecinctRecon", "Reconciliation", "Status", "STATUSES", "SDE_TOLERANCE",
    "differs", "first_release_lags", "implied_delegates", "official_field", "reconcile",
]

Status = Literal["match", "mismatch", "social_only", "official_only", "unresolved"]
STATUSES: tuple[str, ...] = ("match", "mismatch", "social_only", "official_only", "unresolved")
FIELDS: tuple[str, ...] = ROUNDS  # every round; an election compares those it reports (Election.rounds)
# SDE are published to 4 decimals, and shadow SDE derived from delegates × ratio can
# differ from the IDP's rounding in the last place; a real error moves a whole
# delegate's worth (>= 0.01 SDE anywhere in Iowa).
SDE_TOLERANCE = 0.0051


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs: per candidate (shadow, official); ``derived`` if the shadow side was computed."""

    field: str
    candidates: dict[str, tuple[int | float | None, int | float]]
    derived: bool
    claims: tuple[Evidence, ...]


@dataclass(frozen=True)
class PrecinctRecon:
    """The verdict for one unit against one release."""

    county: str
    precinct: str
    status: Status
    compared: tuple[str, ...] = ()
    diffs: tuple[FieldDiff, ...] = ()
    release_row: ReleaseRow | None = None
    first_posted_at: datetime | None = None
    hours_missing: float | None = None
    lag: timedelta | None = None
    mixups: tuple[FieldDiff, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.county, self.precinct)


@dataclass(frozen=True)
class Reconciliation:
    """The shadow tally against one release: per-unit verdicts, lags, totals and findings."""

    label: str
    published_at: datetime
    as_of: datetime
    precincts: dict[tuple[str, str], PrecinctRecon]
    counts: dict[str, int]
    median_lag: timedelta | None
    official_sde: dict[str, float]
    official_first: dict[str, int]
    official_final: dict[str, int]
    findings: tuple[FindingRecord, ...] = field(default_factory=tuple)

    @property
    def scope(self) -> str:
        """Subject prefix owned by this release's reconciliation findings."""
        return f"recon:{self.label}|"

    def by_status(self, status: str) -> list[PrecinctRecon]:
        return [p for p in self.precincts.values() if p.status == status]


def implied_delegates(row: ReleaseRow, sde_ratio: float) -> dict[str, int]:
    """County delegates the release implies: round(SDE / ratio), zeros dropped."""
    return {k: v for k, v in official_implied(row.sde, sde_ratio).items() if v}


def official_field(row: ReleaseRow, field_: str, ratio: float | None) -> Mapping[str, int | float] | None:
    """One field of a release row; delegates are implied from SDE, and None without a ratio."""
    if field_ == "delegates":
        return implied_delegates(row, ratio) if ratio else None
    return getattr(row, field_)  # type: ignore[no-any-return]


def differs(field_: str, a: int | float | None, b: int | float) -> bool:
    """Whether a shadow value and an official value disagree (SDE within its rounding tolerance)."""
    if a is None:
        return b != 0
    if field_ == "sde":
        return abs(float(a) - float(b)) > SDE_TOLERANCE
    return int(a) != int(b)


_OTHER_ROUND = {"first": "final"}


def _compare_field(sp: ShadowPrecinct, field_: str, official: Mapping[str, int | float],
                   row: ReleaseRow) -> tuple[FieldDiff | None, FieldDiff | None]:
    """(the field's differences, the posted numbers among them that are round mix-ups)."""
    shadow = sp.round(field_)
    assert shadow is not None
    derived = field_ in sp.derived
    # Posted rounds: only the groups the post named. Derived delegates/SDE come from
    # the math over the whole alignment, so a group with official delegates but none
    # derived is a real difference there.
    keys = set(shadow) | ({k for k, v in official.items() if v} if derived else set())
    diff = {
        k: (shadow.get(k), official.get(k, 0))
        for k in sorted(keys) if differs(field_, shadow.get(k), official.get(k, 0))
    }
    mixed: dict[str, tuple[int | float | None, int | float]] = {}
    other = _OTHER_ROUND.get(field_)
    behind = {e.post_id for e in sp.sources.get(field_, ())}
    if other is not None and not derived and not behind & {e.post_id for e in sp.sources.get(other, ())}:
        posted_other = sp.round(other) or {}
        official_other: Mapping[str, int | float] = getattr(row, other)
        first_total, final_total = sum(official.values()), sum(official_other.values())
        for k, (s, o) in list(diff.items()):
            # Members of a group viable at first alignment cannot leave it, so a true final
            # count is at least the first: a posted "first" above the official first that
            # equals the official final is the final count. Below it, it is a real difference.
            if s is None or posted_other.get(k, s) != s or s != official_other.get(k, 0) or s <= o:
                continue
            # Unless the release's own row is short by exactly that many people: its final
            # alignment then holds more people than its first (no one may join after the
            # first count), and the posted number makes the two totals agree, so the
            # release lost them from its first count (Chickasaw Bradford, Biden 13 -> 3). One
            # person is not enough to say so: the real 2020 rows often have a final one
            # person over the first, and a mix-up post that happens to repair it is common.
            if final_total > first_total and first_total - o + s == final_total and s - o > 1:
                continue
            mixed[k] = diff.pop(k)
    evidence = sp.sources.get(field_, ()) if not derived else _inputs(sp)
    return (FieldDiff(field_, diff, derived, evidence) if diff else None,
            FieldDiff(field_, mixed, derived, evidence) if mixed else None)


def _inputs(sp: ShadowPrecinct) -> tuple[Evidence, ...]:
    seen: dict[int, Evidence] = {}
    for evs in sp.sources.values():
        for e in evs:
            seen.setdefault(e.claim_id, e)
    return tuple(sorted(seen.values(), key=lambda e: (e.created_at, e.claim_id)))


def _row_dict(row: ReleaseRow) -> dict[str, object]:
    def nz(d: Mapping[str, int | float]) -> dict[str, int | float]:
        return {k: v for k, v in d.items() if v}
    return {"county": row.county, "precinct": row.precinct, "first": nz(row.first), "final": nz(row.final),
            "sde": nz(row.sde)}


def _diff_finding(label: str, pr: PrecinctRecon, d: FieldDiff) -> FindingRecord:
    assert pr.release_row is not None
    what = "derived " if d.derived else ""
    names = ", ".join(f"{k} {s if s is not None else '–'} vs {o}" for k, (s, o) in d.candidates.items())
    return FindingRecord(
        rule="recon_mismatch", severity="warning" if d.derived else "error",
        county=pr.county, precinct=pr.precinct, subject=f"recon:{label}|{pr.county}|{pr.precinct}|{d.field}",
        message=f"{pr.county} / {pr.precinct}: {what}{d.field} differs from release {label} (shadow vs official: {names})",
        evidence={
            "release": label, "field": d.field, "derived": d.derived,
            "candidates": {k: {"shadow": s, "official": o} for k, (s, o) in d.candidates.items()},
            "claims": [e.claim_id for e in d.claims], "urls": [e.url for e in d.claims],
            "release_row": _row_dict(pr.release_row),
        },
    )


def _mixup_finding(label: str, pr: PrecinctRecon, d: FieldDiff) -> FindingRecord:
    assert pr.release_row is not None
    other = _OTHER_ROUND[d.field]
    names = ", ".join(f"{k} {s}" for k, (s, _) in d.candidates.items())
    return FindingRecord(
        rule="post_round_mixup", severity="info", county=pr.county, precinct=pr.precinct,
        subject=f"recon:{label}|{pr.county}|{pr.precinct}|{d.field}-mixup",
        message=(f"{pr.county} / {pr.precinct}: the posted {d.field} alignment ({names}) equals the {other} "
                 f"alignment of release {label}; the post likely mixed rounds"),
        evidence={
            "release": label, "field": d.field, "other_round": other,
            "candidates": {k: {"posted": s, "official": o, f"official_{other}": getattr(pr.release_row, other).get(k, 0)}
                           for k, (s, o) in d.candidates.items()},
            "claims": [e.claim_id for e in d.claims], "urls": [e.url for e in d.claims],
            "release_row": _row_dict(pr.release_row),
        },
    )


def _gap_finding(label: str, pr: PrecinctRecon, sp: ShadowPrecinct) -> FindingRecord:
    evs = _inputs(sp)
    return FindingRecord(
        rule="recon_gap", severity="warning", county=pr.county, precinct=pr.precinct,
        subject=f"recon:{label}|{pr.county}|{pr.precinct}|gap",
        message=(f"{pr.county} / {pr.precinct} was posted publicly but is missing from release {label} "
                 f"({pr.hours_missing:.1f} h since the first post)"),
        evidence={
            "release": label, "hours_missing": pr.hours_missing,
            "first_posted_at": pr.first_posted_at.isoformat() if pr.first_posted_at else None,
            "claims": [e.claim_id for e in evs], "urls": [e.url for e in evs],
        },
    )


def reconcile(
    shadow: ShadowTally,
    release_rows: Sequence[ReleaseRow],
    release: ReleaseInfo,
    election: Election,
    *,
    as_of: datetime | None = None,
) -> Reconciliation:
    """Compare ``shadow`` with one release; ``as_of`` (default: the release time) dates the gaps."""
    # Like the build, the comparison makes no reference cycles; the collector's full passes
    # over a national-size heap were most of its time (BENCHMARKS.md, scaling).
    with cyclic_gc_paused():
        return _reconcile(shadow, release_rows, release, election, as_of)


def _reconcile(shadow: ShadowTally, release_rows: Sequence[ReleaseRow], release: ReleaseInfo, election: Election,
               as_of: datetime | None) -> Reconciliation:
    ref = as_of if as_of is not None else release.published_at
    rows = {(r.county, r.precinct): r for r in release_rows}
    out: dict[tuple[str, str], PrecinctRecon] = {}
    findings: list[FindingRecord] = []
    for key in sorted(set(rows) | set(shadow.precincts)):
        sp, row = shadow.precincts.get(key), rows.get(key)
        if sp is None:
            assert row is not None
            out[key] = PrecinctRecon(key[0], key[1], "official_only", release_row=row)
            continue
        if row is None:
            hours = max(0.0, (ref - sp.first_posted_at).total_seconds() / 3600) if sp.first_posted_at else None
            pr = PrecinctRecon(key[0], key[1], "social_only", first_posted_at=sp.first_posted_at,
                               hours_missing=round(hours, 2) if hours is not None else None)
            out[key] = pr
            findings.append(_gap_finding(release.label, pr, sp))
            continue
        unit = election.precinct(*key)
        ratio = unit.sde_ratio if unit is not None else None
        compared: list[str] = []
        diffs: list[FieldDiff] = []
        mixups: list[FieldDiff] = []
        for f in election.rounds:
            official = official_field(row, f, ratio)
            if sp.round(f) is None or official is None:
                continue
            compared.append(f)
            d, m = _compare_field(sp, f, official, row)
            if d is not None:
                diffs.append(d)
            if m is not None:
                mixups.append(m)
        lag = release.published_at - sp.first_posted_at if sp.first_posted_at else None
        status: Status = "unresolved" if not compared else ("mismatch" if diffs else "match")
        pr = PrecinctRecon(key[0], key[1], status, tuple(compared), tuple(diffs), row, sp.first_posted_at, None, lag,
                           tuple(mixups))
        out[key] = pr
        findings.extend(_diff_finding(release.label, pr, d) for d in diffs)
        findings.extend(_mixup_finding(release.label, pr, m) for m in mixups)
    counts = {s: 0 for s in STATUSES}
    for pr in out.values():
        counts[pr.status] += 1
    lags = [pr.lag for pr in out.values() if pr.lag is not None]
    return Reconciliation(
        label=release.label, published_at=release.published_at, as_of=ref, precincts=out, counts=counts,
        median_lag=median(lags) if lags else None,
        official_sde={k: round(sum(r.sde.get(k, 0.0) for r in release_rows), 4) for k in election.candidate_keys},
        official_first={k: sum(r.first.get(k, 0) for r in release_rows) for k in election.candidate_keys},
        official_final={k: sum(r.final.get(k, 0) for r in release_rows) for k in election.candidate_keys},
        findings=tuple(findings),
    )


def first_release_lags(recons: Iterable[Reconciliation]) -> dict[tuple[str, str], timedelta]:
    """Per posted unit: time from its first social post to the first release that carried it."""
    best: dict[tuple[str, str], tuple[datetime, timedelta]] = {}
    for rec in recons:
        for key, pr in rec.precincts.items():
            if pr.lag is None:
                continue
            if key not in best or rec.published_at < best[key][0]:
                best[key] = (rec.published_at, pr.lag)
    return {k: v[1] for k, v in best.items()}
