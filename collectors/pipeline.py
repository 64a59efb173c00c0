"""The hand-off from collection to parsing, and the store-then-hand-off tail every collector shares.

:class:`Handoff` runs after a raw post is stored (in the same transaction). It asks its
parser for claims and replaces the post's claims with them
(:func:`store.ingest.replace_claims`), so an edit is re-parsed and never duplicated.
The parse runs inside a savepoint: a parser or database error there is logged, rolls
back only that post's claims, and never loses the stored post or the rest of the pass.

:func:`claims_for` is the one way from a stored post to its claims: the live hand-off
and ``shadowtally reparse`` both call it, so a reparse reproduces what ``run`` stored.
A reply inherits its parent's precinct through ``ThreadContext``; a claim that corrects
an earlier post points at that post's latest claim.

No module state: the parser (built with the registered accounts) and the counters live
on the :class:`Handoff` that the runtime builds and gives to the collectors.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Protocol

from sqlmodel import Session, select

from shadowtally.store.ingest import record_findings, replace_claims, upsert_post
from shadowtally.store.models import Claim, Post
from shadowtally.store.validate import ClaimIn, FindingIn, PostIn

log = logging.getLogger(__name__)


class Parser(Protocol):
    """What the hand-off needs of a parser (``parsers.Parser``)."""

    def parse(self, post: Any, context: Any | None) -> Any: ...


@dataclass
class HandoffStats:
    handed_off: int = 0
    parsed: int = 0
    parser_errors: int = 0


@dataclass
class Handoff:
    """Parse each new or revised post and store its claims.

    ``parser`` is ``parsers.build_pipeline(election, accounts)``. Collection alone (a
    benchmark) gives its collectors no hand-off at all.
    """

    parser: Parser | None = None
    stats: HandoffStats = field(default_factory=HandoffStats)

    def __call__(self, session: Session, post: Post, *, now: datetime) -> int:
        """Parse a newly stored (or revised) post and store its claims; returns how many."""
        self.stats.handed_off += 1
        savepoint = session.begin_nested()
        try:
            if self.parser is None:
                savepoint.commit()
                return 0
            claims = claims_for(session, self.parser, post)
            rows = replace_claims(session, post, list(claims), now=now)
            savepoint.commit()
            self.stats.parsed += 1
            return len(rows)
        except Exception as exc:  # noqa: BLE001 - the raw post is kept; the parse can be replayed
            savepoint.rollback()
            self.stats.parser_errors += 1
            log.warning("parser failed on %s post %s: %s", post.platform, post.external_id, exc)
            return 0


def keep(session: Session, item: PostIn, result: Any, handoff: Handoff | None, *, now: datetime) -> Post | None:
    """Store one fetched post, count it on ``result`` (a ``PassResult``), and hand a new or
    revised post to ``handoff``. Returns the stored row, or None when nothing changed."""
    post, change = upsert_post(session, item)
    if change == "unchanged":
        result.unchanged += 1
        return None
    setattr(result, change, getattr(result, change) + 1)
    if handoff is not None:
        handoff(session, post, now=now)
    return post


# How many of an author's earlier posts a correction may point back to.
PRIOR_POSTS = 20
# A numbered post ("2/3 …") without a reply link continues its author's post of at most this long ago.
THREAD_GAP = timedelta(minutes=30)
_THREAD_NUMBER = re.compile(r"\s*\d{1,2}/\d{1,2}\b(?!/)")


def _parsed(claim: Claim) -> Any:
    from shadowtally.parsers import ParsedClaim  # noqa: PLC0415

    return ParsedClaim(claim.county, claim.precinct, claim.round, dict(claim.counts), claim.status,
                       claim.confidence, claim.rule, tuple(tuple(e) for e in claim.evidence))  # type: ignore[misc]


def post_input(post: Post) -> Any:
    """A stored post as the parser reads it (``parsers.PostInput``)."""
    from shadowtally.parsers import PostInput  # noqa: PLC0415

    return PostInput(id=post.external_id, text=post.text or "", author=post.author or "",
                     created_at=post.created_at.isoformat() if post.created_at else None,
                     in_reply_to=post.in_reply_to)


def _context(session: Session, post: Post, parser: Any | None = None) -> Any | None:
    """The thread's precinct and the earlier claims a correction may replace: the parent's,
    then the same author's earlier posts on the same platform, oldest first.

    The thread's precinct comes from the parent's claims; a parent without claims (a
    thread's head, "Results from Ames 1-1 🧵") is read again by ``parser`` for the
    precinct it names, since no claim row records that."""
    from shadowtally.parsers import ThreadContext  # noqa: PLC0415

    precinct = None
    earlier: list[Post] = []
    parent = None
    if post.in_reply_to:
        parent = session.exec(select(Post).where(Post.platform == post.platform,
                                                 Post.external_id == post.in_reply_to)).first()
    elif post.author and _THREAD_NUMBER.match(post.text or ""):
        # Feeds (RSS/Atom) carry no reply link: a numbered post ("2/3 Final alignment: …")
        # continues its author's previous post on that platform, if that came shortly before.
        parent = session.exec(
            select(Post).where(Post.platform == post.platform, Post.author == post.author, Post.id != post.id,
                               Post.created_at <= post.created_at,
                               Post.created_at >= post.created_at - THREAD_GAP)
            .order_by(Post.created_at.desc(), Post.id.desc())).first()  # type: ignore[attr-defined]
    if parent is not None:
        earlier.append(parent)
    if post.author:
        earlier += list(session.exec(
            select(Post).where(Post.platform == post.platform, Post.author == post.author, Post.id != post.id,
                               Post.created_at <= post.created_at)
            .order_by(Post.created_at.desc()).limit(PRIOR_POSTS)))  # type: ignore[attr-defined]
    prior: list[tuple[str, Any]] = []
    seen: set[int] = set()
    for p in reversed(earlier):
        if p.id in seen:
            continue
        seen.add(p.id)  # type: ignore[arg-type]
        for c in session.exec(select(Claim).where(Claim.post_id == p.id).order_by(Claim.id)):
            prior.append((p.external_id, _parsed(c)))
            if precinct is None and parent is not None and p.id == parent.id and c.county and c.precinct:
                precinct = (c.county, c.precinct)
    if precinct is None and parent is not None and parser is not None and not parent.deleted:
        precinct = parser.parse(post_input(parent), None).precinct
    if precinct is None and not prior:
        return None
    return ThreadContext(precinct=precinct, prior=tuple(prior))


def math_findings(post: Post, claims: Iterable[Any]) -> list[FindingIn]:
    """One finding per precinct whose claims from ``post`` break the caucus math.

    The claims wait in review (a number that fails the math is never published
    automatically); the finding says the precinct's own numbers don't add up, which in
    2020 marked the sheets the recanvass changed. Subjects are ``post:<platform>:<external id>|<county>|<precinct>``, so a
    re-parse (an edit) resolves the findings of its earlier text (:func:`math_scope`)."""
    from shadowtally.parsers.plausibility import is_math_problem  # noqa: PLC0415 - the parser loads spaCy; only when used

    by_unit: dict[tuple[str, str], list[Any]] = {}
    for c in claims:
        if c.status != "rejected" and c.county and c.precinct and any(is_math_problem(p) for p in c.problems):
            by_unit.setdefault((c.county, c.precinct), []).append(c)
    out = []
    for (county, precinct), cs in sorted(by_unit.items()):
        problems = sorted({p for c in cs for p in c.problems if is_math_problem(p)})
        out.append(FindingIn.of(
            rule="post_caucus_math", severity="warning", county=county, precinct=precinct,
            subject=f"{math_scope(post)}{county}|{precinct}",
            message=f"{county} / {precinct}: the numbers in {post.url or post.external_id} break the caucus math: "
                    + "; ".join(problems),
            evidence={"url": post.url, "post_id": post.id, "author": post.author, "problems": problems,
                      "rounds": {c.round: dict(c.counts) for c in cs}},
        ))
    return out


def math_scope(post: Post) -> str:
    """The subject prefix of a post's caucus-math findings."""
    return f"post:{post.platform}:{post.external_id}|"


def claims_for(session: Session, parser: Any, post: Post) -> list[ClaimIn]:
    """The claims ``parser`` reads in stored ``post``, with its thread context and corrections
    resolved from the store, and its caucus-math findings recorded."""
    context = _context(session, post, parser)
    result = parser.parse(post_input(post), context)
    record_findings(session, math_findings(post, result.claims), now=post.fetched_at, scope=math_scope(post))
    out = []
    for c in result.claims:
        supersedes = None
        if c.supersedes is not None:
            earlier = session.exec(select(Post.id).where(Post.platform == post.platform,
                                                         Post.external_id == c.supersedes)).first()
            if earlier is not None:
                supersedes = session.exec(select(Claim.id).where(Claim.post_id == earlier)
                                          .order_by(Claim.id.desc())).first()  # type: ignore[union-attr]
        out.append(ClaimIn.of(county=c.county, precinct=c.precinct, round=c.round, counts=dict(c.counts),
                              confidence=c.confidence, status=c.status, rule=c.rule,
                              evidence=[list(e) for e in c.evidence], supersedes=supersedes,
                              review=c.review()))
    return out
