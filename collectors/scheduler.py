"""Running collectors: one pass over one source (with its health), one pass over all, and
the APScheduler 3 job wiring for ``shadowtally run``.

One job per polled source, id ``source:<id>``, referenced as ``shadowtally.collectors.scheduler:scheduled_pass``
(APScheduler refuses lambdas, and a text reference survives pickling into the job store).
A job's arguments are a context key and a source id; the job finds its engine,
collectors and reconcile hook in the :class:`JobContext` registered under that key.
Each job has its own interval and jitter, ``coalesce=True`` and ``max_instances=1``; the
job store is a ``SQLAlchemyJobStore`` in the same database. A 429 moves that job's next
run to the reset time; nothing loops. Only one scheduler process may use a store
(APScheduler 3 cannot share one).
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import select

from shadowtally.collectors.base import Clock, CollectError, Collector, Disabled, PassResult, RateLimited
from shadowtally.collectors.config import SourceSpec
from shadowtally.collectors.kinds import KINDS, Settings
from shadowtally.collectors.pipeline import Handoff
from shadowtally.store.db import session_scope
from shadowtally.store.ingest import upsert_source
from shadowtally.store.models import Source
from shadowtally.store.sources import heartbeat_fresh, record_error, record_success, update_health

log = logging.getLogger(__name__)

JOB_FUNC = "shadowtally.collectors.scheduler:scheduled_pass"
RECONCILE_FUNC = "shadowtally.collectors.scheduler:reconcile_pass"
JOB_TABLE = "apscheduler_jobs"
RECONCILE_EXECUTOR = "reconcile"  # the reconcile job's own worker (see build_scheduler)
FEED_EXECUTOR = "feeds"            # RSS/Atom polls; the X API and official releases keep "default"
FEED_WORKERS = 8


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Outcome:
    source_id: int
    name: str
    status: str                     # ok | disabled | rate_limited | error
    message: str = ""
    result: PassResult | None = None
    retry_at: datetime | None = None
    quiet: bool = False             # nothing new and health already current: nothing was written

    @property
    def failed(self) -> bool:
        return self.status in ("error", "rate_limited")


def source_name(s: Source) -> str:
    return f"{s.kind}:{s.locator}" if len(s.locator) < 80 else f"{s.kind}:{s.locator[:77]}…"


class Collectors:
    """One collector per family of kinds, built lazily and reused (so HTTP sessions keep
    their connections). Which family serves a kind is the kind's own declaration
    (:mod:`collectors.kinds`); ``handoff`` parses what they store."""

    def __init__(self, settings: Settings, handoff: Handoff | None = None) -> None:
        self.settings = settings
        self.handoff = handoff
        self._cache: dict[str, Collector] = {}

    def for_kind(self, kind: str) -> Collector:
        spec = KINDS.get(kind)
        if spec is None:
            raise CollectError(f"no collector for source kind {kind!r}")
        if spec.family not in self._cache:
            self._cache[spec.family] = spec.build(self.settings, self.handoff)
        return self._cache[spec.family]


def sync_sources(engine: Engine, specs: Iterable[SourceSpec]) -> list[int]:
    """Make the store's sources match the config (added or updated; cursors kept). Returns their ids."""
    ids = []
    with session_scope(engine) as session:
        for spec in specs:
            row, _ = upsert_source(session, spec.to_in())
            assert row.id is not None
            ids.append(row.id)
    return ids


