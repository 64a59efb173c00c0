"""Scoring of the parser against the labelled corpus (shared by the tests and the benchmark)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "parsers"


def load_corpus() -> list[dict]:
    return [json.loads(line) for line in (DATA / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


def load_nevada() -> list[str]:
    with gzip.open(DATA / "nevada_tweets.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def _num_eq(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-6


@dataclass
class Score:
    accepted_numbers: int = 0
    correct_accepted: int = 0
    recall_total: int = 0
    recall_found: int = 0
    kinds_right: int = 0
    posts: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    kind_errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct_accepted / self.accepted_numbers if self.accepted_numbers else 1.0

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_total if self.recall_total else 1.0


def score(corpus: list[dict], outputs: list[dict]) -> Score:
    """Precision of every accepted number; recall over truth claims marked ``accept``."""
    s = Score()
    for rec, out in zip(corpus, outputs, strict=True):
        s.posts += 1
        exp = rec["expect"]
        if out.get("kind") == exp["kind"]:
            s.kinds_right += 1
        else:
            s.kind_errors.append(f"{rec['id']}: expected {exp['kind']}, got {out.get('kind')}")
        truth = exp["claims"]
        accepted = [c for c in out.get("claims", []) if c["status"] == "accepted"]
        for c in accepted:
            for cand, val in c["counts"].items():
                s.accepted_numbers += 1
                ok = any(t["county"] == c["county"] and t["precinct"] == c["precinct"] and t["round"] == c["round"]
                         and cand in t["counts"] and _num_eq(t["counts"][cand], val) for t in truth)
                if ok:
                    s.correct_accepted += 1
                else:
                    s.wrong.append(f"{rec['id']} {c['precinct']} {c['round']} {cand}={val}")
        for t in truth:
            if not t.get("accept"):
                continue
            for cand, val in t["counts"].items():
                s.recall_total += 1
                found = any(c["county"] == t["county"] and c["precinct"] == t["precinct"] and c["round"] == t["round"]
                            and cand in c["counts"] and _num_eq(c["counts"][cand], val) for c in accepted)
                if found:
                    s.recall_found += 1
                else:
                    s.missed.append(f"{rec['id']} {t['precinct']} {t['round']} {cand}={val}")
    return s
