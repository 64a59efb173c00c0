"""Idempotent writes: ingesting the same post, release or finding twice changes nothing.

Every function takes a ``Session`` and validated input from :mod:`store.validate`;
none commits (the caller's :func:`store.db.session_scope` does). Uniqueness is
enforced by the tables' constraints, so two writers racing on one row cannot create
a duplicate: the loser's ``INSERT … ON CONFLICT DO NOTHING`` inserts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Literal

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, select

from store.models import Claim, Finding, OfficialRelease, OfficialResult, Post, Source
from store.validate import ClaimIn, FindingIn, PostIn, ReleaseIn, SourceIn, as_utc, sha256_json

PostChange = Literal["new", "unchanged", "revised"]


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]) -> None:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` for SQLite and PostgreSQL."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(model).values(rows).on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt)


def upsert_post(session: Session, post: PostIn) -> tuple[Post, PostChange]:
    """Store a raw post. Same content again: unchanged. New text or edit: a new revision.

    A changed revision means its claims must be re-parsed (see :func:`replace_claims`).
    """
    digest = sha256_json(post.raw) if post.raw else sha256_json({"text": post.text})
    values = post.model_dump()
    values["raw_sha256"] = digest
    existing = session.exec(
        select(Post).where(Post.platform == post.platform, Post.external_id == post.external_id)
    ).first()
    if existing is None:
        insert_ignore(session, Post, [values], ["platform", "external_id"])
        row = session.exec(
            select(Post).where(Post.platform == post.platform, Post.external_id == post.external_id)
        ).one()
        return row, "new"
    if existing.text == post.text and existing.deleted == post.deleted and existing.raw_sha256 == digest:
        return existing, "unchanged"
    text_changed = existing.text != post.text
    existing.raw = post.raw
    existing.raw_sha256 = digest
    existing.deleted = post.deleted
    existing.fetched_at = post.fetched_at
    if text_changed:
        existing.text = post.text
        existing.revision += 1
        existing.edited_at = post.edited_at or post.fetched_at
    session.add(existing)
    session.flush()
    return existing, "revised" if text_changed else "unchanged"


def replace_claims(session: Session, post: Post, claims: Iterable[ClaimIn], *, now: datetime) -> list[Claim]:
    """Replace every claim of ``post`` with ``claims`` (a re-parse never duplicates).

    Claims that superseded one of the removed claims keep pointing at nothing rather
    than at a stale row, so the supersession is recomputed by the next parse.
    """
    assert post.id is not None
    old_ids = list(session.exec(select(Claim.id).where(Claim.post_id == post.id)))
    if old_ids:
        session.execute(update(Claim).where(Claim.supersedes_id.in_(old_ids)).values(supersedes_id=None))  # type: ignore[union-attr]
        session.execute(delete(Claim).where(Claim.post_id == post.id))  # type: ignore[arg-type]
    rows = []
    for c in claims:
        row = Claim(
            post_id=post.id, post_revision=post.revision, county=c.county, precinct=c.precinct, round=c.round,
            counts=dict(c.counts), confidence=c.confidence, status=c.status, rule=c.rule,
            evidence=list(c.evidence), supersedes_id=c.supersedes, created_at=as_utc(now),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    if any(c.supersedes for c in claims):
        ids = [c.supersedes for c in claims if c.supersedes]
        session.execute(update(Claim).where(Claim.id.in_(ids)).values(superseded=True))  # type: ignore[union-attr]
    return rows


def upsert_source(session: Session, source: SourceIn) -> tuple[Source, bool]:
    """Add a watched source, or update its settings; cursor and health are kept."""
    existing = session.exec(select(Source).where(Source.kind == source.kind, Source.locator == source.locator)).first()
    if existing is None:
        row = Source(**source.model_dump())
        session.add(row)
        session.flush()
        return row, True
    changed = False
    for key, value in source.model_dump().items():
        if getattr(existing, key) != value:
            setattr(existing, key, value)
            changed = True
    if changed:
        session.add(existing)
        session.flush()
    return existing, changed


def upsert_release(session: Session, election_id: int, release: ReleaseIn) -> tuple[OfficialRelease, bool]:
    """Store a release and its rows once; the same content again returns the stored one."""
    digest = release.content_sha256
    existing = session.exec(
        select(OfficialRelease).where(OfficialRelease.election_id == election_id,
                                      OfficialRelease.content_sha256 == digest)
    ).first()
    if existing is not None:
        return existing, False
    row = OfficialRelease(
        election_id=election_id, source_id=release.source_id, label=release.label, url=release.url,
        published_at=release.published_at, fetched_at=release.fetched_at, content_sha256=digest,
        content_type=release.content_type, raw_body=release.raw_body, row_count=len(release.results),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    results = [dict(r.model_dump(), release_id=row.id) for r in release.results]
    # Chunked: SQLite caps bound parameters per statement.
    for i in range(0, len(results), 500):
        session.execute(OfficialResult.__table__.insert(), results[i:i + 500])  # type: ignore[attr-defined]
    return row, True


@dataclass(frozen=True)
class FindingStats:
    """What :func:`record_findings` did."""

    new: int
    updated: int
    unchanged: int
    resolved: int


def record_findings(session: Session, findings: Iterable[FindingIn], *, now: datetime, scope: str) -> FindingStats:
    """Upsert findings; resolve those under ``scope`` (a subject prefix) that no longer hold.

    Re-recording the same findings touches only ``last_seen``.
    """
    now = as_utc(now)
    current = {(f.rule, f.subject): f for f in findings}
    stored = {(r.rule, r.subject): r for r in session.exec(select(Finding).where(Finding.subject.startswith(scope)))}  # type: ignore[attr-defined]
    new = updated = unchanged = resolved = 0
    for key, f in current.items():
        row = stored.get(key)
        if row is None:
            session.add(Finding(**f.model_dump(), first_seen=now, last_seen=now))
            new += 1
            continue
        data = f.model_dump()
        if row.resolved or any(getattr(row, k) != v for k, v in data.items()):
            for k, v in data.items():
                setattr(row, k, v)
            row.resolved, row.resolved_at = False, None
            updated += 1
        else:
            unchanged += 1
        row.last_seen = now
        session.add(row)
    for key, row in stored.items():
        if key not in current and not row.resolved:
            row.resolved, row.resolved_at = True, now
            session.add(row)
            resolved += 1
    session.flush()
    return FindingStats(new, updated, unchanged, resolved)
