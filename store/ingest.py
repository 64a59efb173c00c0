"""Idempotent writes: ingesting the same post, release or finding twice changes nothing.

Every function takes a ``Session`` and validated input from :mod:`store.validate`;
none commits (the caller's :func:`store.db.session_scope` does). Uniqueness is
enforced by the tables' constraints, so two writers racing on one row cannot create
a duplicate: the loser's ``INSERT … ON CONFLICT DO NOTHING`` inserts nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Literal, Protocol, Sequence

from sqlalchemy import JSON, Text, any_, bindparam, cast, delete, func, true, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, select

from shadowtally.store.models import Claim, Finding, OfficialRelease, OfficialResult, Post, Source
from shadowtally.store.validate import ClaimIn, FindingIn, PostIn, ReleaseIn, SourceIn, as_utc, sha256_json

PostChange = Literal["new", "unchanged", "revised"]


def insert_ignore(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]) -> None:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` for SQLite and PostgreSQL."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(model).values(rows).on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt)


def _post_values(post: PostIn) -> tuple[dict[str, Any], str]:
    """The row values of ``post`` and the hash that tells a changed raw item from the same one."""
    digest = sha256_json(post.raw) if post.raw else sha256_json({"text": post.text})
    values = post.model_dump()
    values["raw_sha256"] = digest
    return values, digest


def _revise(session: Session, existing: Post, post: PostIn, digest: str) -> PostChange:
    """Apply a re-fetched ``post`` to its stored row: the one definition of unchanged / revised."""
    if existing.text == post.text and existing.deleted == post.deleted and existing.raw_sha256 == digest:
        return "unchanged"
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
    return "revised" if text_changed else "unchanged"


def upsert_post(session: Session, post: PostIn) -> tuple[Post, PostChange]:
    """Store a raw post. Same content again: unchanged. New text or edit: a new revision.

    A changed revision means its claims must be re-parsed (see :func:`replace_claims`).
    For many posts at once use :func:`upsert_posts` (same outcome, a few statements per page).
    """
    values, digest = _post_values(post)
    existing = session.exec(
        select(Post).where(Post.platform == post.platform, Post.external_id == post.external_id)
    ).first()
    if existing is None:
        insert_ignore(session, Post, [values], ["platform", "external_id"])
        row = session.exec(
            select(Post).where(Post.platform == post.platform, Post.external_id == post.external_id)
        ).one()
        return row, "new"
    return existing, _revise(session, existing, post, digest)


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
            evidence=list(c.evidence), supersedes_id=c.supersedes, created_at=as_utc(now), review=dict(c.review),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    if any(c.supersedes for c in claims):
        ids = [c.supersedes for c in claims if c.supersedes]
        session.execute(update(Claim).where(Claim.id.in_(ids)).values(superseded=True))  # type: ignore[union-attr]
    return rows


# Rows per statement in the batched paths: a page of posts is ~1 MB of JSON, and on
# SQLite 1,000 rows of 14 columns stay under its 32,766 bound parameters.
PAGE = 1000


@dataclass(frozen=True, slots=True)
class StoredPost:
    """What :func:`upsert_posts` did with one post: its row id and revision, and the change."""

    id: int
    platform: str
    external_id: str
    revision: int
    change: PostChange


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _member(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values`` for the primary key (planned as index probes without statistics,
    being unique) or a column no index serves anyway: on PostgreSQL one array parameter,
    ``= ANY($1)``, so the SQL text is the same for every page (prepared once)."""
    if _is_pg(session):
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def _select_in(session: Session, cols: list[Any], column: Any, values: Sequence[Any], *where: Any) -> list[Any]:
    """``SELECT cols WHERE column IN values AND where``, as one index probe per value on both backends.

    PostgreSQL: ``FROM unnest($1) AS k(v) JOIN LATERAL (… WHERE column = k.v OFFSET 0)``.
    A plain ``IN`` / ``= ANY`` on a table that was never ANALYZEd (autovacuum off, or a
    bulk load in progress) is estimated with default selectivities, and the planner
    scanned every row of the platform per page (O(table) per page: 0.65 s per page at
    20,000 posts). ``OFFSET 0`` keeps the subquery from being flattened into a hash join,
    so each value is an equality lookup on the index whatever the statistics say.
    SQLite plans ``IN`` as index probes without statistics.
    """
    if _is_pg(session):
        k = func.unnest(bindparam(None, list(values), type_=postgresql.ARRAY(column.type))) \
            .table_valued("v").render_derived(name="k")
        inner = sa_select(*cols).where(column == k.c.v, *where).offset(0).lateral("m")
        return list(session.execute(sa_select(inner).select_from(k).join(inner, true())))
    return list(session.execute(sa_select(*cols).where(column.in_(list(values)), *where)))


