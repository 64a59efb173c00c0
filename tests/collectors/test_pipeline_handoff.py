"""The collection → parsing hand-off (collectors.pipeline.Handoff) on a real store, both backends.

Covers: a thread whose head names the precinct without numbers (replies inherit it in the
live path, as in ``shadowtally parse``), and posts whose numbers break the caucus math
(claims kept, a finding filed; an edit that fixes the numbers resolves it).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from collect_helpers import parsing_handoff, parsing_into
from sqlalchemy.engine import Engine
from sqlmodel import select

from shadowtally.collectors import pipeline
from shadowtally.store.db import session_scope
from shadowtally.store.ingest import upsert_post
from shadowtally.store.models import Claim, Finding, Post
from shadowtally.store.validate import PostIn

T0 = datetime(2020, 2, 4, 3, 0, tzinfo=timezone.utc)
HANDOFF = parsing_handoff()
# Delaware / Richland-Coffins Grove: 5 people can't be viable in a room of 36 or more, yet got delegates (CM04).
INCONSISTENT = ("Delaware County Richland/Coffins Grove results. 1st alignment: biden 12, Klobuchar 8, Warren 7, "
                "Buttigieg 5 | Final: Biden 12, Klobuchar 9, Warren 9, Buttigieg 5, Sanders 1 | "
                "Delegates: Biden 3, Buttigieg 2, Klobuchar 2, Warren 2")


@pytest.fixture
def loaded(engine: Engine) -> Iterator[Engine]:
    with parsing_into(engine):
        yield engine


def _post(engine: Engine, pid: str, text: str, minutes: int, reply_to: str | None = None) -> None:
    with session_scope(engine) as s:
        row, _ = upsert_post(s, PostIn.of(platform="x", external_id=pid, author="caucusfan", text=text,
                                          url=f"https://x.com/caucusfan/status/{pid}", in_reply_to=reply_to,
                                          created_at=T0 + timedelta(minutes=minutes),
                                          fetched_at=T0 + timedelta(minutes=minutes)))
        HANDOFF(s, row, now=T0 + timedelta(minutes=minutes))


def _claims(engine: Engine, pid: str) -> list[Claim]:
    with session_scope(engine) as s:
        post = s.exec(select(Post).where(Post.external_id == pid)).one()
        return list(s.exec(select(Claim).where(Claim.post_id == post.id)))


def test_replies_inherit_the_precinct_of_a_thread_head_without_numbers(loaded: Engine) -> None:
    """Thread context (live path): the head names the precinct and holds no numbers, so no claim row records it;
    the replies' claims still get the head's precinct and are accepted."""
    _post(loaded, "100", "Results from Hartford II/Lincoln (Iowa Co.) #IACaucus 🧵", 0)
    _post(loaded, "101", "1/3 1st alignment: Buttigieg 13, Biden 8, Warren 6, Sanders 5, Klobuchar 4, Yang 3", 1, "100")
    _post(loaded, "102", "2/3 Final alignment: Pete 18, Joe 8, Bernie 6, Elizabeth 6", 2, "101")
    assert _claims(loaded, "100") == []
    for pid, rnd in (("101", "first"), ("102", "final")):
        (c,) = _claims(loaded, pid)
        assert (c.county, c.precinct, c.round, c.status) == ("Iowa", "Hartford II/Lincoln", rnd, "accepted")


def test_reply_to_a_head_naming_no_precinct_stays_in_review(loaded: Engine) -> None:
    """Thread context, negative case: a head that names no precinct gives its replies none (review, 'no precinct')."""
    _post(loaded, "200", "Our results are in! 🧵", 0)
    _post(loaded, "201", "1/2 1st alignment: Buttigieg 13, Biden 8, Warren 6", 1, "200")
    (c,) = _claims(loaded, "201")
    assert c.precinct is None and c.status == "review"


def test_inconsistent_sheet_is_kept_with_a_finding_that_an_edit_resolves(loaded: Engine) -> None:
    """Caucus math: a post whose numbers break a CM rule keeps its claims, held for review (never published on
    the machine's word), and files one open 'post_caucus_math' finding with the post's URL; an edit with
    consistent numbers resolves it and its claims are accepted."""
    _post(loaded, "300", INCONSISTENT, 0)
    claims = _claims(loaded, "300")
    assert {c.round for c in claims} == {"first", "final", "delegates"}
    assert {c.status for c in claims} == {"review"}
    # Each held claim carries why it waits (the review desk reads this), stored with the claim.
    assert all(any(w.startswith("CM04:") for w in c.review["why"]) for c in claims)
    with session_scope(loaded) as s:
        (f,) = s.exec(select(Finding).where(Finding.rule == "post_caucus_math")).all()
        assert (f.county, f.precinct, f.resolved) == ("Delaware", "Richland/Coffins Grove", False)
        assert f.evidence["url"] == "https://x.com/caucusfan/status/300"
        assert any(p.startswith("CM04:") for p in f.evidence["problems"])
    _post(loaded, "300", INCONSISTENT.replace("Delegates: Biden 3, Buttigieg 2, Klobuchar 2, Warren 2",
                                              "Delegates: Biden 3, Klobuchar 3, Warren 3"), 5)
    with session_scope(loaded) as s:
        (f,) = s.exec(select(Finding).where(Finding.rule == "post_caucus_math")).all()
        assert f.resolved
    assert {c.status for c in _claims(loaded, "300")} == {"accepted"}


def test_numbered_feed_posts_continue_their_authors_thread(loaded: Engine) -> None:
    """Thread context without reply links (RSS/Atom items carry none): '1/2 …' and '2/2 …' continue the same
    author's post of a few minutes before and get its precinct; a numbered post an hour later does not."""
    _post(loaded, "400", "Results from Green (Guthrie Co.) #IACaucus 🧵", 0)
    _post(loaded, "401", "1/2 1st alignment: Buttigieg 10, Sanders 4, Biden 3, Klobuchar 3, Warren 3", 1)
    _post(loaded, "402", "2/2 Final alignment: buttigieg 15, sanders 7, warren 4", 2)
    for pid in ("401", "402"):
        (c,) = _claims(loaded, pid)
        assert (c.county, c.precinct, c.status) == ("Guthrie", "Green", "accepted")
    _post(loaded, "403", "1/2 1st alignment: Buttigieg 9, Sanders 5", 90)
    (c,) = _claims(loaded, "403")
    assert c.precinct is None and c.status == "review"
