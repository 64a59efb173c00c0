"""Every fault the collectors must survive, one test each (see each docstring)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from collect_helpers import add_sources, now, settings_for
from sqlmodel import func, select

from shadowtally.collectors.scheduler import Collectors, run_source
from shadowtally.store.db import session_scope
from shadowtally.store.models import OfficialRelease, Post, Source


def _count(engine, platform: str | None = None) -> int:
    with session_scope(engine) as s:
        q = select(func.count()).select_from(Post)
        if platform:
            q = q.where(Post.platform == platform)
        return s.exec(q).one()


def _source(engine, sid: int) -> Source:
    with session_scope(engine) as s:
        return s.get(Source, sid)


def _account(store, scenario, i: int = 0) -> int:
    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[i]}"')
    return sid


def test_429_with_reset_header_reschedules_at_reset_without_retrying(sim, store, scenario, collectors):
    """Fault: 429 with an x-rate-limit-reset header -> come back at the reset, one request, cursor kept."""
    sid = _account(store, scenario)
    sim.faults.add("429", "/2/users/", times=1, delay=120)
    before = sim.count("/2/")
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "rate_limited"
    assert sim.count("/2/") - before == 1, "no retry loop"
    expected = datetime.now(timezone.utc) + timedelta(seconds=120)
    assert abs((out.retry_at - expected).total_seconds()) < 5
    src = _source(store, sid)
    assert src.health["next_run"] == out.retry_at.isoformat() and "since_id" not in src.cursor
    assert src.health["rate_remaining"] == 0
    assert run_source(store, sid, collectors, now=now).status == "ok"


def test_429_without_reset_header_waits_a_window_not_a_loop(sim, store, scenario, collectors):
    """Fault: 429 with no reset header (tweepy would retry at once) -> one request, retry in 15 min."""
    sid = _account(store, scenario)
    sim.faults.add("429-noreset", "/2/", times=None)
    before = sim.count("/2/")
    t0 = datetime.now(timezone.utc)
    out = run_source(store, sid, collectors, now=now)
    assert out.status == "rate_limited" and sim.count("/2/") - before == 1
    assert timedelta(minutes=14) < out.retry_at - t0 < timedelta(minutes=16)


def test_rate_window_spent_mid_pagination_keeps_pages_but_not_cursor(store, scenario):
    """Fault: the real window runs out between pages -> stored pages kept, since_id not advanced."""
    from shadowtally.simulator import SimServer
    with SimServer(scenario, limits={"timeline": (2, 900.0)}, bearer_token="t") as sim:
        cols = Collectors(settings_for(sim, token="t"))
        sid = _account(store, scenario)
        with session_scope(store) as s:  # small pages so the pass needs several
            pass
        cols.for_kind("x_account").page_size = 5  # type: ignore[attr-defined]
        out = run_source(store, sid, cols, now=now)
    assert out.status == "rate_limited"
    assert _count(store, "x") == 10, "the two pages read before the 429 are stored"
    assert "since_id" not in _source(store, sid).cursor


def test_500_storm_is_retried_with_backoff_then_gives_up_cleanly(sim, store, scenario, collectors):
    """Fault: a 500 storm -> retried with backoff; a short storm passes, an endless one fails this source only."""
    sid = _account(store, scenario)
    sim.faults.add("500", "/2/", times=2)
    assert run_source(store, sid, collectors, now=now).status == "ok"
    stored = _count(store)
    assert stored > 0
    sim.faults.add("500", "/2/", times=None)
    sid2 = _account(store, scenario, 1)
    before = sim.count("/2/")
    out = run_source(store, sid2, collectors, now=now)
    assert out.status == "error" and "gave up after 3 attempts" in out.message
    assert sim.count("/2/") - before == 3
    feed = scenario.handles("mastodon")[0]
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{feed}.rss"')
    assert run_source(store, fid, collectors, now=now).status == "ok", "other sources keep going"


def test_read_timeout_is_retried(sim, store, scenario):
    """Fault: a read timeout -> retried; the pass succeeds once the server answers in time."""
    cols = Collectors(settings_for(sim, timeout=(1.0, 0.3)))
    sid = _account(store, scenario)
    sim.faults.add("slow", "/2/users/by", times=1, delay=1.0)
    t0 = time.monotonic()
    out = run_source(store, sid, cols, now=now)
    assert out.status == "ok" and _count(store) > 0
    assert time.monotonic() - t0 < 5
    sim.faults.add("slow", "/@", times=None, delay=0.6)
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"')
    out = run_source(store, fid, cols, now=now)
    assert out.status == "error" and "timeout" in out.message


def test_truncated_body_is_retried(sim, store, scenario, collectors):
    """Fault: a body cut short of its Content-Length (X and feed) -> retried, nothing half-stored."""
    sid = _account(store, scenario)
    sim.faults.add("truncate", "/2/users/", times=1)
    sim.faults.add("truncate", "/@", times=1)
    assert run_source(store, sid, collectors, now=now).status == "ok"
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"')
    out = run_source(store, fid, collectors, now=now)
    assert out.status == "ok" and out.result.new > 0
    assert sim.count("/@", status=200) == 2


def test_malformed_json_is_retried_from_x_and_rejected_from_releases(sim, store, scenario, collectors):
    """Fault: malformed JSON -> an X page is fetched again; an official release is rejected naming the line."""
    sid = _account(store, scenario)
    sim.faults.add("bad-json", "/2/users/", times=1)
    assert run_source(store, sid, collectors, now=now).status == "ok"
    sim.faults.add("bad-json", "/idp/results.json", times=1)
    [oid] = add_sources(store, f'[[source]]\nkind = "official"\nurl = "{sim.url}/idp/results.json?label=62pct"')
    out = run_source(store, oid, collectors, now=now)
    assert out.status == "error" and "malformed JSON" in out.message and "line " in out.message
    with session_scope(store) as s:
        assert s.exec(select(func.count()).select_from(OfficialRelease)).one() == 0
    assert run_source(store, oid, collectors, now=now).status == "ok"


def test_malformed_xml_is_a_warning_not_a_failure(sim, store, scenario, collectors):
    """Fault: malformed XML (bozo) -> entries still stored, the warning kept in health."""
    handle = scenario.handles("mastodon")[0]
    sim.faults.add("bad-xml", "/@", times=1)
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{handle}.rss"')
    out = run_source(store, fid, collectors, now=now)
    assert out.status == "ok" and out.result.new > 0 and out.result.warnings
    assert "not well-formed" in _source(store, fid).health["last_warning"]


def test_redirect_loop_fails_fast(sim, store, collectors):
    """Fault: a redirect loop -> stopped at the redirect limit, not retried, reported."""
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/fault/redirect-loop"')
    out = run_source(store, fid, collectors, now=now)
    assert out.status == "error" and "too many redirects" in out.message
    assert sim.count("/fault/") <= 7


def test_50mb_feed_is_cut_at_the_size_cap(sim, store, scenario, collectors):
    """Fault: a 50 MB feed -> reading stops at the cap (10 MB), the source errors, memory stays small."""
    sim.faults.add("huge", "/@", times=None)
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"')
    t0 = time.monotonic()
    out = run_source(store, fid, collectors, now=now)
    assert out.status == "error" and "cap" in out.message
    assert time.monotonic() - t0 < 10
    assert _count(store) == 0


def test_feed_that_changes_its_guids_does_not_duplicate(sim, store, scenario, collectors):
    """Fault: a feed whose guids change on every fetch -> matched by link, no duplicates."""
    handle = scenario.handles("mastodon")[0]
    sim.faults.add("changing-guids", f"/@{handle}", times=None)
    [fid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{handle}.rss"')
    first = run_source(store, fid, collectors, now=now)
    n = _count(store, "mastodon")
    assert first.result.new == n > 0
    for _ in range(2):
        again = run_source(store, fid, collectors, now=now)
        assert again.status == "ok" and not again.result.not_modified and again.result.new == 0
    assert _count(store, "mastodon") == n


def test_release_missing_counties_is_rejected_and_previous_stays_current(sim, store, collectors):
    """Fault: a release missing counties -> rejected whole with the counties named; the previous stays."""
    [oid] = add_sources(store, f'[[source]]\nkind = "official"\nurl = "{sim.url}/idp/full.csv?label=62pct"')
    assert run_source(store, oid, collectors, now=now).status == "ok"
    sim.faults.add("drop-counties", "/idp/", times=None)
    with session_scope(store) as s:  # force a fresh GET
        src = s.get(Source, oid)
        src.cursor = {}
        s.add(src)
    out = run_source(store, oid, collectors, now=now)
    assert out.status == "error" and "partial release: 3 counties are missing (Adair, Adams, Allamakee)" in out.message
    with session_scope(store) as s:
        rels = list(s.exec(select(OfficialRelease)))
    assert [r.label for r in rels] == ["62pct"]
