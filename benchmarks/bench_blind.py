"""Score the parser on a blind batch: posts written by a helper who never saw the parser.

    python benchmarks/bench_blind.py BATCH_DIR [--json] [--misses N]

BATCH_DIR holds ``batch.jsonl`` (one post a line, with ``expect``: kind, hedged,
impossible, claims with county/precinct/round/counts/accept) and ``accounts.csv``. The
posts go through ``shadowtally parse``'s path (the same parser, accounts and thread
handling). Printed:

- precision: accepted numbers that equal a number the post states for that unit and round;
- recall: stated numbers of real (not impossible) claims found, accepted or held for review;
- recall_accepted: the same, counting accepted claims only;
- implausible_accepted: hedged or impossible posts with any claim accepted;
- noise_accepted: posts labelled "other" with any claim accepted.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shadowtally.cli.commands.parse import _load_parser, run_parse  # noqa: E402


def _unit(county: str | None, precinct: str | None) -> tuple[str | None, str | None]:
    """Unit names compared without HTML escapes (the certified file writes "&amp;", the bundle "&")."""
    return (county, html.unescape(precinct) if precinct else precinct)


def _eq(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


def score(posts: list[dict], outputs: list[dict]) -> dict[str, object]:
    acc_n = acc_ok = rec_n = rec_found = rec_found_acc = 0
    implausible = noise = 0
    wrong: list[str] = []
    missed: list[str] = []
    for post, out in zip(posts, outputs, strict=True):
        exp = post["expect"]
        truth = exp.get("claims", [])
        claims = out.get("claims", [])
        accepted = [c for c in claims if c["status"] == "accepted"]
        if accepted and (exp.get("hedged") or exp.get("impossible")):
            implausible += 1
        if accepted and exp.get("kind") == "other":
            noise += 1
        for c in accepted:
            for cand, val in c["counts"].items():
                acc_n += 1
                if any(_unit(t["county"], t["precinct"]) == _unit(c["county"], c["precinct"]) and t["round"] == c["round"]
                       and cand in t["counts"] and _eq(t["counts"][cand], val) and not exp.get("impossible")
                       for t in truth):
                    acc_ok += 1
                else:
                    wrong.append(f"{post['id']} {c['county']}/{c['precinct']} {c['round']} {cand}={val}")
        if exp.get("impossible"):
            continue
        for t in truth:
            for cand, val in t["counts"].items():
                rec_n += 1
                hits = [c for c in claims if c["status"] in ("accepted", "review")
                        and _unit(c["county"], c["precinct"]) == _unit(t["county"], t["precinct"]) and c["round"] == t["round"]
                        and cand in c["counts"] and _eq(c["counts"][cand], val)]
                if hits:
                    rec_found += 1
                    rec_found_acc += any(c["status"] == "accepted" for c in hits)
                else:
                    missed.append(f"{post['id']} {t['county']}/{t['precinct']} {t['round']} {cand}={val}")
    return {
        "posts": len(posts), "accepted_numbers": acc_n, "precision": round(acc_ok / acc_n, 4) if acc_n else 1.0,
        "stated_numbers": rec_n, "recall": round(rec_found / rec_n, 4) if rec_n else 1.0,
        "recall_accepted": round(rec_found_acc / rec_n, 4) if rec_n else 1.0,
        "implausible_accepted": implausible, "noise_accepted": noise, "wrong": wrong, "missed": missed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("batch", type=Path)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--misses", type=int, default=0, help="print this many wrong and missed numbers")
    args = ap.parse_args()
    posts = [json.loads(line) for line in (args.batch / "batch.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    accounts = args.batch / "accounts.csv"
    with (accounts.open(encoding="utf-8") if accounts.is_file() else open("/dev/null")) as fh:
        parser = _load_parser("iowa-2020", fh if accounts.is_file() else None)
    lines = [json.dumps({k: p.get(k) for k in ("id", "text", "author", "created_at", "in_reply_to")}) for p in posts]
    outputs = list(run_parse(lines, parser))
    result = score(posts, outputs)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k not in ("wrong", "missed")}))
    else:
        for k, v in result.items():
            if k not in ("wrong", "missed"):
                print(f"{k:>22}: {v}")
    for label in ("wrong", "missed"):
        for line in result[label][: args.misses]:  # type: ignore[index]
            print(f"{label}: {line}")


if __name__ == "__main__":
    main()
