"""The foundation commands: init, elections, precincts — output contract and handled errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shadowtally.app import cli

KEYS = {"county", "precinct", "code", "idp_id", "delegates", "sde", "satellite"}


def run(*args: str) -> "object":
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_init_twice_then_precincts_json(store_url: str) -> None:
    """init loads Iowa 2020 (twice is harmless); precincts --json prints 1,765 lines with the contract keys."""
    first = run("init", "--db", store_url)
    assert first.exit_code == 0, first.output
    assert "1765 units added" in first.stderr
    second = run("init", "--db", store_url, "--election", "iowa-2020")
    assert second.exit_code == 0 and "0 units added, 0 updated" in second.stderr
    out = run("precincts", "--db", store_url, "--json")
    assert out.exit_code == 0
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert len(lines) == 1765
    assert all(set(x) == KEYS for x in lines)
    ames = next(x for x in lines if x["precinct"] == "Ames 1-1")
    assert ames["county"] == "Story" and ames["delegates"] == 6 and ames["satellite"] is False
    assert sum(x["satellite"] for x in lines) == 87


def test_precincts_county_filter_and_csv(sqlite_url: str) -> None:
    """--county filters case-insensitively; --csv has a header and one row per unit."""
    run("init", "--db", sqlite_url)
    out = run("precincts", "--db", sqlite_url, "--county", "story", "--csv")
    rows = out.stdout.strip().splitlines()
    assert rows[0] == "county,precinct,code,idp_id,delegates,sde,satellite"
    assert len(rows) > 30 and all(r.startswith("Story,") for r in rows[1:])


@pytest.mark.parametrize(
    "args, message",
    [
        (["init", "--election", "ohio-2020"], "unknown election 'ohio-2020'"),
        (["precincts", "--county", "Atlantis"], "no county 'Atlantis'"),
        (["precincts", "--db", "mysql://root@localhost/x"], "unsupported database"),
        (["precincts", "--db", "postgresql://nobody@127.0.0.1:1/none"], "cannot open the database"),
    ],
)
def test_handled_errors_exit_1_with_next_step(sqlite_url: str, args: list[str], message: str) -> None:
    """Unknown election, unknown county, a malformed or unreachable database: exit 1, message and next step on stderr."""
    run("init", "--db", sqlite_url)
    if "--db" not in args:
        args = [*args, "--db", sqlite_url]
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.stderr and "Next step:" in result.stderr
    assert result.stdout == ""


def test_precincts_before_init_says_what_to_do(sqlite_url: str) -> None:
    """A store where the election was never loaded: exit 1 and the hint to run init."""
    result = run("precincts", "--db", sqlite_url)
    assert result.exit_code == 1 and "shadowtally init" in result.stderr


def test_console_script_default_db_in_working_directory(tmp_path: Path) -> None:
    """The installed `shadowtally` script creates shadowtally.db in the working directory by default."""
    exe = shutil.which("shadowtally") or str(Path(sys.executable).parent / "shadowtally")
    done = subprocess.run([exe, "init"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "shadowtally.db").is_file()
    assert "1,765" in done.stdout
    listed = subprocess.run([exe, "elections", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert json.loads(listed.stdout.splitlines()[0])["loaded"] is True
