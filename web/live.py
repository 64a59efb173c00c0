"""Reading the store for the live page, recomputing the tally only when the store changed.

Effects: the database and the clock. A cheap *store version* (row counts and
largest ids of posts, claims, sources, releases and findings) is read on every
call; the tally, which takes about a second on a whole caucus night, is recomputed
only when that version moved, and at most every ``min_interval`` seconds (or twice
the last computation's duration, whichever is longer) so a busy collector cannot
keep the server computing all the time.

A SQLite store is watched by file identity as well: ``shadowtally demo`` deletes and
recreates its database when it starts, and a connection to the old file would keep
reading the deleted night.
"""

from __future__ import annotations

import hashlib
import threading
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import case, func
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

import shadowtally.elections as defs
from shadowtally.services.feed import FeedEntry
from shadowtally.services.exports import feed_entries
from shadowtally.errors import StoreUnavailable
from shadowtally.services.elections import loaded_election_id
from shadowtally.services.tally import TallyState, compute, stored_releases
from shadowtally.store.db import open_store, resolve_url, session_scope
from shadowtally.store.models import Claim, Election, Finding, OfficialRelease, Post, Source
from shadowtally.web import views

Key = tuple[Any, ...]
# Where `shadowtally demo` writes its night (its --db default), for a useful hint.
DEMO_DB = "shadowtally-demo.db"


@dataclass(frozen=True)
class Snapshot:
    """The tally and findings as computed for one store version; views are built once each."""

    version: str
    computed_at: datetime
    election: defs.Election
    state: TallyState
    releases: Mapping[str, views.ReleaseRef]
    findings: tuple[FeedEntry, ...]

    @cached_property
    def summary(self) -> dict[str, Any]:
        return views.summary(self.state, self.election, releases=self.releases, version=self.version,
                             updated_at=self.computed_at, open_findings=len(self.findings))

    @cached_property
    def discrepancies(self) -> list[dict[str, Any]]:
        return views.discrepancies(self.state, releases=self.releases)

    @cached_property
    def gaps(self) -> list[dict[str, Any]]:
        return views.gaps(self.state)

    @cached_property
    def all_precincts(self) -> list[dict[str, Any]]:
        return views.precincts(self.state)

    @cached_property
    def release_urls(self) -> list[str]:
        return views.release_urls(self.state, self.releases)

    def precincts(self, filters: views.Filters) -> list[dict[str, Any]]:
        return views.filter_precincts(self.all_precincts, filters)


