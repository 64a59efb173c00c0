"""The `shadowtally parse` contract."""

from __future__ import annotations

import json

from click.testing import CliRunner

from shadowtally.app import cli

from conftest import DATA


def _run(lines, *args):
    res = CliRunner().invoke(cli, ["parse", *args], input="\n".join(lines) + "\n")
    return res, [json.loads(x) for x in res.stdout.splitlines() if x.strip()]


def test_one_line_per_input_in_order_with_error_lines():
    """Bad input: a malformed JSON line gets an error line with its line number; processing continues."""
    lines = [json.dumps({"id": "a", "text": "Ames 1-1 final alignment: Sanders 116, Warren 82", "author": "x",
                         "created_at": "2020-02-03T20:00:00-06:00"}),
             "{not json",
             json.dumps({"id": "b", "text": "no numbers here", "author": "y", "created_at": "2020-02-03T20:01:00-06:00"})]
    res, out = _run(lines)
    assert res.exit_code == 0
    assert [o.get("id") for o in out] == ["a", None, "b"]
    assert out[1]["line"] == 2 and "malformed" in out[1]["error"]
    a = out[0]
    assert a["kind"] == "precinct_result"
    assert a["claims"][0]["county"] == "Story" and a["claims"][0]["precinct"] == "Ames 1-1"
    assert a["claims"][0]["round"] == "final" and a["claims"][0]["counts"] == {"Sanders": 116, "Warren": 82}
    assert set(a["claims"][0]) >= {"county", "precinct", "round", "counts", "status", "confidence", "evidence"}
    assert out[2] == {"id": "b", "kind": "other", "claims": []}
    assert "line 2" in res.stderr


def test_accounts_reply_and_correction_via_cli():
    """Context through the CLI: registered account, reply inheritance and a correction that supersedes."""
    lines = [json.dumps({"id": "1", "text": "Final alignment: Sanders 55, Biden 30", "author": "@secretary_0",
                         "created_at": "2020-02-03T20:00:00-06:00"}),
             json.dumps({"id": "2", "text": "CORRECTION: Sanders was 50 not 55", "author": "@secretary_0",
                         "created_at": "2020-02-03T20:05:00-06:00", "in_reply_to": "1"})]
    res, out = _run(lines, "--accounts", str(DATA / "accounts.csv"))
    assert res.exit_code == 0
    c1, c2 = out[0]["claims"][0], out[1]["claims"][0]
    assert c1["status"] == "accepted" and c2["supersedes"] == "1"
    assert (c2["county"], c2["precinct"]) == (c1["county"], c1["precinct"])
    assert c2["counts"] == {"Sanders": 50, "Biden": 30}


def test_edited_post_is_parsed_again():
    """Edits: the same id again (an edit) is parsed again; its claims reflect the new text."""
    lines = [json.dumps({"id": "e", "text": "Ames 1-1 final alignment: Sanders 126", "author": "x"}),
             json.dumps({"id": "e", "text": "Ames 1-1 final alignment: Sanders 116", "author": "x"})]
    _, out = _run(lines)
    assert [o["claims"][0]["counts"]["Sanders"] for o in out] == [126, 116]


def test_unknown_election_is_a_handled_error():
    """Bad input: an unknown election exits 1 with a hint on stderr."""
    res, _ = _run([], "--election", "narnia-2020")
    assert res.exit_code == 1 and "narnia-2020" in res.stderr


def test_posts_without_an_author_are_not_one_thread() -> None:
    """Case: thousands of anonymous posts (a scraped tweet set without handles). They once all
    counted as one author's earlier posts, so each parse scanned every earlier one (quadratic:
    minutes for 9,000 posts) and a "correction" could reach an unrelated post."""
    from shadowtally.cli.commands.parse import ParseSession, _load_parser, _post_from

    session = ParseSession(_load_parser("iowa-2020", None))
    session.parse(_post_from({"id": "a", "text": "Story County Ames 1-1 final alignment: Sanders 111, Warren 82"}))
    assert session.context(_post_from({"id": "b", "text": "Correction: Sanders 112"})) is None
    # With an author, the same two posts are one thread of earlier posts.
    session.parse(_post_from({"id": "c", "author": "sec", "text": "Story County Ames 1-1 final: Sanders 111"}))
    ctx = session.context(_post_from({"id": "d", "author": "sec", "text": "Correction: Sanders 112"}))
    assert ctx is not None and [pid for pid, _ in ctx.prior] == ["c"]
