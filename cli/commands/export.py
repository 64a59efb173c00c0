"""Exports: tidy rows for spreadsheets, an Atom feed of findings, Datasette metadata.

Every exported number carries the URL of the post or release that said it.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from shadowtally.services.exports import EXPORT_COLUMNS, feed_entries, official_rows, shadow_rows
from shadowtally.services.feed import findings_feed
from shadowtally.services.datasette import metadata
from shadowtally.services.options import db_option, open_db
from shadowtally.cli.output import err_console
from shadowtally.store.db import session_scope


def register(group: click.Group) -> None:
    group.add_command(export)
    group.add_command(findings_feed_cmd)
    group.add_command(datasette_metadata)


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
