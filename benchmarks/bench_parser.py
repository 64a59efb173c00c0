"""Parser throughput on one core over a realistic mix, against bare spaCy tokenization.

    .venv/bin/python benchmarks/bench_parser.py [--repeat 3] [--write]

The mix: every post of the labelled corpus (tests/data/parsers/corpus.jsonl: precinct
results, aggregates, threads, chatter) plus the 8,847 real Nevada tweets (the bulk of a
caucus night is chatter). Reports posts/s for ``Parser.parse``, posts/s for
``nlp.tokenizer.pipe`` on the same texts, their ratio, and peak RSS. ``--write``
replaces the ``## Parser`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shadowtally.elections import load_election  # noqa: E402
from shadowtally.parsers import PostInput, build_pipeline  # noqa: E402

DATA = ROOT / "tests" / "data" / "parsers"


def load_mix() -> list[PostInput]:
    posts = []
    for line in (DATA / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        posts.append(PostInput(r["id"], r["text"], r.get("author", "")))
    with gzip.open(DATA / "nevada_tweets.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            posts.append(PostInput(f"nv{i}", json.loads(line)["text"], ""))
    return posts


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update the ## Parser section of BENCHMARKS.md")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    t0 = time.perf_counter()
    parser = build_pipeline(load_election("iowa-2020"))
    build_s = time.perf_counter() - t0
    posts = load_mix()
    texts = [p.text for p in posts]
    parser.parse(posts[0])  # warm-up
    parse_s = best_of(lambda: [parser.parse(p) for p in posts], args.repeat)
    tok_s = best_of(lambda: list(parser.nlp.tokenizer.pipe(texts)), args.repeat)
    # Long posts (hostile or runaway feed items): seconds for one ~1 MB post of each shape.
    long_posts = {
        "no spaces": "Ames 1-1 final: Sanders 111 " + "a" * 1_000_000,
        "words and numbers": "Ames 1-1 final: Sanders 111, Warren 82 " + "word 12 " * 125_000,
        "prose naming a group": "Ames 1-1 final: Sanders 111. " + "The caucus ran long and Warren fans waited. " * 23_000,
        "names and numbers": "Ames 1-1 final: " + "Sanders 111, Warren 82, " * 42_000,
        "address-like": "x " + "example.com/" * 90_000,
    }
    long_s = {k: best_of(lambda t=t: parser.parse(PostInput("long", t, "")), args.repeat) for k, t in long_posts.items()}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(posts)
    parse_rate, tok_rate = n / parse_s, n / tok_s
    lines = [
        "## Parser",
        "",
        f"Command: `.venv/bin/python benchmarks/bench_parser.py --repeat {args.repeat} --write` "
        f"(Python {platform.python_version()}, {platform.machine()}, pinned to one core, best of {args.repeat}).",
        "",
        f"Mix: {n:,} posts = the labelled corpus ({n - 8847}) + 8,847 real Nevada tweets.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| `Parser.parse` throughput | {parse_rate:,.0f} posts/s ({parse_s * 1e6 / n:.0f} µs/post) |",
        f"| bare `nlp.tokenizer.pipe` on the same texts | {tok_rate:,.0f} posts/s |",
        f"| ratio parser / tokenizer | {parse_rate / tok_rate:.2f} |",
        f"| pipeline build time | {build_s:.2f} s |",
        f"| peak RSS (whole process) | {peak_mb:.0f} MB |",
        f"| target | ≥ 5,000 posts/s: {'met' if parse_rate >= 5000 else 'NOT met'} |",
        "",
        "One long post (about 1 MB; the parser reads the first 100,000 characters and holds the claims):",
        "",
        "| shape | characters | seconds | µs per character |",
        "|---|---|---|---|",
        *(f"| {k} | {len(long_posts[k]):,} | {v:.3f} | {v * 1e6 / len(long_posts[k]):.3f} |" for k, v in long_s.items()),
        f"| target | | < 1 s each: {'met' if max(long_s.values()) < 1.0 else 'NOT met'} | |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        if re.search(r"(?m)^## Parser\s*$", old):
            new = re.sub(r"(?ms)^## Parser\s*$.*?(?=^## |\Z)", report + "\n", old)
        else:
            new = old.rstrip("\n") + "\n\n" + report
        path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
