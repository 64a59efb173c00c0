"""The key ingest paths on each backend (SQLite always; PostgreSQL when SHADOWTALLY_TEST_PG is set)."""

from __future__ import annotations

from collect_helpers import add_sources, now
from sqlmodel import func, select

from shadowtally.collectors.scheduler import run_source
from shadowtally.store.db import session_scope
from shadowtally.store.models import OfficialRelease, Post, Source


def test_x_feed_and_release_passes_are_idempotent(sim, scenario, collectors, engine):
    handle = scenario.handles()[0]
    ids = add_sources(engine, f'[[source]]\nkind = "x_account"\nhandle = "{handle}"\n'
                              f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"\n'
                              f'[[source]]\nkind = "official"\nurl = "{sim.url}/idp/results.json?label=62pct"')
    for sid in ids:
        assert run_source(engine, sid, collectors, now=now).status == "ok"
    with session_scope(engine) as s:
        n_posts = s.exec(select(func.count()).select_from(Post)).one()
        for src in s.exec(select(Source)):  # drop cursors: every item comes back
            src.cursor = {k: v for k, v in src.cursor.items() if k == "user_id"}
            s.add(src)
    for sid in ids:
        out = run_source(engine, sid, collectors, now=now)
        assert out.status == "ok" and out.result.new == 0 and out.result.releases == 0
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Post)).one() == n_posts
        assert s.exec(select(func.count()).select_from(OfficialRelease)).one() == 1
        x = {p.external_id for p in s.exec(select(Post).where(Post.platform == "x"))}
    assert x == {p.original_id for p in scenario.posts if p.platform == "x" and p.handle == handle}
