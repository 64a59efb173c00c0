"""The caucus-night replay: the whole pipeline, end to end, against the local simulator.

``shadowtally demo`` generates the night from the real 2020 results (:mod:`replay`),
serves it from the in-repo simulator (a child process on 127.0.0.1) on an accelerated clock, and lets the
real collectors (tweepy for X, feedparser for Mastodon and Bluesky, the official
release collector) poll it under APScheduler. Every new post is parsed as it is
stored; a reconcile job rebuilds the shadow tally and compares it with the latest
release. At the end the report scores the run against the scenario's ground truth.

The run reads wall time through the ``monotonic`` callable it is given (findings are
stamped with ``datetime.now``); the mapping and scoring functions are pure and tested
on their own.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from statistics import median
from typing import Any, Callable, Mapping, Sequence

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

import shadowtally.elections as defs
from shadowtally.settings import DEFAULT_ELECTION
from shadowtally import replay
from shadowtally.collectors.config import SourceSpec
from shadowtally.collectors.scheduler import Settings
from shadowtally.parsers.accounts import Account, norm_handle
from shadowtally.reconcile.compare import Reconciliation
from shadowtally.services.runtime import Runtime
from shadowtally.services.tally import TallyState, compute, record
from shadowtally.simulator.process import SimProcess
from shadowtally.simulator.scenario import START, SimAccount, SimPost, SimRelease
from shadowtally.simulator.scenario import Scenario as SimScenario
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.models import Claim, OfficialRelease, Post

FIRST_X_ID = 1_224_500_000_000_000_000
X_LIST_ID = "1224400000000000001"
TOKEN = "demo-bearer-token"  # the simulator's; no real credential is ever used here


@dataclass(frozen=True)
class DemoConfig:
    """Knobs of a replay run."""

    seed: int = 2020
    share: float = 0.6
    duration: float = 120.0          # wall seconds for the night and every release up to certification
    poll_s: int = 1                  # X list and Mastodon tag feed
    feed_poll_s: int = 5             # each Bluesky account's feed (Bluesky has no tag feed)
    reconcile_s: int = 2
    election: str = DEFAULT_ELECTION


@dataclass(frozen=True)
class Simulation:
    """The replay scenario as the simulator serves it, with a way back to each post's truth."""

    scenario: replay.Scenario
    sim: SimScenario
    truth: Mapping[tuple[str, str], replay.GeneratedPost]   # (platform, sim post id) -> generated post
    accounts: Mapping[str, Account]                          # registered officials, by handle and DID
    roles: Mapping[str, tuple[str, bool]]                    # author as stored -> (role, registered)


def _handle(author: replay.AuthorInfo) -> str:
    h = author.handle.lstrip("@")
    return f"{h}.bsky.social" if author.platform == "bluesky" else h


def _did(handle: str) -> str:
    return "did:plc:" + hashlib.sha1(handle.encode()).hexdigest()[:24]


def simulation(scenario: replay.Scenario, election: defs.Election) -> Simulation:
    """Map a generated night onto the simulator: accounts, posts on each platform, releases."""
    accounts, registry, roles = [], {}, {}
    info = {(a.handle, a.platform): a for a in scenario.authors}
    for i, a in enumerate(scenario.authors):
        handle = _handle(a)
        did = _did(handle) if a.platform == "bluesky" else ""
        accounts.append(SimAccount(handle, str(10_000 + i), handle, platform=a.platform, did=did))
        stored_as = did or handle  # the Bluesky feed collector stores the DID as the author
        roles[stored_as.lower()] = (a.role, a.registered)
        if a.registered and a.county and a.precinct:
            for key in {handle, did} - {""}:
                registry[norm_handle(key)] = Account(key, a.county, a.precinct, a.role)
    # Snowflake ids grow with time; the generator numbers posts in the order it wrote them.
    x_posts = sorted((p for p in scenario.posts if p.platform == "x"), key=lambda p: (p.created_at, p.id))
    x_ids = {p.id: str(FIRST_X_ID + (n + 1) * 7919) for n, p in enumerate(x_posts)}
    posts, truth = [], {}
    for p in scenario.posts:
        a = info[(p.author, p.platform)]
        pid = x_ids.get(p.id, p.id)
        reply = x_ids.get(p.in_reply_to or "", "") if p.platform == "x" else ""
        posts.append(SimPost(pid, _handle(a), p.text, (p.created_at - START).total_seconds(), platform=p.platform,
                             reply_to=reply))
        truth[(p.platform, pid)] = p
    releases = [SimRelease(label, (at - START).total_seconds()) for label, at in scenario.schedule]
    x_handles = [_handle(a) for a in scenario.authors if a.platform == "x"]
    sim = SimScenario(accounts, posts, releases, lists={X_LIST_ID: x_handles}, election=scenario.election,
                      release_source=scenario.release_rows)
    return Simulation(scenario, sim, truth, registry, roles)


