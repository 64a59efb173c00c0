"""Checking an official release: every rule on every unit, plus the cross-precinct rule.

The IDP published first alignment, final alignment and SDE per group, not county
delegates; the delegates a group must have been awarded are implied as SDE ÷ the
SDE per delegate (exact integers when the report is self-consistent). For a regular
precinct that ratio is the county's; for a satellite it is the site's reported SDE ÷
its delegates, and whether the site's SDE matches its district pool is rule CM12.

Pure: it takes the bundled election definition and release rows, returns values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

from shadowtally.elections import Election, Precinct, ReleaseRow
from shadowtally.reconcile.rulepacks import RulePack, get_pack
from shadowtally.reconcile.rules import check_duplicates, check_result, unit_delegates
from shadowtally.reconcile.types import Finding, Result, Status, UnitCheck


def implied_delegates(sde: Mapping[str, float], ratio: float) -> dict[str, int]:
    """County delegates implied by published SDE: round(SDE / ratio) per group."""
    if ratio <= 0:
        return {g: 0 for g in sde}
    return {g: int(round(s / ratio)) for g, s in sde.items() if s}


def result_from_row(row: ReleaseRow, precinct: Precinct, pack: RulePack, source: str = "") -> Result:
    """Turn an official release row into a :class:`Result`, with implied delegates."""
    T = sum(row.first.values())
    if precinct.satellite:
        D = pack.satellite_delegates(T)
        site_sde = sum(row.sde.values())
        ratio = site_sde / D if D else 0.0
    else:
        D = precinct.delegates
        ratio = precinct.sde_ratio
    return Result(
        county=row.county, precinct=row.precinct, first=row.first, final=row.final,
        delegates=implied_delegates(row.sde, ratio), sde=row.sde, expected_delegates=D,
        sde_ratio=ratio or None, satellite=precinct.satellite, source=source,
    )


@dataclass(frozen=True)
class ReleaseCheck:
    """All unit verdicts of one release plus the cross-precinct findings."""

    label: str
    units: tuple[UnitCheck, ...]

    def counts(self) -> Counter[Status]:
        """How many units have each status."""
        return Counter(u.status for u in self.units)

    def findings(self) -> list[Finding]:
        """Every finding of every unit, in unit order."""
        return [f for u in self.units for f in u.findings]


def check_release(election: Election, rows: Iterable[ReleaseRow], label: str,
                  pack: RulePack | None = None) -> ReleaseCheck:
    """Run every rule on every unit of a release (per-unit and cross-precinct).

    Units whose numbers copy another unit's get a CM10 warning; the status is left to
    the per-unit rules, because a copied row can still be internally consistent.
    """
    pack = pack or get_pack(election.rule_pack)
    results: list[Result] = []
    checks: list[UnitCheck] = []
    source = f"release:{label}"
    satellite_sde = getattr(pack, "satellite_sde", None)
    for row in rows:
        precinct = election.precinct(row.county, row.precinct)
        if precinct is None:
            raise LookupError(f"release {label} has unknown unit {row.county} / {row.precinct}")
        result = result_from_row(row, precinct, pack, source)
        pool_sde = None
        if precinct.satellite and satellite_sde is not None and sum(row.first.values()):
            pool_sde = satellite_sde(precinct.county, sum(row.first.values()))
        results.append(result)
        checks.append(check_result(result, pack, satellite_sde=pool_sde))
    dup: dict[tuple[str, str], list[Finding]] = {}
    for f in check_duplicates(results):
        dup.setdefault((f.county, f.precinct), []).append(f)
    if dup:
        checks = [replace(c, findings=c.findings + tuple(dup[(c.county, c.precinct)]))
                  if (c.county, c.precinct) in dup else c for c in checks]
    return ReleaseCheck(label, tuple(checks))


def finding_subject(scope: str, f: Finding) -> str:
    """Stable key for a finding: scope, unit, and the group or kind it concerns."""
    parts = [scope, f.county, f.precinct]
    for key in ("group", "other", "kind", "missing"):
        if key in f.evidence:
            parts.append(str(f.evidence[key]))
    return "|".join(parts)


def unit_json(check: UnitCheck) -> dict[str, object]:
    """The JSON-lines contract of ``check-official --json``."""
    return {
        "county": check.county, "precinct": check.precinct, "status": check.status,
        "findings": [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in check.findings],
    }


def results_for_release(election: Election, rows: Sequence[ReleaseRow], pack: RulePack | None = None,
                        label: str = "") -> list[Result]:
    """The :class:`Result` of every row (for callers that run rules themselves)."""
    pack = pack or get_pack(election.rule_pack)
    out = []
    for row in rows:
        p = election.precinct(row.county, row.precinct)
        if p is None:
            raise LookupError(f"unknown unit {row.county} / {row.precinct}")
        out.append(result_from_row(row, p, pack, f"release:{label}"))
    return out


__all__ = ["ReleaseCheck", "check_release", "finding_subject", "implied_delegates", "result_from_row",
           "results_for_release", "unit_delegates", "unit_json"]
