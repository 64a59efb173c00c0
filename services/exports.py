"""Tidy export rows and findings-feed entries: what ``shadowtally export`` writes and the page serves.

Every exported number carries the URL of the post or release that said it.
"""

from __future__ import annotations

from typing import Any, Iterator

from sqlmodel import Session, select

from shadowtally.services.feed import FeedEntry
from shadowtally.store.models import Claim, Finding, OfficialRelease, OfficialResult, Post

# OpenElections-style tidy columns, plus what a journalist needs to cite the number.
EXPORT_COLUMNS = ("county", "precinct", "candidate", "round", "value", "source", "url", "reported_at", "status")


def shadow_rows(session: Session, *, include_review: bool) -> Iterator[dict[str, Any]]:
    """One row per candidate of every current claim (superseded claims are left out)."""
    statuses = ("accepted", "review") if include_review else ("accepted",)
    query = (
        select(Claim, Post).join(Post, Claim.post_id == Post.id)  # type: ignore[arg-type]
        .where(Claim.superseded == False, Claim.status.in_(statuses))  # type: ignore[attr-defined]  # noqa: E712
        .order_by(Claim.county, Claim.precinct, Claim.id)  # type: ignore[arg-type]
    )
    for claim, post in session.exec(query):
        for candidate, value in sorted(claim.counts.items()):
            yield {
                "county": claim.county, "precinct": claim.precinct, "candidate": candidate, "round": claim.round,
                "value": value, "source": f"{post.platform}:{post.external_id}", "url": post.url,
                "reported_at": post.created_at.isoformat(), "status": claim.status,
            }


def official_rows(session: Session, label: str | None) -> Iterator[dict[str, Any]]:
    """One row per candidate and measure of every stored release (or only ``label``)."""
    releases = select(OfficialRelease).order_by(OfficialRelease.fetched_at)  # type: ignore[arg-type]
    if label:
        releases = releases.where(OfficialRelease.label == label)
    for rel in session.exec(releases):
        results = session.exec(
            select(OfficialResult).where(OfficialResult.release_id == rel.id).order_by(OfficialResult.id)  # type: ignore[arg-type]
        )
        when = (rel.published_at or rel.fetched_at).isoformat()
        for r in results:
            for round_, value in (("first", r.first), ("final", r.final), ("sde", r.sde), ("delegates", r.delegates_implied)):
                if value is None:
                    continue
                yield {
                    "county": r.county, "precinct": r.precinct, "candidate": r.candidate, "round": round_,
                    "value": value, "source": f"release:{rel.label}", "url": rel.url or f"release:{rel.content_sha256}",
                    "reported_at": when, "status": "official",
                }


def feed_entries(session: Session, *, include_resolved: bool = False) -> list[FeedEntry]:
    """Stored findings as feed entries (open ones only, unless ``include_resolved``)."""
    query = select(Finding)
    if not include_resolved:
        query = query.where(Finding.resolved == False)  # noqa: E712
    return [
        FeedEntry(f.id or 0, f.rule, f.severity, f.county, f.precinct, f.message, f.evidence,
                  f.first_seen, f.last_seen, f.resolved)
        for f in session.exec(query)
    ]
