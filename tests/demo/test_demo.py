"""The caucus-night replay: mapping onto the simulator, the scoring, and one short end-to-end run."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from shadowtally import elections
from shadowtally import replay
from shadowtally.app import cli
from shadowtally.services.demo import DemoConfig, detection, run_demo, simulation, wrong_numbers
from shadowtally.simulator.scenario import START

CONTRACT_KEYS = {
    "precincts_total", "precincts_posted", "precincts_official", "discrepancies_injected", "discrepancies_found",
    "detection_precision", "detection_recall", "wrong_numbers_published", "median_latency_s", "shadow_sde",
    "official_sde",
}


@pytest.fixture(scope="module")
def night() -> replay.Scenario:
    return replay.generate(replay.ScenarioConfig(seed=7, share=0.2))


def test_simulation_keeps_every_post_and_orders_x_ids_by_time(night: replay.Scenario) -> None:
    """Every generated post is served once; X ids grow with time (since_id depends on it); truth maps back."""
    sim = simulation(night, elections.load_election("iowa-2020"))
    assert len(sim.sim.posts) == len(night.posts) == len(sim.truth)
    x = sorted((p for p in sim.sim.posts if p.platform == "x"), key=lambda p: p.at)
    assert [int(p.id) for p in x] == sorted(int(p.id) for p in x)
    for p in sim.sim.posts:
        g = sim.truth[(p.platform, p.id)]
        assert g.text == p.text and START + timedelta(seconds=p.at) == g.created_at
    labels = [r.label for r in sim.sim.releases]
    assert labels == [lb for lb, _ in night.schedule]
    assert sim.sim.release_source is not None
    injected = night.injections[0]
    served = {(r.county, r.precinct): r for r in sim.sim.release_source("100pct")}
    bundled = {(r.county, r.precinct): r for r in elections.load_release("iowa-2020", "100pct")}
    key = (injected.county, injected.precinct)
    assert served[key] != bundled[key]  # the scenario's injected error is what the simulator serves


def test_wrong_numbers_counts_only_what_the_post_did_not_say(night: replay.Scenario) -> None:
    """A number equal to the post's truth is right; a changed value, another candidate or another precinct is wrong."""
    sim = simulation(night, elections.load_election("iowa-2020"))
    (platform, pid), post = next((k, p) for k, p in sim.truth.items()
                                 if p.platform == "x" and p.truth.kind == "result" and p.truth.claims)
    c = post.truth.claims[0]
    right = [(platform, pid, c.county, c.precinct, c.round, dict(c.counts))]
    assert wrong_numbers(right, sim.truth) == (len(c.counts), 0)
    cand, value = next(iter(c.counts.items()))
    changed = [(platform, pid, c.county, c.precinct, c.round, {cand: value + 1})]
    elsewhere = [(platform, pid, c.county, "Not the precinct", c.round, {cand: value})]
    unknown = [("x", "999", c.county, c.precinct, c.round, {cand: value})]
    assert wrong_numbers(changed + elsewhere + unknown, sim.truth) == (3, 3)


def test_detection_scores_against_the_scenario(night: replay.Scenario) -> None:
    """A perfect pipeline (oracle claims) reports no discrepancy the scenario did not put there (precision 1), and
    misses only the few a post cannot tell from a round mix-up (see tests/replay: the perfect-pipeline test)."""
    from shadowtally.reconcile.compare import reconcile
    from shadowtally.reconcile.shadow import build_shadow, rulepack_allocator
    from shadowtally.replay.oracle import oracle_claims

    election = elections.load_election("iowa-2020")
    shadow = build_shadow(oracle_claims(night), election, allocate=rulepack_allocator(election))
    recons = [reconcile(shadow, night.release_rows(label), election.release_info(label), election)
              for label, _ in night.schedule]
    scores = detection(recons, night)
    assert scores["discrepancies_injected"] > 0
    assert scores["detection_precision"] == 1.0
    assert scores["detection_recall"] >= 0.95 and scores["injected_recall"] >= 0.95
    assert scores["discrepancies_found"] == scores["discrepancies_reported"] <= scores["discrepancies_injected"]
    assert 0 < scores["injected_only"] <= scores["discrepancies_injected"]


@pytest.mark.timeout(300)
def test_demo_end_to_end_json_contract(tmp_path) -> None:
    """A short replay through the real simulator, collectors, scheduler, parser and tally prints the contract keys."""
    out = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "demo.db"), "--speed", "6", "--share", "0.2",
                                   "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert CONTRACT_KEYS <= set(report)
    assert report["precincts_total"] == 1765
    assert report["posts_stored"] > 0.5 * report["posts_generated"]
    assert report["precincts_posted"] > 50
    assert "certified" in report["releases_stored"] and report["precincts_official"] == 1765
    assert 0.0 <= report["detection_precision"] <= 1.0 and 0.0 <= report["detection_recall"] <= 1.0
    assert set(report["official_sde"]) >= {"Buttigieg", "Sanders"}
    assert report["discrepancies_found"] > 0
