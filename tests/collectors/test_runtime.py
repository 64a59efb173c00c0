"""The runtime that `shadowtally run` builds: registered accounts reach the parser, the
store records their roles, and `reparse` reproduces what the live hand-off stored.

Cases:
- a registered secretary's post that names no precinct: `run` (and `collect --once`)
  attribute it to the account's precinct, from the config alone (failed before the
  runtime: only the demo gave the parser its accounts);
- the same store reparsed: the claims are exactly the ones the live hand-off stored.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from click.testing import CliRunner
from collect_helpers import TOKEN
from sqlmodel import select

from shadowtally.app import cli
from shadowtally.simulator import SimServer
from shadowtally.simulator.scenario import Scenario, SimAccount, SimClock, SimPost
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.models import Account, Claim, Post

# The seed post of the project, as the Story County secretary wrote it: no precinct named.
SEED = "First Alignment: Sanders 111, Warren 82, Buttigieg 47 / Delegates: Sanders 2, Warren 2, Buttigieg 2"
THREAD = ("Bremer County results thread 🧵", "1/2 first alignment: Buttigieg 30, Biden 21, Sanders 12, Warren 9")


@pytest.fixture
def secretary_sim() -> Iterator[SimServer]:
    accs = [SimAccount("ShawnShouse", "30001", "Ames 1-1 secretary"), SimAccount("bremerwatch", "30002", "watcher")]
    posts = [SimPost("1224500000000000301", "ShawnShouse", SEED, 10.0),
             SimPost("1224500000000000401", "bremerwatch", THREAD[0], 12.0),
             SimPost("1224500000000000402", "bremerwatch", THREAD[1], 14.0, reply_to="1224500000000000401")]
    with SimServer(Scenario(accs, posts, []), clock=SimClock(fixed=float("inf")), bearer_token=TOKEN) as server:
        yield server


def _config(tmp_path, sim: SimServer) -> str:
    cfg = tmp_path / "shadowtally.toml"
    cfg.write_text(f'x_api_url = "{sim.url}"\n'
                   '[[source]]\nkind = "x_account"\nhandle = "ShawnShouse"\nprecinct = "Story/Ames 1-1"\n'
                   'role = "secretary"\ninterval = 1\n'
                   '[[source]]\nkind = "x_account"\nhandle = "bremerwatch"\ninterval = 1\n')
    return str(cfg)


def _claims(db: str) -> list[tuple[str, str | None, str | None, str, dict, str]]:
    with session_scope(open_store(db)) as s:
        rows = s.exec(select(Post.external_id, Claim.county, Claim.precinct, Claim.round, Claim.counts, Claim.status)
                      .join(Post, Claim.post_id == Post.id).order_by(Post.external_id, Claim.round))
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("command", [["run", "--for", "4"], ["collect", "--once"]])
def test_run_gives_the_parser_the_registered_accounts(secretary_sim, tmp_path, monkeypatch, command):
    monkeypatch.setenv("SHADOWTALLY_X_BEARER_TOKEN", TOKEN)
    db = f"sqlite:///{tmp_path / 'run.db'}"
    r = CliRunner().invoke(cli, [*command, "--config", _config(tmp_path, secretary_sim), "--db", db])
    assert r.exit_code == 0, r.output
    seed = [c for c in _claims(db) if c[0] == "1224500000000000301"]
    assert {(c[1], c[2], c[3]) for c in seed} == {("Story", "Ames 1-1", "first"), ("Story", "Ames 1-1", "delegates")}
    assert {c[3]: c[4] for c in seed}["first"] == {"Sanders": 111, "Warren": 82, "Buttigieg": 47}
    with session_scope(open_store(db)) as s:
        acc = s.get(Account, "shawnshouse")
        assert acc is not None and (acc.role, acc.registered, acc.precinct) == ("secretary", True, "Ames 1-1")


def test_reparse_reproduces_what_the_live_hand_off_stored(secretary_sim, tmp_path, monkeypatch):
    monkeypatch.setenv("SHADOWTALLY_X_BEARER_TOKEN", TOKEN)
    db = f"sqlite:///{tmp_path / 'run.db'}"
    r = CliRunner().invoke(cli, ["collect", "--once", "--config", _config(tmp_path, secretary_sim), "--db", db])
    assert r.exit_code == 0, r.output
    live = _claims(db)
    assert any(c[0] == "1224500000000000402" for c in live), "the thread's reply was parsed live"
    # No accounts file: reparse reads the registered accounts the run wrote to the store.
    r = CliRunner().invoke(cli, ["reparse", "--db", db])
    assert r.exit_code == 0, r.output
    assert _claims(db) == live
