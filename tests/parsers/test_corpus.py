"""Corpus metrics: precision of accepted numbers, recall, and the Nevada negative set."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from corpus_eval import load_corpus, load_nevada, score
from shadowtally.parsers import PostInput
from shadowtally.cli.commands.parse import run_parse

PATTERNS_REQUIRED = {
    "real", "real-seed", "two-block", "three-round", "number-name", "dotted-leaders", "columns", "delegate-sequence",
    "each", "noise-numbers", "satellite", "unseen-misspelling", "thread-root", "thread-reply", "correction",
    "registered-account", "round-unknown", "absurd", "absurd-delegates", "unknown-precinct", "keokuk-collision",
    "aggregate", "other", "edit-before", "edit-after",
}


def test_corpus_is_big_and_covers_every_pattern():
    """Corpus shape: >= 300 hand-labelled posts, the 42 real ones, and every pattern family."""
    corpus = load_corpus()
    assert len(corpus) >= 300
    patterns = Counter(r["pattern"] for r in corpus)
    assert PATTERNS_REQUIRED <= set(patterns), PATTERNS_REQUIRED - set(patterns)
    assert patterns["real"] == 42
    kinds = Counter(r["expect"]["kind"] for r in corpus)
    assert kinds["aggregate"] >= 20 and kinds["other"] >= 40 and kinds["precinct_result"] >= 200


def test_precision_and_recall_on_labelled_corpus(corpus_parser, capsys):
    """Whole corpus through the CLI path (threads, corrections, accounts, edits): precision of
    accepted numbers >= 99.5 %, recall >= 95 % on posts stating precinct, round and counts."""
    corpus = load_corpus()
    outputs = list(run_parse([json.dumps(r) for r in corpus], corpus_parser))
    s = score(corpus, outputs)
    with capsys.disabled():
        print(f"\n[parser corpus] posts={s.posts} precision={s.precision:.4f} ({s.correct_accepted}/{s.accepted_numbers})"
              f" recall={s.recall:.4f} ({s.recall_found}/{s.recall_total}) kind-accuracy={s.kinds_right / s.posts:.3f}")
        for w in s.wrong:
            print("  accepted but wrong:", w)
    assert s.accepted_numbers > 900
    assert s.precision >= 0.995, s.wrong
    assert s.recall >= 0.95, s.missed[:20]
    assert s.kinds_right / s.posts >= 0.95, s.kind_errors


def test_aggregates_predictions_and_other_never_give_accepted_claims(corpus_parser):
    """Posts labelled aggregate or other yield no accepted precinct claim."""
    corpus = load_corpus()
    outputs = list(run_parse([json.dumps(r) for r in corpus], corpus_parser))
    leaks = [(r["id"], o) for r, o in zip(corpus, outputs) if r["expect"]["kind"] != "precinct_result"
             and any(c["status"] == "accepted" for c in o["claims"])]
    assert leaks == []


@pytest.mark.slow
def test_nevada_negative_set_gives_no_accepted_iowa_claims(parser):
    """Negative set: the 8,847 real Nevada tweets give 0 accepted Iowa precinct claims."""
    tweets = load_nevada()
    assert len(tweets) == 8847
    accepted = []
    for i, text in enumerate(tweets):
        r = parser.parse(PostInput(id=str(i), text=text))
        accepted += [(text, c) for c in r.claims if c.status == "accepted"]
    print(f"\n[nevada negative set] tweets={len(tweets)} accepted_claims={len(accepted)}")
    assert accepted == []
