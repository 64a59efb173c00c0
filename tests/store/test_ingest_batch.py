"""The batched ingest path (``upsert_posts``, ``replace_claims_many``) against the one-at-a-time
path (``upsert_post``, ``replace_claims``), on SQLite and (with SHADOWTALLY_TEST_PG) PostgreSQL.

Each test plays the same sequence of fetches through both paths on the same store (the
tables are emptied in between) and compares the tables row for row, with database ids
replaced by what they point at (ids differ between the runs, nothing else may).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shadowtally.store.db import session_scope
from shadowtally.store.ingest import PostChange, StoredPost, replace_claims, replace_claims_many, upsert_post, upsert_posts
from shadowtally.store.models import Post
from shadowtally.store.validate import ClaimIn, PostIn, sha256_json

T0 = datetime(2020, 2, 4, 2, 15, tzinfo=timezone.utc)
POST_COLUMNS = ("platform, external_id, author, url, text, in_reply_to, created_at, fetched_at, edited_at, "
                "revision, deleted, raw, raw_sha256, source_id")


def post(external_id: str, body: str, *, platform: str = "x", fetched: int = 1, **over: Any) -> PostIn:
    values: dict[str, Any] = dict(
        platform=platform, external_id=external_id, author=f"sec_{external_id[-2:]}",
        url=f"https://example.org/{platform}/{external_id}", text=body, created_at=T0,
        fetched_at=T0 + timedelta(minutes=fetched), raw={"id": external_id, "text": body},
    )
    values.update(over)
    return PostIn.of(**values)


def claim(round_: str = "final", supersedes: int | None = None, **counts: int) -> ClaimIn:
    return ClaimIn.of(county="Story", precinct="Ames 1-1", round=round_, counts=counts or {"Sanders": 111},
                      confidence=0.9, status="accepted", rule="name-colon-count", evidence=[[0, 11, "Sanders 111"]],
                      supersedes=supersedes)


# A fetch: posts in order. Three platforms, one post without raw (hashed by its text), a reply.
FIRST = [
    post("1001", "Ames 1-1 final: Sanders 111, Warren 82"),
    post("1002", "Ames 1-2 final: Biden 40", platform="mastodon", in_reply_to="1001"),
    post("3kabc", "Ames 1-3 first: Warren 9", platform="bluesky", raw={}),
    post("1004", "Ames 1-4 first: Klobuchar 12", edited_at=None),
    post("1005", "Ames 1-5 sde: Sanders 1.2"),
]


def posts_table(engine: Engine) -> list[tuple[Any, ...]]:
    """Every post row without its id, in external-id order."""
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {POST_COLUMNS} FROM posts ORDER BY platform, external_id"))
        return [tuple(r) for r in rows]


def claims_table(engine: Engine) -> list[tuple[Any, ...]]:
    """Every claim row, ids replaced by (post external id, position among that post's claims)."""
    with engine.connect() as conn:
        rows = [r._asdict() for r in conn.execute(text(
            "SELECT c.*, p.external_id AS post_ext FROM claims c JOIN posts p ON p.id = c.post_id ORDER BY c.id"))]
    position: dict[int, tuple[str, int]] = {}
    for r in rows:
        position[r["id"]] = (r["post_ext"], sum(1 for q in position.values() if q[0] == r["post_ext"]))
    out = []
    for r in rows:
        target = position.get(r["supersedes_id"]) if r["supersedes_id"] is not None else None
        out.append((position[r["id"]], r["post_revision"], r["county"], r["precinct"], r["round"], str(r["counts"]),
                    r["confidence"], r["status"], r["rule"], str(r["evidence"]), target, bool(r["superseded"]),
                    r["created_at"]))
    return sorted(out, key=repr)


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM claims"))
        conn.execute(text("DELETE FROM posts"))


Fetches = Sequence[Sequence[PostIn]]


def one_by_one(engine: Engine, fetches: Fetches) -> list[list[tuple[int, int, PostChange]]]:
    """Each fetch in its own transaction through upsert_post; (id, revision, change) per post."""
    out = []
    for batch in fetches:
        with session_scope(engine) as s:
            # Read id and revision at once: the ORM row of a repeated post is the same object.
            out.append([(r.id or 0, r.revision, change) for r, change in (upsert_post(s, p) for p in batch)])
    return out


def batched(engine: Engine, fetches: Fetches, page: int = 2) -> list[list[tuple[int, int, PostChange]]]:
    """Each fetch in its own transaction through upsert_posts (page 2: most fetches span pages)."""
    out = []
    for batch in fetches:
        with session_scope(engine) as s:
            out.append([(r.id, r.revision, r.change) for r in upsert_posts(s, batch, page=page)])
    return out


def same_outcome(engine: Engine, fetches: Fetches) -> list[list[tuple[int, int, PostChange]]]:
    """Play ``fetches`` both ways; assert equal tables and equal changes; return the batched result."""
    single = one_by_one(engine, fetches)
    expected = posts_table(engine)
    empty(engine)
    batch = batched(engine, fetches)
    assert posts_table(engine) == expected
    assert [[(rev, change) for _, rev, change in f] for f in batch] == \
        [[(rev, change) for _, rev, change in f] for f in single]
    return batch


def test_new_posts_store_the_same_rows(engine: Engine) -> None:
    """Case: new posts (3 platforms, one without raw, a reply), over several pages: same rows, all "new",
    and every returned id is the row of that (platform, external id)."""
    [result] = same_outcome(engine, [FIRST])
    assert [change for _, _, change in result] == ["new"] * len(FIRST)
    with engine.connect() as conn:
        ids = {(r.platform, r.external_id): r.id for r in conn.execute(text("SELECT id, platform, external_id FROM posts"))}
    assert [ids[(p.platform, p.external_id)] for p in FIRST] == [i for i, _, _ in result]


def test_reingest_is_unchanged_and_writes_nothing(engine: Engine) -> None:
    """Case: the same posts fetched again later: every post "unchanged", not one byte of the table differs
    (fetched_at is not rewritten), exactly as upsert_post."""
    again = [p.model_copy(update={"fetched_at": p.fetched_at + timedelta(minutes=30)}) for p in FIRST]
    with session_scope(engine) as s:
        upsert_posts(s, FIRST, page=2)
    with engine.connect() as conn:
        before = [tuple(r) for r in conn.execute(text("SELECT * FROM posts ORDER BY id"))]
    with session_scope(engine) as s:
        result = upsert_posts(s, again, page=2)
    with engine.connect() as conn:
        after = [tuple(r) for r in conn.execute(text("SELECT * FROM posts ORDER BY id"))]
    assert [r.change for r in result] == ["unchanged"] * len(FIRST) and after == before
    empty(engine)
    same_outcome(engine, [FIRST, again])


def test_edit_deletion_and_raw_change_revise_as_upsert_post(engine: Engine) -> None:
    """Case: a mixed re-fetch: an edited text ("revised", revision 2, edited_at = the edit time or,
    without one, the fetch time), a deletion and a raw-only change (both "unchanged" but stored),
    an untouched post and a brand-new one, all in one call: same rows and changes as upsert_post."""
    second = [
        post("1001", "Ames 1-1 final: Sanders 112, Warren 82", fetched=20, edited_at=T0 + timedelta(minutes=15)),
        post("1002", "Ames 1-2 final: Biden 40", platform="mastodon", in_reply_to="1001", fetched=20, deleted=True),
        post("3kabc", "Ames 1-3 first: Warren 9", platform="bluesky", raw={}, fetched=20),
        post("1004", "Ames 1-4 first: Klobuchar 12", fetched=20, raw={"id": "1004", "text": "x", "likes": 3}),
        post("1006", "Ames 1-6 first: Yang 7", fetched=20),
        post("1005", "Ames 1-5 sde: Sanders 1.3", fetched=20),
    ]
    _, result = same_outcome(engine, [FIRST, second])
    assert [(rev, change) for _, rev, change in result] == [
        (2, "revised"), (1, "unchanged"), (1, "unchanged"), (1, "unchanged"), (1, "new"), (2, "revised")]
    with engine.connect() as conn:
        rows = {r.external_id: r for r in conn.execute(text("SELECT * FROM posts"))}
    assert rows["1002"].deleted and rows["1001"].revision == 2
    assert rows["1005"].edited_at is not None  # no edited_at given: the fetch time


def test_repeated_post_in_one_call_applies_in_order(engine: Engine) -> None:
    """Case: one call holding a post, its edit and the edit again: "new", "revised", "unchanged",
    as three consecutive upsert_post calls; the returned id is the same row each time."""
    edited = post("1001", "Ames 1-1 final: Sanders 112, Warren 82", fetched=5)
    [result] = same_outcome(engine, [[*FIRST, edited, edited]])
    assert [c for _, _, c in result] == ["new"] * len(FIRST) + ["revised", "unchanged"]
    assert result[0][0] == result[-2][0] == result[-1][0] and result[-1][1] == 2


ClaimPlan = Callable[[dict[str, list[int]]], list[tuple[str, list[ClaimIn]]]]


def play_claims(engine: Engine, plans: Sequence[ClaimPlan], many: bool) -> list[list[list[int]]]:
    """Store FIRST, then each plan (external id → claims, given the claim ids so far) in its own
    transaction, through replace_claims (many=False) or replace_claims_many."""
    with session_scope(engine) as s:
        stored = {p.external_id: upsert_post(s, p)[0] for p in FIRST}
    ids: dict[str, list[int]] = {}
    out = []
    for plan in plans:
        with session_scope(engine) as s:
            items = [(stored[ext], claims) for ext, claims in plan(ids)]
            if many:
                got = replace_claims_many(s, [(s.merge(p), c) for p, c in items], now=T0, page=2)
            else:
                got = [[c.id or 0 for c in replace_claims(s, s.merge(p), c, now=T0)] for p, c in items]
        for (ext, _), new_ids in zip(plan(ids), got):
            ids[ext] = new_ids
        out.append(got)
    return out


def same_claims(engine: Engine, plans: Sequence[ClaimPlan]) -> list[list[list[int]]]:
    one = play_claims(engine, plans, many=False)
    expected = claims_table(engine)
    empty(engine)
    many = play_claims(engine, plans, many=True)
    assert claims_table(engine) == expected
    assert [[len(c) for c in step] for step in many] == [[len(c) for c in step] for step in one]
    return many


def test_claims_insert_and_supersession_as_replace_claims(engine: Engine) -> None:
    """Case: claims for new posts (several per post, one post with none), then a correction that
    supersedes an earlier claim: same claim rows, the superseded flag set, ids returned per post."""
    plans: list[ClaimPlan] = [
        lambda ids: [("1001", [claim("first", Sanders=120), claim("final", Sanders=111, Warren=82)]),
                     ("1002", []), ("3kabc", [claim("first", Warren=9)]), ("1004", [claim("first", Klobuchar=12)])],
        lambda ids: [("1005", [claim("first", ids["1001"][0], Sanders=121)])],
    ]
    result = same_claims(engine, plans)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(text("SELECT id, post_id, superseded, supersedes_id FROM claims"))}
    first, second = result
    assert [len(c) for c in first] == [2, 0, 1, 1]
    assert rows[first[0][0]].superseded and rows[second[0][0]].supersedes_id == first[0][0]


