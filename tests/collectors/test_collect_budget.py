"""The API-budget model, on hand-worked numbers."""

from __future__ import annotations

from shadowtally.collectors.budget import Load, calls, per_query, plan, requests_per_poll


def test_hand_worked_2000_accounts():
    load = Load(accounts=2000, posts_per_account_per_min=0.2, handle_length=12, fetch_seconds=1.0)
    # "from:" + 12 chars = 17, + " OR " = 21 per term; (512 + 4) // 21 = 24 terms per query
    assert per_query(12) == 24 and calls("search", load) == 84 and calls("lists", load) == 1
    t = plan("timelines", load)          # 1500 per 900 s = 100/min -> 2000 calls need 1200 s
    assert t.interval_s == 1200 and not t.fits_target and t.requests_per_min_for_target > 2000
    s = plan("search", load)             # 450 per 900 s = 30/min -> 84 calls need 168 s
    assert s.interval_s == 168 and s.worst_latency_s == 169
    li = plan("lists", load)             # 400 posts/min: one call a second returns < 100 each
    assert li.interval_s == 1 and li.fits_target
    assert requests_per_poll("lists", load, 59) == 4   # 393 posts in 59 s -> 4 pages
    assert li.requests_per_min_for_target < s.requests_per_min_for_target < t.requests_per_min_for_target


def test_tighter_limits_lengthen_the_interval():
    load = Load(accounts=500)
    assert plan("timelines", load, limits={"timeline": (150, 900), "search": (450, 900), "list": (900, 900)}
                ).interval_s == 3000
