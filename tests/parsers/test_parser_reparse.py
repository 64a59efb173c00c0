"""`shadowtally reparse`: claims of stored posts are replaced, never duplicated."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

pytest.importorskip("shadowtally.store.ingest")

from click.testing import CliRunner  # noqa: E402
from sqlmodel import select  # noqa: E402

from shadowtally.app import cli  # noqa: E402
from shadowtally.store.db import open_store, session_scope  # noqa: E402
from shadowtally.store.ingest import upsert_post  # noqa: E402
from shadowtally.store.models import Claim  # noqa: E402
from shadowtally.store.validate import PostIn  # noqa: E402

T0 = datetime(2020, 2, 4, 2, 0, tzinfo=timezone.utc)


def _post(pid, text, minute, reply=None):
    t = T0.replace(minute=minute)
    return PostIn(platform="x", external_id=pid, author="@a", text=text, in_reply_to=reply, created_at=t, fetched_at=t)


def _claims(engine):
    with session_scope(engine) as s:
        return [(c.precinct, c.round, dict(c.counts), c.status, c.supersedes_id is not None)
                for c in s.exec(select(Claim).order_by(Claim.id)).all()]


def test_reparse_replaces_claims_and_follows_edits(tmp_path):
    """Reparse: twice in a row gives the same claims (no duplicates); an edited post's claims are replaced;
    a correction in the thread is stored as superseding the earlier claim."""
    url = f"sqlite:///{tmp_path / 'st.db'}"
    engine = open_store(url)
    with session_scope(engine) as s:
        upsert_post(s, _post("1", "Ames 1-1 final alignment: Sanders 121, Warren 82", 0))
        upsert_post(s, _post("2", "CORRECTION: Sanders was 116 not 121", 5, reply="1"))
    runner = CliRunner()
    for _ in range(2):
        res = runner.invoke(cli, ["reparse", "--db", url])
        assert res.exit_code == 0, res.output
    claims = _claims(engine)
    assert claims == [("Ames 1-1", "final", {"Sanders": 121, "Warren": 82}, "accepted", False),
                      ("Ames 1-1", "final", {"Sanders": 116, "Warren": 82}, "accepted", True)]
    with session_scope(engine) as s:
        upsert_post(s, _post("1", "Ames 1-1 final alignment: Sanders 116, Warren 82", 0))
    assert runner.invoke(cli, ["reparse", "--db", url]).exit_code == 0
    assert _claims(engine)[0] == ("Ames 1-1", "final", {"Sanders": 116, "Warren": 82}, "accepted", False)
    assert len(_claims(engine)) == 2