def store_version(session: Session) -> tuple[Key, Key]:
    """What the tally depends on, and what the findings list depends on, as comparable tuples.

    Findings' ``last_seen`` is left out on purpose: every reconcile pass touches it, and
    a version that moves on every pass would make every pass look like news.
    """
    deleted = func.sum(case((col(Post.deleted).is_(True), 1), else_=0))
    posts = session.exec(select(func.count(), func.max(Post.id), func.sum(Post.revision), deleted)).one()
    claims = session.exec(select(func.count(), func.max(Claim.id))).one()
    releases = session.exec(select(func.count(), func.max(OfficialRelease.id))).one()
    elections = session.exec(select(func.count(), func.max(Election.id))).one()
    # Few rows: a role or registered precinct that changes re-ranks claims.
    sources = tuple(session.exec(select(Source.id, Source.role, Source.county, Source.precinct)
                                 .order_by(col(Source.id))))
    resolved = func.sum(case((col(Finding.resolved).is_(True), 1), else_=0))
    findings = session.exec(select(func.count(), func.max(Finding.id), resolved)).one()
    return (tuple(posts), tuple(claims), tuple(releases), tuple(elections), sources), tuple(findings)


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class LiveTally:
    """The store behind the page: a cached :class:`Snapshot`, recomputed when the store changes."""

    def __init__(self, db: str | None, election: defs.Election, *, min_interval: float = 1.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.url = resolve_url(db)
        self.election = election
        self.min_interval = min_interval
        self._clock, self._monotonic = clock, monotonic
        self._path = _sqlite_path(self.url)
        self._engine: Engine | None = None
        self._ident: Key | None = None
        self._engine_lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._keys: tuple[Key | None, Key, Key] | None = None
        self._next_compute = 0.0

    def describe(self) -> str:
        """The store's URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def _current_engine(self) -> tuple[Engine, Key | None]:
        with self._engine_lock:
            ident: Key | None = None
            if self._path is not None:
                try:
                    st = self._path.stat()
                except FileNotFoundError:
                    self._dispose()
                    raise StoreUnavailable(f"no store at {self._path}", hint=self._missing_hint()) from None
                ident = (st.st_dev, st.st_ino)
            if self._engine is None or ident != self._ident:
                self._dispose()
                # create=False: the page only reads; creating tables is `shadowtally init`'s job.
                self._engine = open_store(self.url, create=False)
                self._ident = ident
            return self._engine, ident

    def _missing_hint(self) -> str:
        assert self._path is not None
        if self._path.name == DEMO_DB:
            return (f"start `shadowtally demo` in {self._path.parent.resolve()}; this page shows the night "
                    f"as soon as it is written")
        return (f"run `shadowtally init --db {self._path}`, or watch the replay: `shadowtally demo` and "
                f"`shadowtally serve --db {DEMO_DB}`")

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine, self._ident = None, None

    def session(self) -> AbstractContextManager[Session]:
        """A session on the store; database errors become :class:`StoreUnavailable`."""
        return self._read(self._current_engine()[0])

    @contextmanager
    def _read(self, engine: Engine) -> Iterator[Session]:
        try:
            with session_scope(engine) as s:
                yield s
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreUnavailable(f"cannot read the store {self.describe()}: {reason}",
                                   hint="run `shadowtally init` on it (or wait for `shadowtally demo` "
                                        "to create it)") from None

    def snapshot(self) -> Snapshot:
        """The current snapshot, recomputed first if the store changed and the throttle allows.

        While another thread is computing, the previous snapshot is returned at once.
        Raises :class:`StoreUnavailable` or :class:`shadowtally.errors.NotFound` (election
        not loaded) when there is nothing to show.
        """
        if not self._compute_lock.acquire(blocking=self._snapshot is None):
            assert self._snapshot is not None
            return self._snapshot
        try:
            return self._refresh()
        finally:
            self._compute_lock.release()

    def _refresh(self) -> Snapshot:
        engine, ident = self._current_engine()
        with self._read(engine) as session:
            tally_key, findings_key = store_version(session)
            old, snap = self._keys, self._snapshot
            if snap is not None and old == (ident, tally_key, findings_key):
                return snap
            now = self._monotonic()
            # A first read or a replaced file is computed at once; a change to the same store waits its turn.
            releases: Mapping[str, views.ReleaseRef]
            if snap is None or old is None or old[0] != ident or (old[1] != tally_key and now >= self._next_compute):
                eid = loaded_election_id(session, self.election.slug)
                state = compute(session, self.election, eid, latest_only=True)
                releases = {r.label: views.ReleaseRef(r.label, r.url, r.published_at or r.fetched_at)
                            for r in stored_releases(session, eid)}
                done = self._monotonic()
                self._next_compute = done + max(self.min_interval, 2 * (done - now))
                used_tally = tally_key
            else:
                # Throttled: keep the old tally (and its key, so the change is picked up next time).
                assert old is not None and snap is not None
                if old[2] == findings_key:
                    return snap
                state, releases, used_tally = snap.state, snap.releases, old[1]
            entries = tuple(feed_entries(session))
        self._keys = (ident, used_tally, findings_key)
        version = hashlib.sha1(repr(self._keys).encode()).hexdigest()[:12]
        self._snapshot = Snapshot(version, self._clock(), self.election, state, releases, entries)
        return self._snapshot

    def close(self) -> None:
        """Release the database connections."""
        with self._engine_lock:
            self._dispose()
