"""Reading the store for the page: the store version, the cache it keys, and a store that is missing or replaced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from web_helpers import RELEASE_AT, Night, add_post, build_night, nonzero, release_row

from shadowtally import elections
from shadowtally.errors import NotFound, StoreUnavailable
from shadowtally.services.options import loaded_election_id
from shadowtally.services.tally import compute, record
from shadowtally.store.db import open_store, session_scope
from shadowtally.store.elections import load_election
from shadowtally.web.live import LiveTally, store_version


def version_of(url: str) -> tuple:
    engine = open_store(url)
    with session_scope(engine) as s:
        v = store_version(s)
    engine.dispose()
    return v


def test_version_moves_with_a_new_claim_not_with_a_reconcile_pass(night: Night, iowa: elections.Election) -> None:
    """Normal case: a new post moves the tally part; re-recording the same findings moves nothing."""
    before = version_of(night.url)
    assert version_of(night.url) == before
    engine = open_store(night.url)
    with session_scope(engine) as s:  # another reconcile pass, a day later: touches last_seen only
        record(s, compute(s, iowa, loaded_election_id(s, "iowa-2020")), now=RELEASE_AT + timedelta(days=1))
    engine.dispose()
    assert version_of(night.url) == before
    polk = release_row("Polk", night.official_only.precinct)
    add_post(night.url, "99", 200, "Polk", polk.precinct, "first", nonzero(polk.first))
    after = version_of(night.url)
    assert after[0] != before[0]


def test_snapshot_is_cached_until_the_store_changes(night: Night, iowa: elections.Election) -> None:
    """Caching case: no change, same snapshot object; a new post, a new snapshot with the new precinct."""
    now = [1000.0]
    live = LiveTally(night.url, iowa, min_interval=1, monotonic=lambda: now[0])
    try:
        first = live.snapshot()
        now[0] += 10
        assert live.snapshot() is first
        polk = release_row("Polk", night.official_only.precinct)
        add_post(night.url, "99", 200, "Polk", polk.precinct, "first", nonzero(polk.first))
        second = live.snapshot()
        assert second is not first and second.version != first.version
        assert second.summary["coverage"]["precincts_posted"] == first.summary["coverage"]["precincts_posted"] + 1
    finally:
        live.close()


def test_recompute_is_throttled(sqlite_night: Night, iowa: elections.Election) -> None:
    """Throttle case: within min_interval a change keeps the old tally; once it has passed, the change shows."""
    night = sqlite_night
    now = [1000.0]
    live = LiveTally(night.url, iowa, min_interval=60, monotonic=lambda: now[0])
    try:
        first = live.snapshot()
        polk = release_row("Polk", night.official_only.precinct)
        add_post(night.url, "99", 200, "Polk", polk.precinct, "first", nonzero(polk.first))
        now[0] += 30
        assert live.snapshot().summary["coverage"] == first.summary["coverage"]
        now[0] += 31
        posted = first.summary["coverage"]["precincts_posted"]
        assert live.snapshot().summary["coverage"]["precincts_posted"] == posted + 1
    finally:
        live.close()


def test_missing_sqlite_file_is_unavailable_and_not_created(tmp_path: Path, iowa: elections.Election) -> None:
    """Missing store case: a clear error with a next step, and the server does not create an empty file."""
    path = tmp_path / "shadowtally-demo.db"
    live = LiveTally(str(path), iowa)
    with pytest.raises(StoreUnavailable) as exc:
        live.snapshot()
    assert str(path) in str(exc.value) and "shadowtally demo" in (exc.value.hint or "")
    assert not path.exists()


def test_election_not_loaded_is_not_found(sqlite_url: str, iowa: elections.Election) -> None:
    """Election not loaded case: the store exists but `init` never ran for this election."""
    open_store(sqlite_url).dispose()
    with pytest.raises(NotFound) as exc:
        LiveTally(sqlite_url, iowa).snapshot()
    assert "shadowtally init" in (exc.value.hint or "")


def test_store_without_tables_is_unavailable(tmp_path: Path, iowa: elections.Election) -> None:
    """Half-made store case: an empty SQLite file (the demo just started) reads as unavailable, not a crash."""
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(StoreUnavailable) as exc:
        LiveTally(str(path), iowa).snapshot()
    assert exc.value.hint


def test_replaced_sqlite_file_is_read_afresh(tmp_path: Path, iowa: elections.Election) -> None:
    """Demo restart case: the file is deleted and recreated; the page reads the new night, not the deleted one."""
    path = tmp_path / "night.db"
    night = build_night(f"sqlite:///{path}")
    live = LiveTally(str(path), iowa, min_interval=0)
    try:
        assert live.snapshot().summary["coverage"]["precincts_posted"] == 3
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        with pytest.raises(StoreUnavailable):
            live.snapshot()
        engine = open_store(str(path))
        with session_scope(engine) as s:
            load_election(s, "iowa-2020")
        engine.dispose()
        add_post(str(path), "1", 5, "Story", night.ames.precinct, "first", nonzero(night.ames.first))
        assert live.snapshot().summary["coverage"]["precincts_posted"] == 1
    finally:
        live.close()