def run_source(engine: Engine, source_id: int, collectors: Collectors, *, now: Clock = utcnow) -> Outcome:
    """One pass over one source. Stores what it fetched, records health, never raises a CollectError."""
    try:
        with session_scope(engine) as session:
            source = session.get(Source, source_id)
            if source is None:
                return Outcome(source_id, f"source {source_id}", "error", "no such source")
            name = source_name(source)
            spec = KINDS.get(source.kind)
            if spec is not None and spec.shape == "stream":
                return Outcome(source_id, name, "disabled", "a stream source is consumed only under `shadowtally run`")
            try:
                result = collectors.for_kind(source.kind).collect(session, source, now=now)
            except Disabled as exc:
                update_health(session, source, last_error=str(exc), last_error_at=now(), disabled=True)
                return Outcome(source_id, name, "disabled", str(exc))
            except RateLimited as exc:
                # What was stored before the 429 is committed; the cursor was not moved.
                record_error(session, source, now=now(), message=str(exc))
                update_health(session, source, next_run=exc.retry_at, rate_remaining=0,
                              rate_reset=exc.retry_at.isoformat())
                return Outcome(source_id, name, "rate_limited", str(exc), retry_at=exc.retry_at)
            except CollectError as exc:
                record_error(session, source, now=now(), message=str(exc))
                return Outcome(source_id, name, "error", str(exc))
            summary = result.summary() + (f"; {len(result.warnings)} warning(s)" if result.warnings else "")
            at = now()
            if result.quiet and not result.rate and heartbeat_fresh(source, now=at, summary=summary):
                return Outcome(source_id, name, "ok", summary, result, quiet=True)
            record_success(session, source, now=at, summary=summary, rate=result.rate)
            if result.warnings:
                update_health(session, source, last_warning=result.warnings[-1][:300])
            return Outcome(source_id, name, "ok", summary, result)
    except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
        log.exception("pass over source %s failed", source_id)
        message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        with session_scope(engine) as session:
            source = session.get(Source, source_id)
            if source is not None:
                record_error(session, source, now=now(), message=message)
        return Outcome(source_id, f"source {source_id}", "error", message)


