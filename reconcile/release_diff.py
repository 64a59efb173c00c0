"""What changed between two official releases (62% → 71% → … → 100% → certified).

Pure: two sequences of :class:`elections.ReleaseRow` in, a frozen :class:`ReleaseDiff`
out. Units are keyed by (county, precinct). A changed unit lists, per field and per
candidate, the value before and after; SDE compare at 4 decimals, the precision the
IDP published, so float noise is not a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from shadowtally.elections import ReleaseRow

__all__ = ["ReleaseDiff", "UnitChange", "diff_releases"]

_FIELDS = ("first", "final", "sde")


@dataclass(frozen=True)
class UnitChange:
    """One unit in both releases whose numbers moved: field → candidate → (before, after)."""

    county: str
    precinct: str
    fields: dict[str, dict[str, tuple[int | float, int | float]]]

    @property
    def key(self) -> tuple[str, str]:
        return (self.county, self.precinct)


@dataclass(frozen=True)
class ReleaseDiff:
    """Units added, removed and changed from release ``a`` to release ``b`` (sorted keys)."""

    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]
    changed: tuple[UnitChange, ...]
    unchanged: int

    def sde_delta(self) -> dict[str, float]:
        """Net SDE change per candidate over the changed units (added units not included)."""
        out: dict[str, float] = {}
        for ch in self.changed:
            for cand, (before, after) in ch.fields.get("sde", {}).items():
                out[cand] = round(out.get(cand, 0.0) + float(after) - float(before), 4)
        return out


def _field_changes(field: str, a: Mapping[str, int | float], b: Mapping[str, int | float]) -> dict[str, tuple[int | float, int | float]]:
    out: dict[str, tuple[int | float, int | float]] = {}
    for cand in sorted(set(a) | set(b)):
        before, after = a.get(cand, 0), b.get(cand, 0)
        same = round(float(before), 4) == round(float(after), 4) if field == "sde" else before == after
        if not same:
            out[cand] = (before, after)
    return out


def diff_releases(a_rows: Sequence[ReleaseRow], b_rows: Sequence[ReleaseRow]) -> ReleaseDiff:
    """Compare release ``a`` (earlier) with ``b`` (later)."""
    a = {(r.county, r.precinct): r for r in a_rows}
    b = {(r.county, r.precinct): r for r in b_rows}
    changed: list[UnitChange] = []
    unchanged = 0
    for key in sorted(a.keys() & b.keys()):
        fields = {}
        for f in _FIELDS:
            ch = _field_changes(f, getattr(a[key], f), getattr(b[key], f))
            if ch:
                fields[f] = ch
        if fields:
            changed.append(UnitChange(key[0], key[1], fields))
        else:
            unchanged += 1
    return ReleaseDiff(
        added=tuple(sorted(b.keys() - a.keys())), removed=tuple(sorted(a.keys() - b.keys())),
        changed=tuple(changed), unchanged=unchanged,
    )