def _insert_many(session: Session, table: Any, rows: list[dict[str, Any]], returning: list[Any],
                 conflict: list[str] | None = None) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys), ``ON CONFLICT (conflict) DO NOTHING`` if given,
    and return ``returning`` of the rows inserted (a row a conflict skipped is not returned).

    PostgreSQL: ``INSERT … SELECT unnest($1), unnest($2), …``, one array parameter per
    column. The SQL text is then the same for every page (psycopg prepares it once);
    a multi-row ``VALUES`` of 14,000 placeholders was parsed by psycopg on every page
    (4,600 posts/s against 15,000). SQLite: a multi-row ``INSERT … VALUES`` through
    SQLAlchemy's insertmanyvalues. On both, a page's serial ids are assigned in row order.
    """
    if not rows:
        return []
    if _is_pg(session):
        cols = [table.c[name] for name in rows[0]]
        dumps = getattr(session.get_bind().dialect, "_json_serializer", None) or json.dumps
        exprs = []
        for c in cols:
            values = [r[c.name] for r in rows]
            if isinstance(c.type, JSON):
                # psycopg would read a list value as another array dimension: send JSON text.
                values = [None if v is None else dumps(v) for v in values]
                exprs.append(cast(func.unnest(bindparam(f"u_{c.name}", values, type_=postgresql.ARRAY(Text))), c.type))
            else:
                exprs.append(func.unnest(bindparam(f"u_{c.name}", values, type_=postgresql.ARRAY(c.type))))
        source = sa_select(*exprs)
        stmt = postgresql.insert(table).from_select(cols, source)
        if conflict:
            stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
        return list(session.execute(stmt.returning(*returning)))
    stmt = sqlite.insert(table)
    if conflict:
        stmt = stmt.on_conflict_do_nothing(index_elements=conflict)
    return list(session.execute(stmt.returning(*returning), rows))


def upsert_posts(session: Session, posts: Sequence[PostIn], *, page: int = PAGE) -> list[StoredPost]:
    """:func:`upsert_post` for many posts: the same rows and the same new / unchanged / revised,
    in input order, with one SELECT and one multi-row ``INSERT … ON CONFLICT DO NOTHING`` per page.

    A stored post that changed is revised through the ORM exactly as :func:`upsert_post`
    does (rare: an edit or a deletion). A post whose (platform, external id) occurs again
    later in ``posts`` is applied after the first occurrence, as consecutive calls would.
    Returns :class:`StoredPost` records, not ORM rows, because building a million ``Post``
    objects costs more than the insert; ``session.get(Post, r.id)`` gives the row.
    The SELECT is one per platform in the page (a page from one collector has one).
    """
    session.flush()  # the Core statements below do not autoflush pending ORM changes
    out: list[StoredPost | None] = [None] * len(posts)
    first: dict[tuple[str, str], int] = {}
    again: list[int] = []
    for i, p in enumerate(posts):
        key = (p.platform, p.external_id)
        if key in first:
            again.append(i)
        else:
            first[key] = i
    order = list(first.values())
    for start in range(0, len(order), page):
        _upsert_page(session, posts, order[start:start + page], out)
    for i in again:
        row, change = upsert_post(session, posts[i])
        assert row.id is not None
        out[i] = StoredPost(row.id, row.platform, row.external_id, row.revision, change)
    assert all(r is not None for r in out)
    return out  # type: ignore[return-value]


def _upsert_page(session: Session, posts: Sequence[PostIn], idx: list[int], out: list[StoredPost | None]) -> None:
    t = Post.__table__  # type: ignore[attr-defined]
    keys = {(posts[i].platform, posts[i].external_id): i for i in idx}
    stored = {(r.platform, r.external_id): r for r in _select_posts(session, keys)}
    fresh: list[dict[str, Any]] = []
    for key, i in keys.items():
        values, digest = _post_values(posts[i])
        row = stored.get(key)
        if row is None:
            fresh.append(values)
        elif row.text == posts[i].text and row.deleted == posts[i].deleted and row.raw_sha256 == digest:
            out[i] = StoredPost(row.id, key[0], key[1], row.revision, "unchanged")  # _revise's first test
        else:
            existing = session.get(Post, row.id)
            assert existing is not None and existing.id is not None
            change = _revise(session, existing, posts[i], digest)
            out[i] = StoredPost(existing.id, key[0], key[1], existing.revision, change)
    inserted = {(r.platform, r.external_id): r for r in _insert_many(
        session, t, fresh, [t.c.id, t.c.platform, t.c.external_id, t.c.revision], ["platform", "external_id"])}
    lost = [k for k in ((v["platform"], v["external_id"]) for v in fresh) if k not in inserted]
    if lost:
        # Another writer inserted these between our SELECT and INSERT; like upsert_post,
        # report its row as new.
        inserted.update({(r.platform, r.external_id): r for r in _select_posts(session, lost)})
    for v in fresh:
        key = (v["platform"], v["external_id"])
        r = inserted[key]
        out[keys[key]] = StoredPost(r.id, key[0], key[1], r.revision, "new")


def _select_posts(session: Session, keys: Iterable[tuple[str, str]]) -> list[Any]:
    """The stored (id, platform, external_id, text, deleted, raw_sha256, revision) of ``keys``,
    one index probe on the (platform, external_id) unique key per platform present."""
    t = Post.__table__  # type: ignore[attr-defined]
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in keys:
        by_platform.setdefault(platform, []).append(external_id)
    out: list[Any] = []
    cols = [t.c.id, t.c.platform, t.c.external_id, t.c.text, t.c.deleted, t.c.raw_sha256, t.c.revision]
    for platform, ids in sorted(by_platform.items()):
        out += _select_in(session, cols, t.c.external_id, ids, t.c.platform == platform)
    return out


class PostRef(Protocol):
    """Anything with a stored post's id and revision: a :class:`Post` or a :class:`StoredPost`."""

    @property
    def id(self) -> int | None: ...

    @property
    def revision(self) -> int: ...