def run_once(engine: Engine, source_ids: Iterable[int], collectors: Collectors, *, now: Clock = utcnow,
             report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """One pass over each source in turn; every source is tried whatever the others did."""
    out = []
    for sid in source_ids:
        o = run_source(engine, sid, collectors, now=now)
        if report:
            report(o)
        out.append(o)
    return out


# ---- scheduling -----------------------------------------------------------------------------------

def next_poll(now: datetime, interval_s: float, *, retry_at: datetime | None = None) -> datetime:
    """When a source is polled next: after its interval, or at the rate-limit reset if that is later."""
    nxt = now + timedelta(seconds=interval_s)
    return max(nxt, retry_at) if retry_at else nxt


def default_jitter(interval_s: int) -> int:
    """Spread sources apart: 10% of the interval, at least 1 s, at most 30 s."""
    return max(1, min(30, interval_s // 10))


@dataclass
class JobContext:
    """What a scheduled job needs, found by :attr:`key`.

    APScheduler 3 calls a job by a text reference with picklable arguments, so a job
    carries only this key and a source id: never an engine, and never the database URL
    (whose password would be pickled into the job table)."""

    key: str
    engine: Engine
    collectors: Collectors
    reconcile: Callable[[Engine], None] | None = None
    scheduler: BaseScheduler | None = None
    wanted: set[str] = field(default_factory=set)
    running: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    streams: list[threading.Thread] = field(default_factory=list)
    stop_streams: threading.Event = field(default_factory=threading.Event)

    def enter(self) -> None:
        with self.lock:
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


# The one module global: where job functions find their context by key (see JobContext).
_CONTEXTS: dict[str, JobContext] = {}


def context_key(engine: Engine) -> str:
    """A stable key for a store: a hash of its URL with the password hidden."""
    shown = engine.url.render_as_string(hide_password=True)
    return "store-" + hashlib.sha256(shown.encode()).hexdigest()[:16]


def register_context(ctx: JobContext) -> JobContext:
    """Make ``ctx`` the one that jobs keyed ``ctx.key`` run with (replacing an earlier one)."""
    _CONTEXTS[ctx.key] = ctx
    return ctx


def unregister_context(ctx: JobContext) -> None:
    if _CONTEXTS.get(ctx.key) is ctx:
        del _CONTEXTS[ctx.key]


def stop_scheduler(ctx: JobContext, *, timeout: float = 60.0) -> None:
    """Stop without deadlock: stop the stream consumers, pause, let running passes finish,
    then shut down.

    APScheduler's ``shutdown(wait=True)`` holds its job-store lock while it waits for
    running jobs, and a pass asks the scheduler for its next run time under that same
    lock; so no pass may still be running when ``shutdown`` is called.
    """
    ctx.stop_streams.set()
    for thread in ctx.streams:
        thread.join(timeout)
    ctx.streams = []
    sched = ctx.scheduler
    if sched is None:
        return
    sched.pause()
    ctx.scheduler = None  # passes that finish now skip the next-run lookup
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ctx.lock:
            if ctx.running == 0:
                break
        time.sleep(0.05)
    sched.shutdown(wait=True)


def scheduled_pass(key: str, source_id: int) -> None:
    """The job body: one pass, then move the job to the reset time on a 429."""
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        log.warning("job for source %s has no running context (%s); skipped", source_id, key)
        return
    ctx.enter()
    try:
        _scheduled_pass(ctx, source_id)
    finally:
        ctx.leave()


def _scheduled_pass(ctx: JobContext, source_id: int) -> None:
    outcome = run_source(ctx.engine, source_id, ctx.collectors)
    job_id = f"source:{source_id}"
    sched = ctx.scheduler
    if sched is not None:
        if outcome.retry_at is not None:
            sched.modify_job(job_id, next_run_time=outcome.retry_at)
        job = sched.get_job(job_id)
        # A quiet pass wrote no health (see store.sources.heartbeat_fresh); next_run waits with it.
        if job is not None and job.next_run_time is not None and not outcome.quiet:
            with session_scope(ctx.engine) as session:
                source = session.get(Source, source_id)
                if source is not None:
                    update_health(session, source, next_run=job.next_run_time)
    log.info("%s: %s %s", outcome.name, outcome.status, outcome.message)


def reconcile_pass(key: str) -> None:
    """The reconcile job body: calls the context's reconcile hook when it has one."""
    ctx = _CONTEXTS.get(key)
    if ctx is None or ctx.reconcile is None:
        return
    ctx.enter()
    try:
        ctx.reconcile(ctx.engine)
    finally:
        ctx.leave()


def build_scheduler(ctx: JobContext, source_ids: Iterable[int], *,
                    scheduler: BaseScheduler | None = None, reconcile_every: int = 60,
                    now: Clock = utcnow, rng: random.Random | None = None,
                    persistent: bool = True) -> BaseScheduler:
    """A scheduler (blocking by default) with one job per polled source, persisted in the same database.

    ``persistent=False`` keeps jobs in memory, for runs that end with the process
    (the replay demo), where a job store in SQLite would only contend for its lock.
    """
    register_context(ctx)
    sched = scheduler or BlockingScheduler(timezone=timezone.utc)
    if persistent:
        sched.add_jobstore(SQLAlchemyJobStore(engine=ctx.engine, tablename=JOB_TABLE), alias="default")
    rng = rng or random.Random()
    wanted = set()
    with session_scope(ctx.engine) as session:
        sources = list(session.exec(select(Source).where(Source.id.in_(list(source_ids)))))  # type: ignore[union-attr]
    # Pools by kind of work. The reconcile pass gets a worker of its own: in the shared pool
    # it queued behind hundreds of feed polls, passed its misfire grace (1 s by default) and
    # was dropped, so the tally went tens of seconds without an update; late, it still runs
    # (once). Feeds (one per Bluesky account) get theirs, so they never hold back the X API
    # and the party's releases in the default pool.
    for alias, workers in ((RECONCILE_EXECUTOR, 1), (FEED_EXECUTOR, FEED_WORKERS)):
        try:
            sched.add_executor(ThreadPoolExecutor(max_workers=workers), alias=alias)
        except ValueError:
            pass  # built on this scheduler before: it has the pool already
    for s in sources:
        spec = KINDS.get(s.kind)
        if spec is None or spec.shape != "poll":
            continue  # a streaming kind runs as a long-lived consumer, not an interval job
        job_id = f"source:{s.id}"
        wanted.add(job_id)
        first = now() + timedelta(seconds=rng.uniform(0, min(5.0, s.interval_s / 10)))
        sched.add_job(JOB_FUNC, trigger=IntervalTrigger(seconds=s.interval_s, jitter=default_jitter(s.interval_s),
                                                        timezone=timezone.utc),
                      args=[ctx.key, s.id], id=job_id, name=source_name(s), replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=max(30, s.interval_s),
                      next_run_time=first, executor=FEED_EXECUTOR if spec.pool == "feeds" else "default")
    sched.add_job(RECONCILE_FUNC, trigger=IntervalTrigger(seconds=reconcile_every),
                  args=[ctx.key], id="reconcile", replace_existing=True, coalesce=True, max_instances=1,
                  misfire_grace_time=None, executor=RECONCILE_EXECUTOR)
    wanted.add("reconcile")
    ctx.scheduler = sched
    ctx.wanted = wanted
    return sched


# Reconnect delays of a stream consumer: doubling from 1 s to at most 60 s, reset after a
# connection that lasted longer than the cap.
STREAM_BACKOFF = (1.0, 60.0)


def start_streams(ctx: JobContext, source_ids: Iterable[int], *, now: Clock = utcnow,
                  backoff: tuple[float, float] = STREAM_BACKOFF) -> list[threading.Thread]:
    """One consumer thread per streaming source (the ``stream`` shape); polled kinds are skipped.

    Each runs its collector's :meth:`~collectors.base.StreamCollector.stream` until
    :func:`stop_scheduler` sets ``ctx.stop_streams``, reconnecting with backoff whenever
    it returns or fails, and records each failure in the source's health."""
    with session_scope(ctx.engine) as session:
        sources = [(s.id, s.kind, source_name(s)) for s in
                   session.exec(select(Source).where(Source.id.in_(list(source_ids))))]  # type: ignore[union-attr]
    ctx.stop_streams.clear()
    started = []
    for sid, kind, name in sources:
        spec = KINDS.get(kind)
        if spec is None or spec.shape != "stream":
            continue
        thread = threading.Thread(target=_consume, args=(ctx, sid, now, backoff), name=f"stream {name}", daemon=True)
        thread.start()
        started.append(thread)
    ctx.streams.extend(started)
    return started


def _consume(ctx: JobContext, source_id: int, now: Clock, backoff: tuple[float, float]) -> None:
    """The consumer loop of one streaming source: connect, consume, back off, reconnect."""
    delay, cap = backoff
    wait = delay
    while not ctx.stop_streams.is_set():
        started = time.monotonic()
        try:
            with session_scope(ctx.engine) as session:
                source = session.get(Source, source_id)
                kind = source.kind if source is not None else None
            if kind is None:
                return
            collector = ctx.collectors.for_kind(kind)
            collector.stream(ctx.engine, source_id, stop=ctx.stop_streams, now=now)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - one broken stream must not end the others, or this one
            log.warning("stream of source %s failed: %s", source_id, exc)
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
            with session_scope(ctx.engine) as session:
                source = session.get(Source, source_id)
                if source is not None:
                    record_error(session, source, now=now(), message=message)
        if time.monotonic() - started > cap:
            wait = delay  # a long healthy connection: start the backoff again from the bottom
        ctx.stop_streams.wait(wait)
        wait = min(cap, wait * 2)


def prune_jobs(ctx: JobContext) -> None:
    """Remove stored jobs for sources no longer in the config (call after ``start``)."""
    if ctx.scheduler is None:
        return
    for job in ctx.scheduler.get_jobs():
        if job.id not in ctx.wanted:
            ctx.scheduler.remove_job(job.id)