def sources(sim: Simulation, base_url: str, config: DemoConfig) -> list[SourceSpec]:
    """What a newsroom would watch: a list of the X accounts, the Mastodon tag, each Bluesky account, the party."""
    out = [
        SourceSpec("x_list", X_LIST_ID, "x", label="Iowa precinct officials (X list)", interval=config.poll_s),
        SourceSpec("feed", f"{base_url}/tags/iacaucus.rss?limit=200", "mastodon", label="#IACaucus on Mastodon",
                   interval=config.poll_s),
        SourceSpec("official", f"{base_url}/idp/results.json", "idp", label="IDP results feed", role="official",
                   interval=config.poll_s, trust=1.0),
    ]
    for a in sim.sim.accounts:
        if a.platform == "bluesky":
            acc = sim.accounts.get(norm_handle(a.handle))
            out.append(SourceSpec("feed", f"{base_url}/profile/{a.handle}/rss", "bluesky", label=a.handle,
                                  role=acc.role if acc else "other", county=acc.county if acc else None,
                                  precinct=acc.precinct if acc else None, interval=config.feed_poll_s))
    return out


# ---- scoring (pure) -----------------------------------------------------------------------------------

def _external_to_sim_id(platform: str, external_id: str) -> str:
    """Stored external ids: X ids as is; Mastodon permalinks and Bluesky at:// URIs end in the post id."""
    return external_id if platform == "x" else external_id.rstrip("/").rsplit("/", 1)[-1]


def wrong_numbers(accepted: Sequence[tuple[str, str, str | None, str | None, str, Mapping[str, Any]]],
                  truth: Mapping[tuple[str, str], replay.GeneratedPost]) -> tuple[int, int]:
    """(numbers accepted, numbers that differ from what their post said).

    ``accepted`` rows are (platform, external id, county, precinct, round, counts).
    A number is right only if the post's truth states that precinct, round (as the
    post labels it), candidate and value.
    """
    total = wrong = 0
    for platform, ext, county, precinct, rnd, counts in accepted:
        post = truth.get((platform, _external_to_sim_id(platform, ext)))
        said: dict[str, Any] = {}
        if post is not None:
            for c in post.truth.claims:
                if (c.county, c.precinct, c.round) == (county, precinct, rnd):
                    said.update(c.counts)
        for cand, value in counts.items():
            total += 1
            stated = said.get(cand)
            if stated is None or abs(float(stated) - float(value)) > 1e-6:
                wrong += 1
    return total, wrong


