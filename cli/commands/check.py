"""``check-official``: run every consistency rule on an official release.

Thin glue over :func:`reconcile.official.check_release`: load the release (bundled, or
fetched into the store), check it, record the findings in the store (resolving those
that no longer hold), and print one line per unit (``--json``/``--csv``) or a summary
table. With ``--json`` each line is
``{"county", "precinct", "status", "findings": [{"rule", "severity", "message"}]}``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import click
from rich.table import Table
from sqlmodel import Session, select

import shadowtally.elections as defs
from shadowtally.reconcile.official import ReleaseCheck, check_release, finding_subject, unit_json
from shadowtally.reconcile.rules import RULES
from shadowtally.reconcile.types import STATUSES
from shadowtally.errors import NotFound
from shadowtally.services.options import db_option, election_option, get_election, open_db
from shadowtally.cli.output import console, emit, err_console, output_options
from shadowtally.services.tally import release_rows
from shadowtally.store.db import session_scope
from shadowtally.store.ingest import record_findings
from shadowtally.store.models import OfficialRelease
from shadowtally.store.validate import FindingIn

UNIT_COLUMNS = ("county", "precinct", "status", "errors", "warnings", "rules")


def register(group: click.Group) -> None:
    group.add_command(check_official)


@click.command("check-official")
@click.option("--release", "label", required=True, metavar="LABEL",
              help="Release label: 62pct, 71pct, 75pct, 86pct, 92pct, 97pct, 100pct, certified, "
                   "or the label of a release fetched into the store.")
@db_option
@election_option
@output_options
def check_official(label: str, db: str | None, election: str, fmt: str) -> None:
    """Check an official release against the caucus math and consistency rules."""
    definition = get_election(election)
    engine = open_db(db)
    with session_scope(engine) as session:
        rows = _release_rows(session, definition, label)
        try:
            checked = check_release(definition, rows, label)
        except LookupError as exc:
            raise NotFound(str(exc), hint="check that the release belongs to --election") from None
        scope = f"release:{label}|"
        stats = record_findings(session, _finding_rows(checked, scope),
                                now=datetime.now(timezone.utc), scope=scope)
    if fmt == "json":
        for unit in checked.units:
            click.echo(_json_line(unit_json(unit)))
    elif fmt == "csv":
        emit((_unit_row(u) for u in checked.units), UNIT_COLUMNS, fmt)
    else:
        console.print(summary_table(checked))
    err_console.print(
        f"Checked {len(checked.units):,} units of release {label}: "
        + ", ".join(f"{checked.counts()[s]:,} {s}" for s in STATUSES)
        + f". Findings: {stats.new} new, {stats.updated} updated, {stats.unchanged} unchanged, "
        f"{stats.resolved} resolved.", highlight=False)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def _unit_row(unit: Any) -> dict[str, Any]:
    return {
        "county": unit.county, "precinct": unit.precinct, "status": unit.status,
        "errors": sum(f.severity == "error" for f in unit.findings),
        "warnings": sum(f.severity == "warning" for f in unit.findings),
        "rules": " ".join(sorted({f.rule for f in unit.findings})),
    }


def _finding_rows(checked: ReleaseCheck, scope: str) -> list[FindingIn]:
    seen: dict[tuple[str, str], FindingIn] = {}
    for f in checked.findings():
        subject = finding_subject(scope.rstrip("|"), f)
        seen[(f.rule, subject)] = FindingIn.of(
            rule=f.rule, severity=f.severity, county=f.county, precinct=f.precinct, subject=subject,
            message=f.message, evidence=dict(f.evidence))
    return list(seen.values())


def summary_table(checked: ReleaseCheck) -> Table:
    """Units per status, then how many units each rule flagged."""
    t = Table(title=f"Release {checked.label}: {len(checked.units):,} units")
    t.add_column("status / rule")
    t.add_column("severity")
    t.add_column("units", justify="right")
    t.add_column("meaning")
    counts = checked.counts()
    meaning = {
        "consistent": "delegates follow from the published counts",
        "coin_toss": "consistent only as one of the tie outcomes",
        "inconsistent": "at least one error-severity rule fired",
        "not_checkable": "no delegates or no attendance to compute with",
    }
    for s in STATUSES:
        t.add_row(s, "", f"{counts[s]:,}", meaning[s])
    per_rule: Counter[str] = Counter()
    for u in checked.units:
        for rule in {f.rule for f in u.findings}:
            per_rule[rule] += 1
    for rule_id, rule in RULES.items():
        t.add_row(f"{rule_id} {rule.name}", rule.severity, f"{per_rule[rule_id]:,}", rule.description)
    return t


def _release_rows(session: Session, definition: defs.Election, label: str) -> list[defs.ReleaseRow]:
    """A bundled release, else the latest release with this label fetched into the store."""
    try:
        return defs.load_release(definition.slug, label)
    except defs.UnknownRelease:
        pass
    release = session.exec(
        select(OfficialRelease).where(OfficialRelease.label == label)
        .order_by(OfficialRelease.fetched_at.desc())  # type: ignore[attr-defined]
    ).first()
    if release is None:
        known = ", ".join(r.label for r in definition.releases)
        raise NotFound(f"no release {label!r} for {definition.slug}",
                       hint=f"use one of {known}, or fetch the release into the store first")
    return release_rows(session, release, definition)
