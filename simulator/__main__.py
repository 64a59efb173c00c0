"""``python -m shadowtally.simulator``: serve a generated scenario until interrupted."""

from __future__ import annotations

import argparse
import time

from shadowtally.simulator.scenario import Scenario, SimClock
from shadowtally.simulator.server import SimServer


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m shadowtally.simulator", description=__doc__)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--duration", type=float, default=3600.0, help="scenario length, scenario seconds")
    ap.add_argument("--speed", type=float, default=0.0, help="scenario seconds per wall second (0: all at once)")
    ap.add_argument("--page-delay", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=2020)
    args = ap.parse_args()
    scenario = Scenario.generate(accounts=args.accounts, posts=args.posts, duration=args.duration, seed=args.seed,
                                 list_size=min(args.accounts, 50))
    clock = SimClock(speed=args.speed) if args.speed else SimClock(fixed=float("inf"))
    with SimServer(scenario, clock=clock, port=args.port) as sim:
        sim.faults.page_delay = args.page_delay
        print(f"simulator on {sim.url}: {len(scenario.posts)} posts by {len(scenario.accounts)} accounts; "
              f"X handles: {', '.join(scenario.handles()[:5])}…", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
