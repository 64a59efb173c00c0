"""The X API budget, as a pure model: requests per minute, and the latency they buy.

Three ways to watch N accounts:

    timelines  one ``/2/users/:id/tweets`` call per account per poll
    search     ``from:a OR from:b …`` packed into 512-character queries, one call per query
    lists      lists of up to 5,000 members, one ``/2/lists/:id/tweets`` call per list

Each poll also needs one extra page per 100 posts that arrived since the last poll. A
strategy's interval is the shortest whose request rate fits the endpoint's rate limit;
the worst-case post-to-store latency is that interval plus the time to fetch. Limits are
inputs (defaults are X's published per-app limits for these endpoints, 15-minute windows);
change them with the plan you have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shadowtally.collectors.config import SEARCH_QUERY_LIMIT

DEFAULT_LIMITS = {"timeline": (1500, 900), "search": (450, 900), "list": (900, 900)}
LIST_MAX_MEMBERS = 5000
LIST_MAX_POSTS = 800
PAGE = 100


@dataclass(frozen=True)
class Load:
    accounts: int
    posts_per_account_per_min: float = 0.2   # caucus-night burst: one post per 5 minutes each
    handle_length: int = 12
    fetch_seconds: float = 1.0               # one poll's requests, back to back


@dataclass(frozen=True)
class Plan:
    strategy: str
    calls_per_poll: int                      # without extra pages
    interval_s: float                        # shortest interval within the limit
    requests_per_min: float                  # at that interval
    worst_latency_s: float
    fits_target: bool
    requests_per_min_for_target: float       # what the target latency costs (may exceed the limit)
    limit_per_min: float


def per_query(handle_length: int, limit: int = SEARCH_QUERY_LIMIT) -> int:
    """How many ``from:handle`` terms fit in one query."""
    term = len("from:") + handle_length
    return max(1, (limit + len(" OR ")) // (term + len(" OR ")))


def calls(strategy: str, load: Load) -> int:
    if strategy == "timelines":
        return load.accounts
    if strategy == "search":
        return math.ceil(load.accounts / per_query(load.handle_length))
    if strategy == "lists":
        return math.ceil(load.accounts / LIST_MAX_MEMBERS)
    raise ValueError(f"unknown strategy {strategy!r}")


def requests_per_poll(strategy: str, load: Load, interval_s: float) -> int:
    """Calls plus extra pages: each call covers its share of the posts since the last poll."""
    n = calls(strategy, load)
    posts = load.accounts * load.posts_per_account_per_min * interval_s / 60
    per_call = posts / n
    return n * max(1, math.ceil(per_call / PAGE))


def plan(strategy: str, load: Load, *, limits: dict[str, tuple[int, int]] | None = None,
         target_s: float = 60.0) -> Plan:
    key = {"timelines": "timeline", "search": "search", "lists": "list"}[strategy]
    limit, window = (limits or DEFAULT_LIMITS)[key]
    per_min = limit * 60 / window
    n = calls(strategy, load)
    best = None
    for interval in range(1, 24 * 3600):
        rpm = requests_per_poll(strategy, load, interval) * 60 / interval
        too_many = strategy == "lists" and (load.accounts * load.posts_per_account_per_min * interval / 60 / n
                                            > LIST_MAX_POSTS)
        if rpm <= per_min and not too_many:
            best = (interval, rpm)
            break
    poll_target = max(1.0, target_s - load.fetch_seconds)
    rpm_target = requests_per_poll(strategy, load, poll_target) * 60 / poll_target
    if best is None:
        return Plan(strategy, n, math.inf, math.inf, math.inf, False, rpm_target, per_min)
    interval, rpm = best
    latency = interval + load.fetch_seconds
    return Plan(strategy, n, float(interval), rpm, latency, latency <= target_s, rpm_target, per_min)


def compare(load: Load, *, limits: dict[str, tuple[int, int]] | None = None, target_s: float = 60.0) -> list[Plan]:
    return [plan(s, load, limits=limits, target_s=target_s) for s in ("timelines", "search", "lists")]
