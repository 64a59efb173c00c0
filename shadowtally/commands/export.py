"""Exports: tidy rows for spreadsheets, an Atom feed of findings, Datasette metadata.

Every exported number carries the URL of the post or release that said it.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import click
from sqlmodel import Session, select

from shadowtally.atom import FeedEntry, findings_feed
from shadowtally.datasette import metadata
from shadowtally.options import db_option, open_db
from shadowtally.output import err_console
from store.db import session_scope
from store.models import Claim, Finding, OfficialRelease, OfficialResult, Post

# OpenElections-style tidy columns, plus what a journalist needs to cite the number.
EXPORT_COLUMNS = ("county", "precinct", "candidate", "round", "value", "source", "url", "reported_at", "status")


def register(group: click.Group) -> None:
    group.add_command(export)
    group.add_command(findings_feed_cmd)
    group.add_command(datasette_metadata)


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


@click.command()
@db_option
@click.option("--what", type=click.Choice(["shadow", "official", "all"]), default="all", show_default=True,
              help="Shadow claims from posts, official release rows, or both.")
@click.option("--release", default=None, help="Only this official release label.")
@click.option("--include-review", is_flag=True, help="Also export claims held for review (marked so).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
def export(db: str | None, what: str, release: str | None, include_review: bool, fmt: str, output: Path | None) -> None:
    """Tidy rows: county, precinct, candidate, round, value, source, url (OpenElections style)."""
    engine = open_db(db)
    fh = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    n = 0
    try:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS, lineterminator="\n") if fmt == "csv" else None
        if writer:
            writer.writeheader()
        with session_scope(engine) as session:
            streams = []
            if what in ("shadow", "all"):
                streams.append(shadow_rows(session, include_review=include_review))
            if what in ("official", "all"):
                streams.append(official_rows(session, release))
            for stream in streams:
                for row in stream:
                    if writer:
                        writer.writerow(row)
                    else:
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
    finally:
        if output:
            fh.close()
    err_console.print(f"{n} rows exported", style="dim")


@click.command("findings-feed")
@db_option
@click.option("--include-resolved", is_flag=True, help="Also list findings that no longer hold.")
@click.option("--self-url", default="http://localhost/findings.atom", show_default=True,
              help="The URL the feed will be served from.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def findings_feed_cmd(db: str | None, include_resolved: bool, self_url: str, output: Path | None) -> None:
    """An Atom feed of findings (discrepancies, gaps, math errors) for feed readers."""
    engine = open_db(db)
    with session_scope(engine) as session:
        entries = feed_entries(session, include_resolved=include_resolved)
    text = findings_feed(entries, feed_id="tag:shadowtally,2020:findings", title="ShadowTally findings",
                         self_url=self_url, generated_at=datetime.now(timezone.utc))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text)
    err_console.print(f"{len(entries)} findings in the feed", style="dim")


@click.command("datasette-metadata")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def datasette_metadata(output: Path | None) -> None:
    """Write Datasette metadata (titles and column descriptions) for the store's tables."""
    text = json.dumps(metadata(), indent=1)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        err_console.print(f"Open it with: datasette shadowtally.db --metadata {output}", style="dim")
    else:
        click.echo(text)
