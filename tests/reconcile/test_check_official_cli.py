"""``shadowtally check-official``: the JSON-lines contract, the summary, and the store."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from sqlmodel import select

from shadowtally.app import cli
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.models import Finding


def test_json_contract_one_line_per_unit(tmp_path: Path) -> None:
    """--json prints 1,765 lines with county, precinct, status and findings (rule, severity, message)."""
    db = str(tmp_path / "st.db")
    result = CliRunner().invoke(cli, ["check-official", "--release", "100pct", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1765
    assert all(set(r) == {"county", "precinct", "status", "findings"} for r in lines)
    assert Counter(r["status"] for r in lines) == {"consistent": 1498, "coin_toss": 123, "inconsistent": 139,
                                                   "not_checkable": 5}
    assert all(set(f) == {"rule", "severity", "message"} for r in lines for f in r["findings"])
    hardin = [r for r in lines if r["county"] == "Hardin" and r["precinct"] == "Hardin/Ellis/Jackson"]  # code HA, Iowa Falls coin toss
    assert hardin and hardin[0]["status"] == "coin_toss"


def test_findings_recorded_and_resolved_idempotently(tmp_path: Path) -> None:
    """Findings go to the store; a re-run changes nothing; a release's findings are scoped to it."""
    db = str(tmp_path / "st.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["check-official", "--release", "100pct", "--db", db]).exit_code == 0
    engine = open_store(db)
    with session_scope(engine) as s:
        first = s.exec(select(Finding)).all()
        assert first and all(f.subject.startswith("release:100pct|") for f in first)
        n = len(first)
    again = runner.invoke(cli, ["check-official", "--release", "100pct", "--db", db])
    assert again.exit_code == 0 and "0 new" in again.stderr and f"{n:,} unchanged" in again.stderr.replace("\n", " ")
    assert runner.invoke(cli, ["check-official", "--release", "certified", "--db", db]).exit_code == 0
    with session_scope(engine) as s:
        rows = s.exec(select(Finding)).all()
        assert sum(f.subject.startswith("release:100pct|") and not f.resolved for f in rows) == n


def test_table_summary_and_unknown_release(tmp_path: Path) -> None:
    """Table mode prints the status counts; an unknown release exits 1 with a next step."""
    db = str(tmp_path / "st.db")
    runner = CliRunner()
    ok = runner.invoke(cli, ["check-official", "--release", "certified", "--db", db])
    assert ok.exit_code == 0 and "1,539" in ok.stdout and "CM06 math_mismatch" in ok.stdout
    bad = runner.invoke(cli, ["check-official", "--release", "99pct", "--db", db])
    assert bad.exit_code == 1 and "no release '99pct'" in bad.stderr and "Next step" in bad.stderr
