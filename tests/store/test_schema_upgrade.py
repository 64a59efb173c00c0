"""A store made before a column existed gets it when opened, on both backends.

Case: the ``claims.review`` column (why a claim is held, and the readings it weighed)
arrived after stores were created; ``create_all`` never alters a table, so opening an
older store added nothing and the first held claim failed to insert.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text
from sqlmodel import select

from shadowtally.store.db import open_store, session_scope, upgrade_schema
from shadowtally.store.ingest import replace_claims, upsert_post
from shadowtally.store.models import Claim
from shadowtally.store.validate import ClaimIn, PostIn

T = datetime(2020, 2, 4, 3, 0, tzinfo=timezone.utc)


def test_an_older_store_gets_the_review_column_and_keeps_its_rows(store_url: str) -> None:
    engine = open_store(store_url)
    with session_scope(engine) as s:
        post, _ = upsert_post(s, PostIn.of(platform="x", external_id="1", author="a", text="t", created_at=T,
                                           fetched_at=T))
        replace_claims(s, post, [ClaimIn.of(county="Story", precinct="Ames 1-1", round="first",
                                            counts={"Sanders": 111}, confidence=0.9, status="accepted")], now=T)
    with engine.begin() as conn:  # the store as an older version left it
        conn.execute(text('ALTER TABLE claims DROP COLUMN "review"'))
    assert "review" not in {c["name"] for c in inspect(engine).get_columns("claims")}
    engine.dispose()

    engine = open_store(store_url)  # opening it upgrades it
    assert "review" in {c["name"] for c in inspect(engine).get_columns("claims")}
    assert upgrade_schema(engine) == [], "a second upgrade adds nothing"
    held = {"why": ["several precincts named"], "alternatives": [{"county": "Polk", "precinct": "DES MOINES-03"}]}
    with session_scope(engine) as s:
        post, _ = upsert_post(s, PostIn.of(platform="x", external_id="2", author="a", text="t", created_at=T,
                                           fetched_at=T))
        replace_claims(s, post, [ClaimIn.of(county="Des Moines", precinct="PCT 3", round="final", counts={"Sanders": 3},
                                            confidence=0.9, status="review", review=held)], now=T)
    with session_scope(engine) as s:
        rows = {c.rule or c.status: c for c in s.exec(select(Claim))}
        assert rows["review"].review == held
        assert rows["accepted"].counts == {"Sanders": 111}, "the older rows are kept"
