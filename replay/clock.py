"""Accelerated clocks for the replay: scenario time ↔ wall-clock time. Pure; times are parameters.

:func:`accelerate` is the plain linear mapping. :class:`ReplayClock` is piecewise
linear, because caucus night (five hours of posts) and the releases (three weeks up
to certification) cannot share one speed: linear over 24 days puts the whole night
in about a second. :func:`default_clock` gives the night about half of a two-minute
run and each release interval an equal share of the rest.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Sequence

__all__ = ["NIGHT_START", "NIGHT_END", "ReplayClock", "accelerate", "default_clock"]

NIGHT_START = datetime(2020, 2, 4, 1, 0, tzinfo=timezone.utc)   # 3 Feb 2020, 19:00 CST: doors close
NIGHT_END = datetime(2020, 2, 4, 6, 0, tzinfo=timezone.utc)     # midnight CST


def accelerate(t: datetime, start: datetime, speed: float, *, origin: datetime = NIGHT_START) -> datetime:
    """Wall time at which scenario time ``t`` plays, when ``origin`` plays at ``start`` and time runs ``speed``× faster."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    return start + (t - origin) / speed


@dataclass(frozen=True)
class ReplayClock:
    """Piecewise-linear map through anchors (scenario time, seconds after the wall start)."""

    anchors: tuple[tuple[datetime, float], ...]

    def __post_init__(self) -> None:
        times = [a[0] for a in self.anchors]
        offs = [a[1] for a in self.anchors]
        if len(self.anchors) < 2 or times != sorted(times) or offs != sorted(offs) or len(set(times)) != len(times):
            raise ValueError("anchors must be at least two, strictly increasing in scenario time, non-decreasing in offset")

    @property
    def duration(self) -> float:
        return self.anchors[-1][1]

    def offset(self, t: datetime) -> float:
        """Seconds after the wall start at which scenario time ``t`` plays (clamped to the ends)."""
        times = [a[0] for a in self.anchors]
        if t <= times[0]:
            return self.anchors[0][1]
        if t >= times[-1]:
            return self.anchors[-1][1]
        i = bisect_right(times, t) - 1
        (t0, o0), (t1, o1) = self.anchors[i], self.anchors[i + 1]
        return o0 + (o1 - o0) * ((t - t0) / (t1 - t0))

    def wall(self, t: datetime, start: datetime) -> datetime:
        """Wall time for scenario time ``t`` when the replay starts at ``start``."""
        return start + timedelta(seconds=self.offset(t))

    def scenario(self, elapsed: float) -> datetime:
        """Scenario time reached ``elapsed`` wall seconds into the replay (inverse of :meth:`offset`)."""
        if elapsed <= self.anchors[0][1]:
            return self.anchors[0][0]
        for (t0, o0), (t1, o1) in zip(self.anchors, self.anchors[1:]):
            if elapsed <= o1:
                return t1 if o1 == o0 else t0 + (t1 - t0) * ((elapsed - o0) / (o1 - o0))
        return self.anchors[-1][0]


def default_clock(release_times: Sequence[datetime], *, total: float = 120.0, night_share: float = 0.5,
                  night_start: datetime = NIGHT_START, night_end: datetime = NIGHT_END) -> ReplayClock:
    """The night gets ``night_share`` of ``total`` seconds; each later release interval an equal share of the rest."""
    later = sorted(t for t in release_times if t > night_end)
    night = total * night_share if later else total
    anchors = [(night_start, 0.0), (night_end, night)]
    step = (total - night) / len(later) if later else 0.0
    for i, t in enumerate(later, 1):
        anchors.append((t, night + step * i))
    return ReplayClock(tuple(anchors))
