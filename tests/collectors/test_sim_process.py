"""The simulator in a child process (what the replay demo runs): same protocol, clock set by the parent."""

from __future__ import annotations

import feedparser
import pytest
import requests

from shadowtally.simulator.process import SimProcess


def test_child_process_serves_the_scenario_on_the_parents_clock(scenario):
    """Case: the replay's simulator out of process. Posts appear as the parent moves the clock, as in
    process; stopping it frees the port."""
    handle = scenario.handles("mastodon")[0]
    with SimProcess(scenario, start_at=0.0) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        early = feedparser.parse(requests.get(f"{sim.url}/@{handle}.rss", timeout=5).content)
        sim.set_clock(float("inf"))
        late = feedparser.parse(requests.get(f"{sim.url}/@{handle}.rss", timeout=5).content)
        assert not early.bozo and not late.bozo
        assert len(late.entries) > len(early.entries)
        url = sim.url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/@{handle}.rss", timeout=2)
