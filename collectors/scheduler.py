"""Running collectors: one pass over one source (with its health), one pass over all, and
the APScheduler 3 job wiring for ``shadowtally run``.

One job per source, id ``source:<id>``, referenced as ``collectors.scheduler:scheduled_pass``
(APScheduler refuses lambdas, and a text reference survives pickling into the job store).
Each job has its own interval and jitter, ``coalesce=True`` and ``max_instances=1``; the
job store is a ``SQLAlchemyJobStore`` in the same database. A 429 moves that job's next
run to the reset time; nothing loops. Only one scheduler process may use a store
(APScheduler 3 cannot share one).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine
from sqlmodel import select

from shadowtally.collectors.base import Clock, CollectError, Collector, Disabled, PassResult, RateLimited
from shadowtally.collectors.config import Config, SourceSpec
from shadowtally.collectors.feeds import FeedCollector
from shadowtally.collectors.http import DEFAULT_TIMEOUT, Backoff
from shadowtally.collectors.official import OfficialCollector
from shadowtally.collectors.x import XCollector
from shadowtally.errors import ConfigError
from shadowtally.store.db import open_store, resolve_url, session_scope
from shadowtally.store.ingest import upsert_source
from shadowtally.store.models import Source
from shadowtally.store.sources import heartbeat_fresh, record_error, record_success, update_health

log = logging.getLogger(__name__)

JOB_FUNC = "shadowtally.collectors.scheduler:scheduled_pass"
JOB_TABLE = "apscheduler_jobs"
RECONCILE_EXECUTOR = "reconcile"  # the reconcile job's own worker (see build_scheduler)
FEED_EXECUTOR = "feeds"            # RSS/Atom polls; the X API and official releases keep "default"
FEED_WORKERS = 8


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Settings:
    """How collectors reach the world. The token is never stored or printed."""

    x_api_url: str
    election: str = "iowa-2020"
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    backoff_base: float = 0.5
    backoff_attempts: int = 4
    x_page_size: int = 100
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> "Settings":
        page = config.extra.get("x_page_size", 100)
        if not isinstance(page, int) or not 5 <= page <= 100:
            raise ConfigError(f"x_page_size must be a whole number from 5 to 100 (got {page!r})")
        base = config.extra.get("retry_base", 0.5)
        if not isinstance(base, (int, float)) or isinstance(base, bool) or not 0 <= base <= 60:
            raise ConfigError(f"retry_base must be a number of seconds from 0 to 60 (got {base!r})")
        return replace(cls(x_api_url=config.x_api_url, election=config.election, x_page_size=page,
                           backoff_base=float(base)), **overrides)


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
    """One collector per kind, built lazily and reused (so HTTP sessions keep their connections)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, Collector] = {}

    def for_kind(self, kind: str) -> Collector:
        key = "x" if kind.startswith("x_") else kind
        if key not in self._cache:
            s = self.settings
            backoff = Backoff(attempts=s.backoff_attempts, base=s.backoff_base)
            if key == "x":
                self._cache[key] = XCollector(base_url=s.x_api_url, token=s.token, timeout=s.timeout,
                                              backoff=backoff, election=s.election, page_size=s.x_page_size)
            elif key == "feed":
                self._cache[key] = FeedCollector(timeout=s.timeout, backoff=backoff, election=s.election)
            elif key == "official":
                self._cache[key] = OfficialCollector(timeout=s.timeout, backoff=backoff, election=s.election)
            else:
                raise CollectError(f"no collector for source kind {kind!r}")
        return self._cache[key]


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