def test_reparse_replaces_claims_and_detaches_supersessions(engine: Engine) -> None:
    """Case: a re-parse of posts that already have claims: the old claims go, a claim that superseded
    one of them keeps pointing at nothing, no duplicates: same rows as replace_claims."""
    plans: list[ClaimPlan] = [
        lambda ids: [("1001", [claim("final", Sanders=111)]), ("1004", [claim("first", Klobuchar=12)])],
        lambda ids: [("1005", [claim("final", ids["1001"][0], Sanders=112)])],
        lambda ids: [("1001", [claim("final", Sanders=110), claim("first", Sanders=120)]),
                     ("1004", [claim("first", Klobuchar=13)])],
    ]
    same_claims(engine, plans)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM claims")).scalar_one()
        dangling = conn.execute(text("SELECT supersedes_id FROM claims c JOIN posts p ON p.id = c.post_id "
                                     "WHERE p.external_id = '1005'")).scalar_one()
    assert n == 4 and dangling is None


def test_batched_claims_refuse_ambiguous_calls(engine: Engine) -> None:
    """Case: what consecutive replace_claims calls would answer by their order is refused:
    the same post twice in one call, or a claim superseding a claim the same call deletes."""
    with session_scope(engine) as s:
        stored = upsert_posts(s, FIRST[:2])
        [[old]] = replace_claims_many(s, [(stored[0], [claim()])], now=T0)
    with session_scope(engine) as s:
        with pytest.raises(ValueError, match="once per call"):
            replace_claims_many(s, [(stored[0], [claim()]), (stored[0], [claim()])], now=T0)
        with pytest.raises(ValueError, match="deletes"):
            replace_claims_many(s, [(stored[0], [claim()]), (stored[1], [claim("final", old)])], now=T0)


def test_stored_post_is_what_upsert_post_returns(engine: Engine) -> None:
    """Case: the StoredPost records carry the same id, revision and change as the ORM rows upsert_post
    returns for the same sequence on the same store (new, then an unchanged re-fetch)."""
    with session_scope(engine) as s:
        batch = upsert_posts(s, FIRST)
    with session_scope(engine) as s:
        single = [upsert_post(s, p) for p in FIRST]
    assert [(r.id, r.revision) for r in batch] == [(row.id, row.revision) for row, _ in single]
    assert all(isinstance(r, StoredPost) for r in batch) and {c for _, c in single} == {"unchanged"}


def test_pending_orm_changes_are_seen(engine: Engine) -> None:
    """Case: a post added through the ORM in the same session and not yet flushed: upsert_posts sees
    it (it flushes first, as upsert_post's query autoflushes), so the same post is "unchanged", not
    a second insert."""
    with session_scope(engine) as s:
        s.add(Post(**FIRST[0].model_dump(), raw_sha256=sha256_json(FIRST[0].raw)))
        [result] = upsert_posts(s, FIRST[:1])
    assert result.change == "unchanged"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM posts")).scalar_one() == 1
