"""Helpers for the shadow-tally tests: the real Iowa election and a claim factory."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Callable, Mapping

import pytest

from shadowtally.elections import Election, load_election
from shadowtally.reconcile.shadow import ClaimRecord

# 3 Feb 2020, 20:00 CST: caucus night, when precinct posts started.
T0 = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def iowa() -> Election:
    return load_election("iowa-2020")


ClaimFactory = Callable[..., ClaimRecord]


@pytest.fixture
def claim() -> ClaimFactory:
    """Build a ClaimRecord for Story / Ames 1-1 unless told otherwise; ``minutes`` after T0."""
    ids = count(1)

    def make(round_: str, counts: Mapping[str, int | float], *, author: str = "@someone", role: str = "other",
             registered: bool = False, minutes: float = 0, county: str = "Story", precinct: str = "Ames 1-1",
             corrects: bool = False, supersedes: int | None = None, claim_id: int | None = None) -> ClaimRecord:
        cid = claim_id if claim_id is not None else next(ids)
        return ClaimRecord(
            claim_id=cid, post_id=1000 + cid, post_url=f"https://x.com/{author.lstrip('@')}/status/{1000 + cid}",
            author=author, role=role, registered=registered, created_at=T0 + timedelta(minutes=minutes),
            county=county, precinct=precinct, round=round_, counts=dict(counts), corrects=corrects,
            supersedes=supersedes, platform="x",
        )

    return make