def replace_claims_many(session: Session, items: Sequence[tuple[PostRef, Sequence[ClaimIn]]], *, now: datetime,
                        page: int = PAGE) -> list[list[int]]:
    """:func:`replace_claims` for many posts: the same rows, a few statements per page.

    Returns the new claims' ids per item, in the order given (ids, not ORM rows, for the
    same reason as :func:`upsert_posts`). Each post may appear once, and no claim may
    supersede a claim this call deletes (an old claim of a re-parsed post in ``items``):
    the order of separate calls would decide what that means, so it raises ``ValueError``.
    """
    post_ids: list[int] = []
    for ref, _ in items:
        if ref.id is None:
            raise ValueError("replace_claims_many: every post must be stored (have an id)")
        post_ids.append(ref.id)
    if len(set(post_ids)) != len(post_ids):
        raise ValueError("replace_claims_many: each post may appear once per call")
    session.flush()  # the Core statements below do not autoflush pending ORM changes
    ct = Claim.__table__  # type: ignore[attr-defined]
    old: list[int] = []
    for start in range(0, len(post_ids), page):
        old += [r.id for r in _select_in(session, [ct.c.id], ct.c.post_id, post_ids[start:start + page])]
    named = [c.supersedes for _, claims in items for c in claims if c.supersedes]
    if old and set(named) & set(old):
        raise ValueError("replace_claims_many: a claim supersedes a claim this call deletes")
    for start in range(0, len(old), page):
        chunk = old[start:start + page]
        session.execute(update(ct).where(_member(session, ct.c.supersedes_id, chunk)).values(supersedes_id=None))
    for start in range(0, len(old), page):  # every claim of these posts, by primary key
        session.execute(delete(ct).where(_member(session, ct.c.id, old[start:start + page])))
    created = as_utc(now)
    rows = [
        dict(post_id=ref.id, post_revision=ref.revision, county=c.county, precinct=c.precinct, round=c.round,
             counts=dict(c.counts), confidence=c.confidence, status=c.status, rule=c.rule,
             evidence=list(c.evidence), supersedes_id=c.supersedes, superseded=False, created_at=created,
             review=dict(getattr(c, "review", None) or {}))
        for ref, claims in items for c in claims
    ]
    by_post: dict[int, list[int]] = {}
    for start in range(0, len(rows), page):
        for r in _insert_many(session, ct, rows[start:start + page], [ct.c.id, ct.c.post_id]):
            by_post.setdefault(r.post_id, []).append(r.id)
    for start in range(0, len(named), page):
        session.execute(update(ct).where(_member(session, ct.c.id, named[start:start + page])).values(superseded=True))
    # RETURNING order is unspecified, but ids are assigned in row order, so a post's
    # claims sorted by id are its claims in the order given.
    return [sorted(by_post.get(pid, [])) for pid in post_ids]


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
