"""The X collector against the simulator, through the real tweepy.Client."""

from __future__ import annotations

import logging

import pytest
from collect_helpers import TOKEN, add_sources, now, settings_for
from sqlmodel import select

from shadowtally.collectors.base import Disabled
from shadowtally.collectors.config import pack_queries
from shadowtally.collectors.scheduler import Collectors, run_source
from shadowtally.simulator import Scenario, SimClock, SimServer
from shadowtally.store.db import session_scope
from shadowtally.store.models import Post, Source


def _posts(engine, platform: str = "x") -> list[Post]:
    with session_scope(engine) as s:
        return list(s.exec(select(Post).where(Post.platform == platform)))


def test_account_timeline_collects_every_post_and_advances_since_id(sim, store, scenario, collectors):
    handle = scenario.handles()[0]
    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{handle}"')
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "ok", out.message
    expected = {p.original_id for p in scenario.posts if p.platform == "x" and p.handle == handle}
    stored = {p.external_id for p in _posts(store)}
    assert stored == expected
    with session_scope(store) as s:
        src = s.get(Source, sid)
        newest = max(int(p.id) for p in scenario.visible(float("inf")) if p.handle == handle)
        assert src.cursor["since_id"] == str(newest)
        assert src.health["rate_remaining"] < src.health["rate_limit"]
    before = sim.count("/2/users/")
    again = run_source(store, sid, collectors, now=now)
    assert again.result.new == 0 and again.result.revised == 0
    assert sim.count("/2/users/") - before == 1, "a pass with nothing new is one request (since_id honoured)"


def test_expansions_note_tweet_media_replies_and_edits(store, collectors):
    """Long posts keep their full text, media URLs and reply parents are kept, an edit is a revision."""
    sc = Scenario.generate(accounts=2, posts=120, duration=1000, seed=11, feed_accounts=0)
    cut = next(p for p in sc.posts if p.edit_of).at - 5  # the original is out, its edit is not yet
    clock = SimClock(fixed=cut)
    with SimServer(sc, clock=clock, bearer_token=TOKEN) as sim:
        cols = Collectors(settings_for(sim))
        ids = add_sources(store, "\n".join(f'[[source]]\nkind = "x_account"\nhandle = "{h}"' for h in sc.handles()))
        for sid in ids:
            assert run_source(store, sid, cols, now=now).status == "ok"
        clock.set(float("inf"))
        revised = sum(run_source(store, sid, cols, now=now).result.revised for sid in ids)
    edits_after = [p for p in sc.posts if p.edit_of and p.at > cut and
                   next(o for o in sc.posts if o.id == p.edit_of).at <= cut]
    assert revised == len(edits_after) > 0
    posts = {p.external_id: p for p in _posts(store)}
    assert len(posts) == len(sc.expected_posts())
    for e in edits_after:
        row = posts[e.edit_of]
        assert row.revision == 2 and row.text == e.text and row.edited_at is not None
    longs = [p for p in sc.posts if p.long_text and not p.edit_of]
    assert longs and all(posts[p.original_id].text == p.long_text for p in longs if p.original_id in posts
                         and not any(o.edit_of == p.id for o in sc.posts))
    media = [p for p in sc.posts if p.media and not p.edit_of]
    assert media and all(posts[p.id].raw["media"][0]["url"] == p.media[0] for p in media
                         if not any(o.edit_of == p.id for o in sc.posts))
    replies = [p for p in sc.posts if p.reply_to and not p.edit_of]
    assert replies and all(posts[p.id].in_reply_to == p.reply_to for p in replies)


def test_list_is_deduplicated_by_id_without_since_id(sim, store, scenario, collectors):
    [sid] = add_sources(store, '[[source]]\nkind = "x_list"\nlist_id = "1500000000000000001"')
    first = run_source(store, sid, collectors, now=now)
    members = set(scenario.lists["1500000000000000001"])
    expected = {p.original_id for p in scenario.visible(float("inf")) if p.handle in members}
    assert first.status == "ok" and first.result.new == len(expected)
    before = sim.count("/2/lists/")
    second = run_source(store, sid, collectors, now=now)
    assert second.result.new == 0 and second.result.unchanged == 0, "already-seen ids are skipped"
    assert sim.count("/2/lists/") - before == 1, "stops at the first page holding a seen id"


def test_search_packs_handles_under_the_query_limit(sim, store, scenario, collectors):
    handles = [f"someone_with_a_long_handle_{i:03d}" for i in range(60)] + scenario.handles()
    queries = pack_queries(handles)
    assert all(len(q) <= 512 for q in queries) and len(queries) > 1
    assert sorted(t[5:] for q in queries for t in q.split(" OR ")) == sorted(handles)
    ids = add_sources(store, "[[source]]\nkind = \"x_search\"\nhandles = [" + ", ".join(f'"{h}"' for h in handles) + "]")
    assert len(ids) == len(queries)
    for sid in ids:
        assert run_source(store, sid, collectors, now=now).status == "ok"
    assert {p.external_id for p in _posts(store)} == scenario.expected_posts("x")


def test_no_token_disables_x_in_one_line_and_feeds_still_run(sim, store, scenario, monkeypatch):
    monkeypatch.delenv("SHADOWTALLY_X_BEARER_TOKEN", raising=False)
    cols = Collectors(settings_for(sim, token=None))
    feed = scenario.handles("mastodon")[0]
    ids = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[0]}"\n'
                             f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{feed}.rss"')
    x, f = (run_source(store, sid, cols, now=now) for sid in ids)
    assert x.status == "disabled" and "\n" not in x.message and "SHADOWTALLY_X_BEARER_TOKEN" in x.message
    assert f.status == "ok" and f.result.new > 0
    assert isinstance(Disabled("x"), Exception)


def test_bearer_token_is_never_logged_or_stored(sim, store, scenario, collectors, caplog):
    caplog.set_level(logging.DEBUG)
    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[1]}"')
    assert run_source(store, sid, collectors, now=now).status == "ok"
    assert any("Making API request" in r.getMessage() for r in caplog.records), "tweepy did log the request"
    assert TOKEN not in caplog.text
    with session_scope(store) as s:
        dumped = repr([(p.raw, p.url) for p in s.exec(select(Post))]) + repr([(x.cursor, x.health) for x in s.exec(select(Source))])
    assert TOKEN not in dumped


@pytest.mark.parametrize("bad", ["does_not_exist"])
def test_unknown_account_is_an_error_for_that_source_only(sim, store, collectors, bad):
    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{bad}"')
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "error" and bad in out.message
