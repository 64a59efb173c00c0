"""Foundation commands: ``init``, ``elections`` and ``precincts``."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from sqlmodel import select

import shadowtally.elections as defs
from shadowtally.errors import NotFound
from shadowtally.services.options import db_option, election_option, get_election, loaded_election_id, open_db
from shadowtally.cli.output import console, emit, err_console, output_options
from shadowtally.store.db import session_scope
from shadowtally.store.elections import load_election
from shadowtally.store.models import Election, Precinct

PRECINCT_COLUMNS = ("county", "precinct", "code", "idp_id", "delegates", "sde", "satellite")


def register(group: click.Group) -> None:
    group.add_command(init)
    group.add_command(elections_cmd)
    group.add_command(precincts)


@click.command()
@db_option
@election_option
def init(db: str | None, election: str) -> None:
    """Create the store and load an election definition (safe to run again)."""
    definition = get_election(election)
    engine = open_db(db)
    with session_scope(engine) as session:
        stats = load_election(session, election)
    err_console.print(
        f"Store ready at [bold]{engine.url.render_as_string()}[/]: election {election} "
        f"({stats.precincts_added} units added, {stats.precincts_updated} updated, "
        f"{stats.candidates_added} candidates added)."
    )
    console.print(summary_table(definition))


def summary_table(e: defs.Election) -> Table:
    """A short description of an election: units, delegates, candidates, releases."""
    regular = [p for p in e.precincts if not p.satellite]
    sats = [p for p in e.precincts if p.satellite]
    t = Table(title=e.name, show_header=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("Caucus day", e.date.isoformat())
    t.add_row("Rule pack", e.rule_pack)
    t.add_row("Reporting units", f"{len(e.precincts):,}")
    t.add_row("  precincts", f"{len(regular):,} in {len({p.county for p in regular})} counties")
    t.add_row("  satellite caucuses", f"{len(sats):,}")
    t.add_row("County delegates (precincts)", f"{sum(p.delegates for p in regular):,}")
    t.add_row("State delegate equivalents", f"{sum(p.sde for p in e.precincts):,.3f}")
    t.add_row("Preference groups", ", ".join(e.candidate_keys))
    t.add_row("Official releases bundled", ", ".join(r.label for r in e.releases))
    return t


@click.command("elections")
@db_option
@output_options
def elections_cmd(db: str | None, fmt: str) -> None:
    """List the bundled elections, and whether each is loaded in the store."""
    engine = open_db(db)
    with session_scope(engine) as session:
        loaded = set(session.exec(select(Election.slug)))
    rows: list[dict[str, Any]] = []
    for slug in defs.available_elections():
        e = defs.load_election(slug)
        rows.append({"slug": slug, "name": e.name, "date": e.date.isoformat(), "rule_pack": e.rule_pack,
                     "units": len(e.precincts), "loaded": slug in loaded})
    emit(rows, ("slug", "name", "date", "rule_pack", "units", "loaded"), fmt, title="Elections")


@click.command()
@db_option
@election_option
@click.option("--county", default=None, help="Only this county (case-insensitive).")
@output_options
def precincts(db: str | None, election: str, county: str | None, fmt: str) -> None:
    """List the reporting units of an election, with delegates and SDE."""
    get_election(election)
    engine = open_db(db)
    with session_scope(engine) as session:
        eid = loaded_election_id(session, election)
        query = select(Precinct).where(Precinct.election_id == eid)
        rows = list(session.exec(query.order_by(Precinct.id)))  # type: ignore[arg-type]
    if county is not None:
        wanted = county.strip().casefold()
        rows = [p for p in rows if p.county.casefold() == wanted]
        if not rows:
            raise NotFound(f"no county {county!r} in {election}",
                           hint="run `shadowtally precincts` to see every county name")
    records = (
        {"county": p.county, "precinct": p.name, "code": p.code, "idp_id": p.idp_id,
         "delegates": p.delegates, "sde": round(p.sde, 6), "satellite": p.satellite}
        for p in rows
    )
    n = emit(records, PRECINCT_COLUMNS, fmt, title=f"{election}: reporting units")
    err_console.print(f"{n} units", style="dim")
