"""The replay's truth stands on its own: nothing in replay/ imports the reconciler it grades.

Case: ``Scenario.expected`` once compared posts with releases through
``reconcile.compare.differs``/``official_field``, so a tolerance bug in the reconciler
moved the truth with it and could never lower the demo's recall.
"""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from shadowtally.elections import ReleaseRow
from shadowtally.replay.oracle import (SDE_TOLERANCE, AcceptedClaim, disagrees, field_discrepancy,
                                       implied_delegates, official_numbers)

REPLAY = Path(__file__).resolve().parents[2] / "replay"
FORBIDDEN = "shadowtally.reconcile"


def _reconcile_imports(path: Path) -> list[str]:
    """Every import in ``path`` that reaches ``shadowtally.reconcile`` (absolute or relative)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: replay's parent is the shadowtally namespace
                base = "shadowtally" if node.level == 2 else "shadowtally.replay"
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names = [module] + [f"{module}.{a.name}" for a in node.names]
        else:
            continue
        found += [f"{path.name}:{node.lineno} {n}" for n in names
                  if n == FORBIDDEN or n.startswith(FORBIDDEN + ".") or n in ("reconcile",)
                  or n.startswith("reconcile.")]
    return found


def test_no_module_in_replay_imports_the_reconciler() -> None:
    files = sorted(REPLAY.rglob("*.py"))
    assert {p.name for p in files} >= {"scenario.py", "oracle.py", "truth.py"}
    wrong = [hit for p in files for hit in _reconcile_imports(p)]
    assert not wrong, "\n".join(wrong)


def _row(first=None, final=None, sde=None) -> ReleaseRow:
    return ReleaseRow(county="Story", precinct="Ames 1-1", first=first or {}, final=final or {}, sde=sde or {})


def test_one_vote_off_is_a_discrepancy() -> None:
    row = _row(first={"Warren": 68, "Biden": 30, "Steyer": 0}, final={"Warren": 82, "Biden": 31})
    assert field_discrepancy("first", {"Warren": 69, "Biden": 30}, official_numbers(row, "first", 0.415)) \
        == {"Warren": (69, 68)}
    assert field_discrepancy("final", {"Biden": 30}, official_numbers(row, "final", 0.415)) == {"Biden": (30, 31)}
    # a group the post names and the release lacks counts as 0 there; groups the post omits are not compared
    assert field_discrepancy("final", {"Klobuchar": 1}, official_numbers(row, "final", 0.415)) \
        == {"Klobuchar": (1, 0)}
    assert field_discrepancy("first", {"Warren": 68}, official_numbers(row, "first", 0.415)) == {}
    assert disagrees("delegates", 3, 2) and not disagrees("delegates", 2, 2)


def test_sde_within_tolerance_is_not_a_discrepancy() -> None:
    assert 0 < SDE_TOLERANCE < 0.01  # below a hundredth: the smallest regular-precinct delegate moves more
    row = _row(sde={"Warren": 0.8300, "Biden": 0.4150})
    official = official_numbers(row, "sde", 0.415)
    assert field_discrepancy("sde", {"Warren": 0.8330, "Biden": 0.4150}, official) == {}   # 0.0030 apart
    assert field_discrepancy("sde", {"Warren": 0.8350}, official) == {}                    # exactly the tolerance
    assert field_discrepancy("sde", {"Warren": 0.8351}, official) == {"Warren": (0.8351, 0.83)}
    assert field_discrepancy("sde", {"Biden": 0.8300}, official) == {"Biden": (0.83, 0.415)}  # one delegate moved


def test_delegates_are_implied_from_sde() -> None:
    row = _row(sde={"Warren": 0.8300, "Biden": 0.4150, "Steyer": 0.0})
    assert official_numbers(row, "delegates", 0.415) == {"Warren": 2, "Biden": 1}
    assert field_discrepancy("delegates", {"Warren": 2, "Biden": 2}, official_numbers(row, "delegates", 0.415)) \
        == {"Biden": (2, 1)}
    # 4-decimal rounding of SDE still gives whole delegates (Adair: 2 CD × 4/51 → 0.1569)
    assert implied_delegates({"Sanders": 0.1569}, 4 / 51) == {"Sanders": 2}
    assert implied_delegates({"Sanders": 0.1569}, 0.0) == {}
    assert official_numbers(row, "delegates", None) == {}
    with pytest.raises(ValueError):
        official_numbers(row, "viable", 0.415)


def test_accepted_claims_carry_what_the_shadow_build_reads() -> None:
    """The oracle's claim type mirrors the reconciler's input record (the tests may import both)."""
    from shadowtally.reconcile.shadow import ClaimRecord

    assert [(f.name, f.default) for f in fields(AcceptedClaim)] == [(f.name, f.default) for f in fields(ClaimRecord)]
