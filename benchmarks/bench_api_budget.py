"""API budget: the model's table, then a measured run of the real collector against the simulator.

    .venv/bin/python benchmarks/bench_api_budget.py [--accounts 2000] [--posts-per-min 400]

The measured run steps the simulator's clock poll by poll (no waiting), drives the real
tweepy client and store, counts the requests the simulator served and records, for each
post, the scenario time between its publication and the poll that stored it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import select  # noqa: E402

from shadowtally.collectors.budget import DEFAULT_LIMITS, Load, compare  # noqa: E402
from shadowtally.collectors.config import pack_queries  # noqa: E402
from shadowtally.collectors.scheduler import Collectors, Settings, run_source, sync_sources  # noqa: E402
from shadowtally.collectors.config import SourceSpec  # noqa: E402
from shadowtally.simulator import Scenario, SimClock, SimServer  # noqa: E402
from shadowtally.simulator.scenario import START  # noqa: E402
from shadowtally.store.db import open_store, session_scope  # noqa: E402
from shadowtally.store.models import Post  # noqa: E402

TOKEN = "bench"


def model_table(load: Load, target: float) -> None:
    print(f"\nModel: {load.accounts} accounts, {load.accounts * load.posts_per_account_per_min:.0f} posts/min, "
          f"limits {DEFAULT_LIMITS} (requests, window s), target {target:.0f} s")
    print(f"{'strategy':<10} {'calls/poll':>10} {'min interval s':>15} {'req/min':>8} {'worst latency s':>16} "
          f"{'req/min for target':>19} {'limit/min':>9}")
    for p in compare(load, target_s=target):
        print(f"{p.strategy:<10} {p.calls_per_poll:>10} {p.interval_s:>15.0f} {p.requests_per_min:>8.1f} "
              f"{p.worst_latency_s:>16.0f} {p.requests_per_min_for_target:>19.1f} {p.limit_per_min:>9.1f}")


def measured(strategy: str, scenario: Scenario, interval: float, horizon: float) -> dict[str, float]:
    clock = SimClock(fixed=0.0)
    with SimServer(scenario, clock=clock, bearer_token=TOKEN, limits={k: (10**9, 900.0) for k in ("timeline", "search", "list", "users")}) as sim:
        tmp = tempfile.mkdtemp()
        engine = open_store(f"sqlite:///{tmp}/b.db")
        handles = scenario.handles()
        if strategy == "lists":
            specs = [SourceSpec("x_list", lid, "x", interval=int(interval)) for lid in scenario.lists]
        elif strategy == "search":
            specs = [SourceSpec("x_search", q, "x", interval=int(interval)) for q in pack_queries(handles)]
        else:
            specs = [SourceSpec("x_account", h, "x", interval=int(interval)) for h in handles]
        ids = sync_sources(engine, specs)
        cols = Collectors(Settings(x_api_url=sim.url, token=TOKEN))  # no hand-off: measure collection, not the parser
        seen: set[str] = set()
        latencies: list[float] = []
        t = interval
        wall = time.perf_counter()
        warm = sim.count("/2/")
        if strategy == "timelines":  # resolve handles -> ids before the clock starts
            for sid in ids:
                run_source(engine, sid, cols)
            warm = sim.count("/2/")
        last = 0.0
        while t <= horizon:
            last = t
            clock.set(t)
            for sid in ids:
                run_source(engine, sid, cols)
            with session_scope(engine) as s:
                rows = list(s.exec(select(Post.external_id, Post.created_at)))
            for ext, created in rows:
                if ext not in seen:
                    seen.add(ext)
                    latencies.append(t - (created - START).total_seconds())
            t += interval
        wall = time.perf_counter() - wall
        requests = sim.count("/2/") - warm
    expected = {p.original_id for p in scenario.posts if p.platform == "x" and p.at <= last}
    return {"requests_per_min": requests / (horizon / 60), "stored": len(seen & expected), "expected": len(expected),
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "max": max(latencies) if latencies else float("nan"), "wall_s": wall}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--posts-per-min", type=float, default=400.0)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--target", type=float, default=60.0)
    args = ap.parse_args()
    load = Load(accounts=args.accounts, posts_per_account_per_min=args.posts_per_min / args.accounts,
                handle_length=8)
    model_table(Load(accounts=args.accounts, posts_per_account_per_min=args.posts_per_min / args.accounts), args.target)
    model_table(load, args.target)
    horizon = args.minutes * 60
    scenario = Scenario.generate(accounts=args.accounts, posts=int(args.posts_per_min * args.minutes), duration=horizon,
                                 seed=5, feed_accounts=0, with_releases=False, list_size=args.accounts)
    print(f"\nMeasured against the simulator: {args.accounts} accounts (handles of 8 characters), "
          f"{len(scenario.posts)} posts over {args.minutes:g} min, polls stepped on the scenario clock")
    print(f"{'strategy':<10} {'interval s':>10} {'req/min':>8} {'stored/expected':>16} {'p50 latency s':>14} "
          f"{'max latency s':>14} {'wall s':>7}")
    plans = {p.strategy: p for p in compare(load, target_s=args.target)}
    for strategy in ("lists", "search", "timelines"):
        p = plans[strategy]
        interval = max(1.0, min(p.interval_s, horizon / 2))
        if strategy == "lists":
            interval = args.target - load.fetch_seconds  # the cheapest rate that meets the target
        r = measured(strategy, scenario, interval, horizon)
        print(f"{strategy:<10} {interval:>10.0f} {r['requests_per_min']:>8.1f} {r['stored']:>7}/{r['expected']:<8} "
              f"{r['p50']:>14.1f} {r['max']:>14.1f} {r['wall_s']:>7.1f}")


if __name__ == "__main__":
    main()
