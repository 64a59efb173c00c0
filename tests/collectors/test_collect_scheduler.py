"""Scheduler wiring: one persisted job per source, 429 moves the job to the reset, `run --for`."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from collect_helpers import add_sources, settings_for
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import func, select

from shadowtally.collectors import scheduler as sched_mod
from shadowtally.collectors.scheduler import (Collectors, JobContext, build_scheduler, context_key, default_jitter,
                                              next_poll)
from shadowtally.app import cli
from shadowtally.store.db import session_scope
from shadowtally.store.models import Post, Source


def jobs_for(store, sim, **kw) -> JobContext:
    """A job context for ``store``: what the runtime builds for a run."""
    return JobContext(key=context_key(store), engine=store, collectors=Collectors(settings_for(sim)), **kw)


def test_next_poll_is_pure():
    t = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)
    assert next_poll(t, 60) == datetime(2020, 2, 4, 2, 1, tzinfo=timezone.utc)
    reset = datetime(2020, 2, 4, 2, 15, tzinfo=timezone.utc)
    assert next_poll(t, 60, retry_at=reset) == reset
    assert next_poll(t, 60, retry_at=t - timedelta(minutes=5)) == t + timedelta(seconds=60)
    assert (default_jitter(5), default_jitter(60), default_jitter(3600)) == (1, 6, 30)


def test_jobs_are_persisted_in_the_same_database_one_per_source(sim, store, scenario, sqlite_url):
    ids = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[0]}"\ninterval = 1\n'
                             f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"\n'
                             'interval = 300')
    ctx = jobs_for(store, sim)
    s = build_scheduler(ctx, ids, scheduler=BackgroundScheduler(timezone=timezone.utc))
    s.start()
    try:
        jobs = {j.id: j for j in s.get_jobs()}
        assert set(jobs) == {f"source:{ids[0]}", f"source:{ids[1]}", "reconcile"}
        j = jobs[f"source:{ids[0]}"]
        assert j.coalesce and j.max_instances == 1 and j.func_ref == "shadowtally.collectors.scheduler:scheduled_pass"
        # The job carries a key and a source id, never the engine or the database URL.
        assert j.args == (ctx.key, ids[0]) and "sqlite" not in ctx.key
        assert j.trigger.interval == timedelta(seconds=1) and j.trigger.jitter == 1
        assert jobs[f"source:{ids[1]}"].trigger.jitter == 30
        with store.connect() as conn:
            stored = {r[0] for r in conn.execute(text("SELECT id FROM apscheduler_jobs"))}
        assert stored == set(jobs)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with session_scope(store) as ses:
                src = ses.get(Source, ids[0])
                if src.health.get("last_success") and src.health.get("next_run"):
                    break
            time.sleep(0.2)
        assert src.health.get("last_success") and src.health.get("next_run")
    finally:
        # stop_scheduler, not shutdown(wait=True): a pass running at that moment deadlocks APScheduler
        # (seen on a loaded CI machine: the test hung in ThreadPoolExecutor.shutdown).
        sched_mod.stop_scheduler(ctx)
        sched_mod.unregister_context(ctx)


def test_429_moves_the_job_to_the_reset_time(sim, store, scenario, sqlite_url):
    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[0]}"\ninterval = 60')
    sim.faults.add("429", "/2/", times=None, delay=600)
    ctx = jobs_for(store, sim)
    s = build_scheduler(ctx, [sid], scheduler=BackgroundScheduler(timezone=timezone.utc))
    s.start(paused=True)
    try:
        sched_mod.scheduled_pass(ctx.key, sid)
        job = s.get_job(f"source:{sid}")
        expected = datetime.now(timezone.utc) + timedelta(seconds=600)
        assert abs((job.next_run_time - expected).total_seconds()) < 5
        with session_scope(store) as ses:
            assert ses.get(Source, sid).health["next_run"] == job.next_run_time.astimezone(timezone.utc).isoformat()
    finally:
        s.shutdown(wait=False)
        sched_mod.unregister_context(ctx)


def test_run_for_collects_in_one_process(sim, scenario, tmp_path, monkeypatch):
    monkeypatch.setenv("SHADOWTALLY_X_BEARER_TOKEN", "test-bearer-token-do-not-log")
    cfg = tmp_path / "shadowtally.toml"
    cfg.write_text(f'x_api_url = "{sim.url}"\n[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[2]}"\n'
                   'interval = 2\n')
    db = f"sqlite:///{tmp_path / 'run.db'}"
    r = CliRunner().invoke(cli, ["run", "--config", str(cfg), "--db", db, "--for", "4"])
    assert r.exit_code == 0, r.output
    from shadowtally.store.db import open_store
    with session_scope(open_store(db)) as ses:
        n = ses.exec(select(func.count()).select_from(Post)).one()
    assert n == len([p for p in scenario.expected_posts() if p in {q.original_id for q in scenario.posts
                                                                     if q.handle == scenario.handles()[2]}])
    assert context_key(open_store(db)) not in sched_mod._CONTEXTS, "run --for releases its job context"


def test_reconcile_pass_is_not_starved_by_busy_collectors(sim, store, scenario, sqlite_url):
    """Case: a long run with more polls due than workers (the replay's 354 Bluesky feeds). The reconcile
    job once shared the collectors' pool, queued behind them past its 1 s misfire grace, and was dropped:
    the tally went tens of seconds without an update. Here one collector worker is held busy for 3 s."""
    from apscheduler.executors.pool import ThreadPoolExecutor

    [sid] = add_sources(store, f'[[source]]\nkind = "x_account"\nhandle = "{scenario.handles()[0]}"\ninterval = 60')
    calls: list[float] = []
    ctx = jobs_for(store, sim, reconcile=lambda _engine: calls.append(time.monotonic()))
    s = BackgroundScheduler(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(max_workers=1)})
    build_scheduler(ctx, [sid], scheduler=s, reconcile_every=1, persistent=False)
    s.add_job(time.sleep, args=[3.0], id="blocker", next_run_time=datetime.now(timezone.utc))
    t0 = time.monotonic()
    s.start()
    try:
        time.sleep(2.6)
        assert [c for c in calls if c - t0 < 2.6], "the reconcile pass waited for the collectors' pool"
    finally:
        sched_mod.stop_scheduler(ctx)
        sched_mod.unregister_context(ctx)


def test_quiet_pass_writes_no_health_until_the_heartbeat_is_due(sim, store, collectors, scenario):
    """Case: hundreds of feeds polled every few seconds that mostly have nothing new. A pass that stores
    nothing and finds the health current writes nothing (no write lock taken); after HEARTBEAT_S it does;
    a pass that stores posts always does."""
    from shadowtally.store.sources import HEARTBEAT_S

    [sid] = add_sources(store, f'[[source]]\nkind = "feed"\nurl = "{sim.url}/@{scenario.handles("mastodon")[0]}.rss"')
    t = datetime(2020, 2, 4, 3, 0, tzinfo=timezone.utc)

    def health():
        with session_scope(store) as ses:
            return dict(ses.get(Source, sid).health)

    first = sched_mod.run_source(store, sid, collectors, now=lambda: t)
    assert first.status == "ok" and first.result.new > 0 and not first.quiet
    assert health()["last_success"] == t.isoformat()
    # The first "not modified" changes the recorded result, so it is written once ...
    t2 = t + timedelta(seconds=5)
    second = sched_mod.run_source(store, sid, collectors, now=lambda: t2)
    assert second.result.not_modified and not second.quiet and health()["last_success"] == t2.isoformat()
    # ... the next ones only confirm it, and write nothing until the heartbeat is due.
    third = sched_mod.run_source(store, sid, collectors, now=lambda: t2 + timedelta(seconds=5))
    assert third.quiet and health()["last_success"] == t2.isoformat()
    later = t2 + timedelta(seconds=HEARTBEAT_S + 1)
    fourth = sched_mod.run_source(store, sid, collectors, now=lambda: later)
    assert fourth.status == "ok" and not fourth.quiet and health()["last_success"] == later.isoformat()
