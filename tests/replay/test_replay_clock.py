"""Accelerated replay clocks, tested with explicit datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shadowtally.elections import load_election
from shadowtally.replay import NIGHT_END, NIGHT_START, ReplayClock, accelerate, default_clock

WALL = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_accelerate_is_linear():
    """accelerate maps the origin to start and an hour to 3600/speed seconds later; speed must be positive."""
    assert accelerate(NIGHT_START, WALL, 60) == WALL
    assert accelerate(NIGHT_START + timedelta(hours=1), WALL, 60) == WALL + timedelta(minutes=1)
    with pytest.raises(ValueError):
        accelerate(NIGHT_START, WALL, 0)


def test_default_clock_plays_night_then_releases_in_two_minutes():
    """Night 19:00–24:00 CST takes the first 60 s; the certified release plays at 120 s; offsets are monotone."""
    e = load_election("iowa-2020")
    times = [r.published_at for r in e.releases]
    clock = default_clock(times)
    assert clock.offset(NIGHT_START) == 0 and clock.offset(NIGHT_END) == 60
    assert clock.offset(times[-1]) == pytest.approx(120)
    assert clock.offset(times[0]) == pytest.approx(60 + 60 / 8)  # the 62% release: first of 8 equal steps
    offs = [clock.offset(t) for t in times]
    assert offs == sorted(offs) and len(set(offs)) == len(offs)
    assert clock.wall(NIGHT_END, WALL) == WALL + timedelta(seconds=60)


def test_clock_inverse():
    """scenario(offset(t)) returns t inside the anchors, and clamps outside."""
    e = load_election("iowa-2020")
    clock = default_clock([r.published_at for r in e.releases])
    t = NIGHT_START + timedelta(hours=2, minutes=17)
    assert abs((clock.scenario(clock.offset(t)) - t).total_seconds()) < 1e-3
    assert clock.scenario(-5) == NIGHT_START and clock.scenario(10_000) == e.releases[-1].published_at


def test_clock_rejects_unordered_anchors():
    """Anchors out of order are refused."""
    with pytest.raises(ValueError):
        ReplayClock(((NIGHT_END, 0.0), (NIGHT_START, 1.0)))
