"""Ingest throughput: posts per second through ``store.ingest.upsert_post`` and the batched
``store.ingest.upsert_posts`` into SQLite, as a ratio to raw ``sqlite3`` ``executemany`` of
the same rows, in the same run.

    .venv/bin/python benchmarks/bench_ingest.py [--posts 5000]

Both sides write the same values (including the raw JSON) to a file database with the
same pragmas (WAL, foreign keys) and commit once at the end.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shadowtally.collectors.x import post_from_tweet  # noqa: E402
from shadowtally.store.db import open_store, session_scope, sqlite_pragmas  # noqa: E402
from shadowtally.store.ingest import upsert_post, upsert_posts  # noqa: E402
from shadowtally.store.validate import sha256_json  # noqa: E402


def tweets(n: int) -> list[dict]:
    base = datetime(2020, 2, 4, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        tid = str(1_224_500_000_000_000_000 + i * 1000)
        out.append({"id": tid, "text": f"Polk DM-{i % 177} first alignment: Sanders {i % 90}, Warren {i % 40} #IACaucus",
                    "author_id": str(10_000 + i % 2000), "edit_history_tweet_ids": [tid],
                    "created_at": (base + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=5000)
    args = ap.parse_args()
    now = datetime.now(timezone.utc)
    includes = {"users": [{"id": str(10_000 + k), "username": f"sec_{k:04d}"} for k in range(2000)]}
    posts = [post_from_tweet(t, includes, fetched_at=now, source_id=None) for t in tweets(args.posts)]
    tmp = Path(tempfile.mkdtemp())

    engine = open_store(f"sqlite:///{tmp / 'orm.db'}")
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        for p in posts:
            upsert_post(session, p)
    orm = time.perf_counter() - t0

    t0 = time.perf_counter()
    with session_scope(engine) as session:
        for p in posts:
            upsert_post(session, p)
    again = time.perf_counter() - t0

    # The batched path on its own file: SELECT + multi-row INSERT … ON CONFLICT per page of 1,000.
    engine_b = open_store(f"sqlite:///{tmp / 'batch.db'}")
    t0 = time.perf_counter()
    with session_scope(engine_b) as session:
        upsert_posts(session, posts)
    batch = time.perf_counter() - t0

    t0 = time.perf_counter()
    with session_scope(engine_b) as session:
        upsert_posts(session, posts)
    batch_again = time.perf_counter() - t0

    open_store(f"sqlite:///{tmp / 'raw.db'}").dispose()  # same schema
    conn = sqlite3.connect(tmp / "raw.db")
    sqlite_pragmas(conn)  # the store's own settings, so only the per-row work differs
    rows = [(p.platform, p.external_id, p.author, p.url, p.text, p.in_reply_to, p.created_at.isoformat(),
             p.fetched_at.isoformat(), None, 1, 0, json.dumps(p.raw), sha256_json(p.raw), None) for p in posts]
    t0 = time.perf_counter()
    conn.executemany(
        "INSERT INTO posts (platform, external_id, author, url, text, in_reply_to, created_at, fetched_at, edited_at,"
        " revision, deleted, raw, raw_sha256, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.commit()
    raw = time.perf_counter() - t0
    conn.close()

    n = len(posts)
    print(f"posts: {n}")
    print(f"upsert_post (new):        {n / orm:10.0f} posts/s  ({orm:.2f} s)")
    print(f"upsert_post (unchanged):  {n / again:10.0f} posts/s  ({again:.2f} s)")
    print(f"sqlite3 executemany:      {n / raw:10.0f} posts/s  ({raw:.3f} s)  (hash computed beforehand)")
    print(f"upsert_posts (new):       {n / batch:10.0f} posts/s  ({batch:.2f} s)")
    print(f"upsert_posts (unchanged): {n / batch_again:10.0f} posts/s  ({batch_again:.2f} s)")
    print(f"ratio upsert_post / raw:  {(n / orm) / (n / raw):10.3f}")
    print(f"ratio upsert_posts / raw: {(n / batch) / (n / raw):10.3f}")


if __name__ == "__main__":
    main()
