"""Feeds through real feedparser: Mastodon, Bluesky (handle -> DID), an Atom county site."""

from __future__ import annotations

from collect_helpers import add_sources, now
from sqlmodel import select

from shadowtally.collectors.feeds import html_to_text
from shadowtally.collectors.scheduler import run_source
from shadowtally.store.db import session_scope
from shadowtally.store.models import Post, Source


def test_mastodon_feed_stores_plain_text_and_honours_etag(sim, store, scenario, collectors):
    handle = scenario.handles("mastodon")[0]
    [sid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{handle}.rss"')
    first = run_source(store, sid, collectors, now=now)
    expected = [p for p in scenario.visible(float("inf"), "mastodon") if p.handle == handle][:20]
    assert first.status == "ok" and first.result.new == len(expected) > 0
    with session_scope(store) as s:
        rows = {p.url: p for p in s.exec(select(Post).where(Post.platform == "mastodon"))}
        src = s.get(Source, sid)
        assert src.cursor["etag"]
    for p in expected:
        row = rows[f"{sim.url}/@{handle}/{p.id}"]
        assert row.text == f"{p.text} #IACaucus", "HTML became plain text"
        assert "<" not in row.text
    second = run_source(store, sid, collectors, now=now)
    assert second.result.not_modified and sim.count(f"/@{handle}.rss", status=304) == 1


def test_bluesky_handle_redirects_to_did_which_is_stored(sim, store, scenario, collectors):
    acc = next(a for a in scenario.accounts if a.platform == "bluesky")
    [sid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/profile/{acc.handle}/rss"')
    assert run_source(store, sid, collectors, now=now).status == "ok"
    with session_scope(store) as s:
        src = s.get(Source, sid)
        assert src.platform == "bluesky" and src.cursor["did"] == acc.did
        posts = list(s.exec(select(Post).where(Post.platform == "bluesky")))
    assert posts and all(p.external_id.startswith(f"at://{acc.did}/") for p in posts)
    assert all(p.author == acc.did for p in posts)
    redirects = sim.count(f"/profile/{acc.handle}/rss")
    run_source(store, sid, collectors, now=now)
    assert sim.count(f"/profile/{acc.handle}/rss") == redirects, "later passes go to the DID URL directly"


def test_atom_site_html_content_becomes_text(sim, store, collectors):
    [sid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/site/Polk.atom"')
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "ok" and out.result.new == 3
    with session_scope(store) as s:
        texts = [p.text for p in s.exec(select(Post).where(Post.platform == "web"))]
    assert any("The party published the 62pct results for Polk County." in t for t in texts)


def test_html_to_text():
    assert html_to_text('<p>Sanders <b>45</b> &amp; Warren 12</p><p>DM-80</p>') == "Sanders 45 & Warren 12\nDM-80"