def detection(recons: Sequence[Reconciliation], scenario: replay.Scenario) -> dict[str, Any]:
    """Precision and recall of the discrepancies found, against what the scenario put there.

    A discrepancy is (release, county, precinct, field) where a *posted* (not derived)
    number differs from the release. Expected: what reconciling the truly posted numbers
    with each release must find (injected errors plus the real recanvass changes);
    ``injected_recall`` counts the injected ones alone. Round mix-ups (a post's final
    count in its first-alignment line) are reported apart and are not discrepancies.
    """
    found = {(r.label, pr.county, pr.precinct, d.field)
             for r in recons for pr in r.precincts.values() for d in pr.diffs if not d.derived}
    by_kind: dict[tuple[str, str, str, str], str] = {
        (r.label, d.county, d.precinct, d.field): d.kind for r in recons for d in scenario.expected(r.label).discrepancies}
    expected = {(r.label, *m) for r in recons for m in scenario.expected(r.label).mismatches}
    injected = {k for k in expected if by_kind.get(k) == "injected"}
    hit = found & expected
    mixups = sum(len(pr.mixups) for r in recons for pr in r.precincts.values())
    return {
        "discrepancies_injected": len(expected),
        "discrepancies_found": len(hit),
        "discrepancies_reported": len(found),
        "detection_precision": round(len(hit) / len(found), 4) if found else 1.0,
        "detection_recall": round(len(hit) / len(expected), 4) if expected else 1.0,
        # Of the expected: errors the scenario wrote into the releases, the rest are the real recanvass changes.
        "injected_only": len(injected),
        "injected_found": len(found & injected),
        "injected_recall": round(len(found & injected) / len(injected), 4) if injected else 1.0,
        "round_mixups_reported": mixups,
        "missed": sorted(expected - found)[:20],
        "false_alarms": sorted(found - expected)[:20],
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


# ---- the run (effects) --------------------------------------------------------------------------------

@dataclass
class Progress:
    """What the live display shows; updated by the reconcile job, read by the CLI."""

    scenario_time: datetime = START
    posts: int = 0
    claims_accepted: int = 0
    precincts_posted: int = 0
    sde_share: float = 0.0
    release: str = ""
    mismatches: int = 0
    gaps: int = 0
    coverage: list[tuple[datetime, int, float]] = field(default_factory=list)


class _Runner:
    """Holds the run's state between reconcile passes (claims first seen, for latency)."""

    def __init__(self, sim: Simulation, engine: Engine, election: defs.Election, eid: int,
                 clock: replay.ReplayClock, wall0: float, monotonic: Callable[[], float]) -> None:
        self.sim, self.engine, self.election, self.eid = sim, engine, election, eid
        self.clock, self.wall0, self.monotonic = clock, wall0, monotonic
        self.progress = Progress()
        self.claim_seen: dict[int, float] = {}     # claim id -> wall seconds when the tally first had it
        self.lock = threading.Lock()
        self.state: TallyState | None = None

    def reconcile(self, _engine: Engine | None = None) -> None:
        with self.lock, session_scope(self.engine) as session:
            state = compute(session, self.election, self.eid, roles=self.sim.roles, latest_only=True)
            record(session, state, now=datetime.now(timezone.utc))
            elapsed = self.monotonic() - self.wall0
            for sp in state.shadow.precincts.values():
                for evidence in sp.sources.values():
                    for e in evidence:
                        self.claim_seen.setdefault(e.claim_id, elapsed)
            p = self.progress
            p.scenario_time = self.clock.scenario(elapsed)
            p.posts = session.exec(select(func.count()).select_from(Post)).one()
            p.claims_accepted = session.exec(select(func.count()).select_from(Claim)
                                             .where(Claim.status == "accepted")).one()
            p.precincts_posted = state.shadow.precincts_posted
            p.sde_share = state.shadow.sde_share
            if state.latest is not None:
                p.release = state.latest.label
                p.mismatches = state.latest.counts.get("mismatch", 0)
                p.gaps = state.latest.counts.get("social_only", 0)
            p.coverage.append((p.scenario_time, p.precincts_posted, p.sde_share))
            self.state = state


def run_demo(db_url: str, config: DemoConfig = DemoConfig(), *,
             on_progress: Callable[[Progress], None] | None = None,
             monotonic: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Replay the night into the store at ``db_url`` and return the report (see ``shadowtally demo``)."""
    election = defs.load_election(config.election)
    scenario = replay.generate(replay.ScenarioConfig(seed=config.seed, share=config.share), election=config.election)
    sim = simulation(scenario, election)
    release_times = [at for _, at in scenario.schedule]
    clock = replay.default_clock(release_times, total=config.duration)
    engine = open_store(db_url)
    with session_scope(engine) as session:
        eid = load_election(session, config.election).election_id

    # A job that overruns its interval is skipped by design (max_instances=1); say so once, not per skip.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # The simulator runs in its own process, as the platforms would (see simulator.process).
    server = SimProcess(sim.sim, bearer_token=TOKEN, start_at=0.0,
                        limits={"list": (100_000, 900.0), "search": (100_000, 900.0)}).start()
    runtime: Runtime | None = None
    try:
        settings = Settings(x_api_url=server.url, election=config.election, token=TOKEN, backoff_base=0.05)
        runtime = Runtime.build(engine, settings, accounts=sim.accounts, roles=sim.roles)
        ids = runtime.sync_sources(sources(sim, server.url, config))
        wall0 = monotonic()
        runner = _Runner(sim, engine, election, eid, clock, wall0, monotonic)
        runtime.set_reconcile(runner.reconcile)
        scheduler = runtime.scheduler(ids, scheduler=BackgroundScheduler(timezone=timezone.utc),
                                      reconcile_every=config.reconcile_s, persistent=False)
        scheduler.start()
        end = clock.duration + 2 * max(config.poll_s, config.feed_poll_s) + config.reconcile_s
        while (elapsed := monotonic() - wall0) < end:
            now = clock.scenario(elapsed)
            server.set_clock((now - START).total_seconds())
            if on_progress is not None:
                on_progress(runner.progress)
            time.sleep(0.2)
    finally:
        if runtime is not None:
            runtime.stop()
        server.stop()
    return _report(runner, sim, engine, election, eid, clock)


def _report(runner: _Runner, sim: Simulation, engine: Engine, election: defs.Election, eid: int,
            clock: replay.ReplayClock) -> dict[str, Any]:
    with session_scope(engine) as session:
        state = compute(session, election, eid, roles=sim.roles)
        record(session, state, now=datetime.now(timezone.utc))
        accepted = [
            (post.platform, post.external_id, c.county, c.precinct, c.round, c.counts)
            for c, post in session.exec(select(Claim, Post).join(Post, col(Claim.post_id) == col(Post.id))
                                        .where(Claim.status == "accepted"))
        ]
        created = {c.id: post.created_at for c, post in session.exec(
            select(Claim, Post).join(Post, col(Claim.post_id) == col(Post.id)))}
        n_posts = session.exec(select(func.count()).select_from(Post)).one()
        releases = list(session.exec(select(OfficialRelease.label)))
    numbers, wrong = wrong_numbers(accepted, sim.truth)
    # Latency: from the moment a post appeared in the simulator to the tally first using it.
    latencies = [seen - clock.offset(created[cid]) for cid, seen in runner.claim_seen.items() if cid in created]
    latest = state.latest
    lead_hours = []
    first_in: dict[tuple[str, str], datetime] = {}
    for rec in state.reconciliations:
        for key, pr in rec.precincts.items():
            if pr.release_row is not None and key not in first_in:
                first_in[key] = rec.published_at
    for key, sp in state.shadow.precincts.items():
        if sp.first_posted_at is not None and key in first_in:
            lead_hours.append((first_in[key] - sp.first_posted_at).total_seconds() / 3600)
    report: dict[str, Any] = {
        "seed": sim.scenario.config.seed,
        "posts_generated": len(sim.scenario.posts),
        "posts_stored": n_posts,
        "releases_stored": sorted(set(releases), key=lambda lb: [r.label for r in election.releases].index(lb)
                                  if lb in [r.label for r in election.releases] else 99),
        "precincts_total": len(election.precincts),
        "precincts_posted": state.shadow.precincts_posted,
        "precincts_official": (sum(latest.counts.values()) - latest.counts["social_only"]) if latest else 0,
        "numbers_accepted": numbers,
        "wrong_numbers_published": wrong,
        "median_latency_s": round(median(latencies), 2) if latencies else None,
        "p95_latency_s": round(percentile(latencies, 0.95) or 0.0, 2) if latencies else None,
        "median_hours_ahead_of_release": round(median(lead_hours), 1) if lead_hours else None,
        "shadow_sde": {k: round(v, 3) for k, v in sorted(state.shadow.sde.items(), key=lambda kv: -kv[1]) if v},
        "official_sde": {k: round(v, 3) for k, v in sorted((latest.official_sde if latest else {}).items(),
                                                             key=lambda kv: -kv[1]) if v},
        "shadow_sde_share": round(state.shadow.sde_share, 4),
        "coverage": [(t.isoformat(), n, round(s, 4)) for t, n, s in _thin(runner.progress.coverage)],
    }
    report.update(detection(state.reconciliations, sim.scenario))
    report["discrepancies"] = _discrepancy_rows(state)
    return report


def _thin(points: list[tuple[datetime, int, float]], n: int = 12) -> list[tuple[datetime, int, float]]:
    if len(points) <= n:
        return points
    step = (len(points) - 1) / (n - 1)
    return [points[round(i * step)] for i in range(n)]


def _discrepancy_rows(state: TallyState) -> list[dict[str, Any]]:
    rows = []
    for rec in state.reconciliations:
        for pr in rec.precincts.values():
            for d in pr.diffs:
                if d.derived:
                    continue
                rows.append({"release": rec.label, "county": pr.county, "precinct": pr.precinct, "field": d.field,
                             "values": {c: list(v) for c, v in sorted(d.candidates.items())},
                             "posts": sorted({e.url for e in d.claims})})
    return rows
