"""Storage order within one poll: X pages and feeds list newest first, but a reply must find its thread's
head and a correction the post it corrects, so each page is stored oldest first (real tweepy and feedparser
against the in-repo simulator)."""

from __future__ import annotations

from typing import Iterator

import pytest
from collect_helpers import TOKEN, add_sources, now, parsing_handoff, parsing_into, settings_for
from sqlalchemy.engine import Engine
from sqlmodel import select

from shadowtally.collectors.scheduler import Collectors, run_source
from shadowtally.simulator import SimServer
from shadowtally.simulator.scenario import Scenario, SimAccount, SimClock, SimPost
from shadowtally.store.db import session_scope
from shadowtally.store.models import Claim, Post

HEAD = "Results from Hartford II/Lincoln (Iowa Co.) #IACaucus 🧵"
REPLY = "1/2 1st alignment: Buttigieg 13, Biden 8, Warren 6, Sanders 5, Klobuchar 4, Yang 3"
LIST_ID = "1500000000000000009"


@pytest.fixture
def thread_sim() -> Iterator[SimServer]:
    accs = [SimAccount("hartford_sec", "20001", "Hartford secretary"),
            SimAccount("hartmast", "20002", "Hartford on Mastodon", platform="mastodon")]
    posts = [SimPost("1224500000000000101", "hartford_sec", HEAD, 10.0),
             SimPost("1224500000000000202", "hartford_sec", REPLY, 40.0, reply_to="1224500000000000101"),
             SimPost("103610000000000101", "hartmast", HEAD, 10.0, platform="mastodon"),
             SimPost("103610000000000202", "hartmast", REPLY, 40.0, platform="mastodon")]
    scenario = Scenario(accs, posts, [], lists={LIST_ID: ["hartford_sec"]})
    with SimServer(scenario, clock=SimClock(fixed=float("inf")), bearer_token=TOKEN) as server:
        yield server


@pytest.fixture
def loaded(store: Engine) -> Iterator[Engine]:
    with parsing_into(store):
        yield store


@pytest.mark.parametrize("source,platform", [
    (f'kind = "x_list"\nlist_id = "{LIST_ID}"', "x"),
    ('kind = "feed"\nurl = "{url}/@hartmast.rss"', "mastodon"),
])
def test_a_thread_fetched_in_one_poll_keeps_its_precinct(thread_sim, loaded, source, platform):
    """Ordering: head and reply arrive in one page, newest first; the reply is stored after its head and its
    numbers get the head's precinct (X through tweepy, Mastodon RSS through feedparser)."""
    [sid] = add_sources(loaded, "[[source]]\n" + source.format(url=thread_sim.url))
    out = run_source(loaded, sid, Collectors(settings_for(thread_sim), parsing_handoff()), now=now)
    assert out.status == "ok" and out.result.new == 2
    with session_scope(loaded) as s:
        posts = list(s.exec(select(Post).where(Post.platform == platform).order_by(Post.id)))
        assert [p.text.startswith("Results from") for p in posts] == [True, False]  # head stored first
        (c,) = s.exec(select(Claim).where(Claim.post_id == posts[1].id)).all()
        assert (c.county, c.precinct, c.round, c.status) == ("Iowa", "Hartford II/Lincoln", "first", "accepted")
