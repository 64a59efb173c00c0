"""The demo's scores without the network: the same hand-off and tally code, posts fed in time order.

    .venv/bin/python benchmarks/bench_replay_offline.py [--seed 2020] [--share 0.6] [--db /tmp/replay.db]

Every generated post is stored and handed to ``collectors.pipeline.on_new_post`` (the
function the collectors call), each release is stored at its publication time, then the
tally is computed and scored with the demo's own ``wrong_numbers`` and ``detection``.
What it leaves out is the transport: no simulator, no tweepy/feedparser, no scheduler,
authors stored by handle (the live demo stores Bluesky authors by DID). It takes about
40 s instead of the replay's 2.5 minutes, so parser and reconciliation changes can be
scored quickly; the live demo remains the figure of record.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from shadowtally import elections as defs  # noqa: E402
from shadowtally import replay  # noqa: E402
from shadowtally.collectors import pipeline  # noqa: E402
from shadowtally.parsers import build_pipeline  # noqa: E402
from shadowtally.parsers.accounts import Account, norm_handle  # noqa: E402
from shadowtally.services.demo import detection, wrong_numbers  # noqa: E402
from shadowtally.services.tally import compute  # noqa: E402
from shadowtally.store.db import open_store, session_scope  # noqa: E402
from shadowtally.store.elections import load_election  # noqa: E402
from shadowtally.store.ingest import upsert_post, upsert_release  # noqa: E402
from shadowtally.store.models import Claim, Post  # noqa: E402
from shadowtally.store.validate import PostIn, ReleaseIn, release_results  # noqa: E402


def run(seed: int, share: float, db: Path) -> dict[str, object]:
    """Replay the scenario into a fresh SQLite file at ``db`` and return the scores."""
    t0 = time.perf_counter()
    election = defs.load_election("iowa-2020")
    sc = replay.generate(replay.ScenarioConfig(seed=seed, share=share))
    accounts, roles = {}, {}
    for a in sc.authors:
        handle = a.handle.lstrip("@")
        roles[handle.lower()] = (a.role, a.registered)
        if a.registered and a.county and a.precinct:
            accounts[norm_handle(handle)] = Account(handle, a.county, a.precinct, a.role)
    handoff = pipeline.Handoff(parser=build_pipeline(election, accounts))
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    engine = open_store(f"sqlite:///{db}")
    with session_scope(engine) as s:
        eid = load_election(s, "iowa-2020").election_id
    # Posts and releases in the order the night produced them (a release after posts of the same minute).
    events = sorted([(p.created_at, 0, p) for p in sc.posts] + [(at, 1, label) for label, at in sc.schedule],
                    key=lambda e: (e[0], e[1]))
    truth = {}
    with session_scope(engine) as s:
        for at, kind, obj in events:
            if kind == 0:
                truth[(obj.platform, obj.id)] = obj
                row, _ = upsert_post(s, PostIn.of(
                    platform=obj.platform, external_id=obj.id, author=obj.author.lstrip("@"), url=obj.url,
                    text=obj.text, in_reply_to=obj.in_reply_to, created_at=obj.created_at, fetched_at=obj.created_at))
                handoff(s, row, now=obj.created_at)
            else:
                results = release_results(sc.release_rows(obj))
                upsert_release(s, eid, ReleaseIn.of(label=obj, url=f"https://results.example/{obj}",
                                                    published_at=at, fetched_at=at, raw_body=f"{obj}:{seed}",
                                                    results=results))
    with session_scope(engine) as s:
        state = compute(s, election, eid, roles=roles)
        accepted = [(p.platform, p.external_id, c.county, c.precinct, c.round, c.counts)
                    for c, p in s.exec(select(Claim, Post).join(Post, col(Claim.post_id) == col(Post.id))
                                       .where(Claim.status == "accepted"))]
    numbers, wrong = wrong_numbers(accepted, truth)
    scores = detection(state.reconciliations, sc)
    keep = ("discrepancies_injected", "discrepancies_found", "discrepancies_reported", "detection_precision",
            "detection_recall", "injected_only", "injected_found", "injected_recall", "round_mixups_reported",
            "missed", "false_alarms")
    return {"seed": seed, "posts": len(sc.posts), "precincts_tallyable": len(sc.posted),
            "precincts_in_tally": state.shadow.precincts_posted, "numbers_accepted": numbers,
            "wrong_numbers_published": wrong, **{k: scores[k] for k in keep},
            "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--share", type=float, default=0.6)
    ap.add_argument("--db", type=Path, default=Path("/tmp/shadowtally-replay-offline.db"))
    args = ap.parse_args()
    print(json.dumps(run(args.seed, args.share, args.db)))


if __name__ == "__main__":
    main()
