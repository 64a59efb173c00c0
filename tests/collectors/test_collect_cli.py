"""The contract commands, run as a user would: collect --once, posts --json, releases --json, sources."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from collect_helpers import ROOT, TOKEN
from click.testing import CliRunner
from sqlmodel import func, select

from shadowtally.app import cli
from shadowtally.simulator import Scenario, SimServer
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.models import Post

CLI = [sys.executable, "-c", "from shadowtally.app import main; main()"]


def _config(tmp_path: Path, sim: SimServer, scenario: Scenario, extra: str = "") -> Path:
    feed = scenario.handles("mastodon")[0]
    lines = [f'x_api_url = "{sim.url}"', extra]
    for h in scenario.handles():
        lines.append(f'[[source]]\nkind = "x_account"\nhandle = "{h}"\nrole = "secretary"\ninterval = 30')
    lines.append(f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{feed}.rss"\nprecinct = "Polk/DES MOINES-80"')
    lines.append(f'[[source]]\nkind = "official"\nurl = "{sim.url}/idp/long.csv?label=62pct"')
    path = tmp_path / "shadowtally.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_collect_once_then_posts_and_releases_json(sim, scenario, tmp_path, monkeypatch):
    cfg = _config(tmp_path, sim, scenario)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("SHADOWTALLY_X_BEARER_TOKEN", TOKEN)
    runner = CliRunner()
    r = runner.invoke(cli, ["collect", "--once", "--config", str(cfg), "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["posts", "--json", "--db", db])
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    x = [row for row in rows if row["platform"] == "x"]
    assert {row["external_id"] for row in x} == scenario.expected_posts("x")
    assert set(rows[0]) >= {"platform", "external_id", "author", "url", "created_at", "text"}
    assert any(row["platform"] == "mastodon" for row in rows)
    r = runner.invoke(cli, ["releases", "--json", "--db", db])
    [rel] = [json.loads(line) for line in r.stdout.splitlines()]
    assert rel["label"] == "62pct" and rel["row_count"] == 1099 * 14 and len(rel["hash"]) == 64 and rel["fetched_at"]
    r = runner.invoke(cli, ["sources", "--json", "--config", str(cfg), "--db", db])
    health = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(health) == len(scenario.handles()) + 2
    assert all(h["last_success"] for h in health)
    assert all(h["rate_remaining"] is not None for h in health if h["kind"] == "x_account")


def test_collect_exits_non_zero_only_when_every_source_failed(sim, scenario, tmp_path, monkeypatch):
    cfg = _config(tmp_path, sim, scenario, extra="retry_base = 0.01")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("SHADOWTALLY_X_BEARER_TOKEN", TOKEN)
    sim.faults.add("500", "/2/", times=None)
    runner = CliRunner()
    r = runner.invoke(cli, ["collect", "--once", "--config", str(cfg), "--db", db])
    assert r.exit_code == 0, "the feed and the release still worked"
    sim.faults.add("500", "/", times=None)
    r = runner.invoke(cli, ["collect", "--once", "--config", str(cfg), "--db", db])
    assert r.exit_code == 1 and "every source failed" in r.output


def test_no_token_says_so_once_and_runs_the_rest(sim, scenario, tmp_path):
    cfg = _config(tmp_path, sim, scenario)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    r = CliRunner().invoke(cli, ["collect", "--once", "--config", str(cfg), "--db", db])
    assert r.exit_code == 0
    assert r.output.count("SHADOWTALLY_X_BEARER_TOKEN is not set") == 1
    assert "1 release(s)" in r.output


def test_sources_add_writes_the_toml_and_lists_it(tmp_path):
    cfg = tmp_path / "shadowtally.toml"
    db = f"sqlite:///{tmp_path / 'c.db'}"
    runner = CliRunner()
    r = runner.invoke(cli, ["sources", "add", "x_account", "@PolkDems", "--precinct", "Polk/DES MOINES-80",
                            "--role", "chair", "--interval", "45", "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["sources", "add", "feed", "https://mastodon.social/@iowa.rss", "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["sources", "add", "x_search", "x" * 600, "--config", str(cfg)])
    assert r.exit_code == 1 and "limit is 512" in r.output
    r = runner.invoke(cli, ["sources", "--json", "--config", str(cfg), "--db", db])
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["kind"], x["locator"], x["platform"]) for x in rows] == [
        ("x_account", "PolkDems", "x"), ("feed", "https://mastodon.social/@iowa.rss", "mastodon")]
    assert rows[0]["precinct"] == "Polk/DES MOINES-80" and rows[0]["interval"] == 45 and rows[0]["role"] == "chair"


def test_kill_9_mid_run_then_restart_loses_and_duplicates_nothing(tmp_path):
    """Fault: kill -9 of `shadowtally collect --once` mid-run; a restart completes with every post once."""
    scenario = Scenario.generate(accounts=25, posts=2500, duration=3600, seed=99, feed_accounts=1)
    with SimServer(scenario, bearer_token=TOKEN) as sim:
        sim.faults.page_delay = 0.03
        cfg = _config(tmp_path, sim, scenario, extra="x_page_size = 20")
        db = f"sqlite:///{tmp_path / 'kill.db'}"
        env = dict(os.environ, PYTHONPATH=str(ROOT), SHADOWTALLY_X_BEARER_TOKEN=TOKEN)
        args = CLI + ["collect", "--once", "--config", str(cfg), "--db", db]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while sim.count("/2/users/") < 60 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the pass finished before it could be killed; slow the simulator down"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        engine = open_store(db)
        with session_scope(engine) as s:
            partial = s.exec(select(func.count()).select_from(Post).where(Post.platform == "x")).one()
        assert 0 < partial < len(scenario.expected_posts("x")), "killed mid-run: some stored, not all"
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
    with session_scope(engine) as s:
        rows = list(s.exec(select(Post.external_id, Post.author, Post.text).where(Post.platform == "x")))
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)) == len(scenario.expected_posts("x"))
    assert set(ids) == scenario.expected_posts("x")
    assert len({(r[1], r[2]) for r in rows}) == len(rows), "no post stored twice under two ids"