def run_once(engine: Engine, source_ids: Iterable[int], settings: Settings, *, now: Clock = utcnow,
             report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """One pass over each source in turn; every source is tried whatever the others did."""
    collectors = Collectors(settings)
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


_scheduler: BaseScheduler | None = None
_context: dict[str, Any] = {}
_reconcile_hook: Callable[[Engine], None] | None = None


def set_reconcile_hook(hook: Callable[[Engine], None] | None) -> None:
    """What ``run`` calls on its reconcile job (the reconcile package wires itself here)."""
    global _reconcile_hook
    _reconcile_hook = hook


def _engine(db_url: str) -> Engine:
    engines = _context.setdefault("engines", {})
    if db_url not in engines:
        engines[db_url] = open_store(db_url)
    return engines[db_url]  # type: ignore[no-any-return]


_running = 0
_running_lock = threading.Lock()


def stop_scheduler(sched: BaseScheduler, *, timeout: float = 60.0) -> None:
    """Stop without deadlock: pause, let running passes finish, then shut down.

    APScheduler's ``shutdown(wait=True)`` holds its job-store lock while it waits for
    running jobs, and a pass asks the scheduler for its next run time under that same
    lock; so no pass may still be running when ``shutdown`` is called.
    """
    global _scheduler
    sched.pause()
    _scheduler = None  # passes that finish now skip the next-run lookup
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _running_lock:
            if _running == 0:
                break
        time.sleep(0.05)
    sched.shutdown(wait=True)


def scheduled_pass(db_url: str, source_id: int) -> None:
    """The job body: one pass, then move the job to the reset time on a 429."""
    global _running
    with _running_lock:
        _running += 1
    try:
        _scheduled_pass(db_url, source_id)
    finally:
        with _running_lock:
            _running -= 1


def _scheduled_pass(db_url: str, source_id: int) -> None:
    collectors: Collectors = _context["collectors"]
    engine = _engine(db_url)
    outcome = run_source(engine, source_id, collectors)
    job_id = f"source:{source_id}"
    sched = _scheduler
    if sched is not None:
        if outcome.retry_at is not None:
            sched.modify_job(job_id, next_run_time=outcome.retry_at)
        job = sched.get_job(job_id)
        # A quiet pass wrote no health (see store.sources.heartbeat_fresh); next_run waits with it.
        if job is not None and job.next_run_time is not None and not outcome.quiet:
            with session_scope(engine) as session:
                source = session.get(Source, source_id)
                if source is not None:
                    update_health(session, source, next_run=job.next_run_time)
    log.info("%s: %s %s", outcome.name, outcome.status, outcome.message)


def reconcile_pass(db_url: str) -> None:
    """The reconcile job body: calls the reconcile hook when one is set."""
    global _running
    with _running_lock:
        _running += 1
    try:
        if _reconcile_hook is not None:
            _reconcile_hook(_engine(db_url))
    finally:
        with _running_lock:
            _running -= 1


def build_scheduler(db_url: str, source_ids: Iterable[int], settings: Settings, *,
                    scheduler: BaseScheduler | None = None, reconcile_every: int = 60,
                    now: Clock = utcnow, rng: random.Random | None = None,
                    persistent: bool = True) -> BaseScheduler:
    """A scheduler (blocking by default) with one job per source, persisted in the same database.

    ``persistent=False`` keeps jobs in memory, for runs that end with the process
    (the replay demo), where a job store in SQLite would only contend for its lock.
    """
    global _scheduler
    url = resolve_url(db_url)
    engine = _engine(url)
    sched = scheduler or BlockingScheduler(timezone=timezone.utc)
    if persistent:
        sched.add_jobstore(SQLAlchemyJobStore(url=url, tablename=JOB_TABLE), alias="default")
    _context["collectors"] = Collectors(settings)
    rng = rng or random.Random()
    wanted = set()
    with session_scope(engine) as session:
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
        job_id = f"source:{s.id}"
        wanted.add(job_id)
        first = now() + timedelta(seconds=rng.uniform(0, min(5.0, s.interval_s / 10)))
        sched.add_job(JOB_FUNC, trigger=IntervalTrigger(seconds=s.interval_s, jitter=default_jitter(s.interval_s),
                                                        timezone=timezone.utc),
                      args=[url, s.id], id=job_id, name=source_name(s), replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=max(30, s.interval_s),
                      next_run_time=first, executor=FEED_EXECUTOR if s.kind == "feed" else "default")
    sched.add_job("shadowtally.collectors.scheduler:reconcile_pass", trigger=IntervalTrigger(seconds=reconcile_every),
                  args=[url], id="reconcile", replace_existing=True, coalesce=True, max_instances=1,
                  misfire_grace_time=None, executor=RECONCILE_EXECUTOR)
    wanted.add("reconcile")
    _scheduler = sched
    _context["wanted"] = wanted
    return sched


def prune_jobs(sched: BaseScheduler) -> None:
    """Remove stored jobs for sources no longer in the config (call after ``start``)."""
    wanted = _context.get("wanted", set())
    for job in sched.get_jobs():
        if job.id not in wanted:
            sched.remove_job(job.id)
