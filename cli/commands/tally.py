"""``tally``, ``gaps`` and ``discrepancies``: the shadow count and how it compares with the releases."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

import click

from shadowtally.elections import ROUNDS
from shadowtally.errors import ConfigError, NotFound
from shadowtally.services.options import db_option, election_option, get_election, loaded_election_id, open_db
from shadowtally.cli.output import emit, err_console, output_options
from shadowtally.services.tally import TallyState, compute, record
from shadowtally.store.db import session_scope

TALLY_COLUMNS = ("county", "precinct", "round", "candidate", "value", "derived", "confidence", "urls")
GAP_COLUMNS = ("release", "county", "precinct", "first_posted_at", "hours_missing", "urls")
DISCREPANCY_COLUMNS = ("release", "county", "precinct", "field", "candidate", "shadow", "official", "derived", "urls")


def register(group: click.Group) -> None:
    group.add_command(tally)
    group.add_command(gaps)
    group.add_command(discrepancies)


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not an ISO-8601 time",
                          hint="e.g. --as-of 2020-02-04T03:45:00Z (or with an offset, -06:00 for CST)") from None
    if t.tzinfo is None:
        raise ConfigError(f"--as-of {value!r} has no time zone", hint="add Z or an offset such as -06:00")
    return t.astimezone(timezone.utc)


def _state(db: str | None, election: str, as_of: str | None, *, persist: bool) -> TallyState:
    definition = get_election(election)
    when = _as_of(as_of)
    engine = open_db(db)
    with session_scope(engine) as session:
        eid = loaded_election_id(session, election)
        state = compute(session, definition, eid, as_of=when)
        if persist and when is None:  # findings describe the present; time travel only reads
            record(session, state, now=datetime.now(timezone.utc))
    return state


def _urls(evidence: Any) -> str:
    return " ".join(dict.fromkeys(e.url for e in evidence if e.url))


def _round_urls(sp: Any, rnd: str) -> str:
    """The posts behind a round; a derived round links to the posts it was computed from."""
    if rnd in sp.derived:
        return _urls(e for r, ev in sp.sources.items() if r not in sp.derived for e in ev)
    return _urls(sp.sources.get(rnd, ()))


def as_of_option(func: Any) -> Any:
    return click.option("--as-of", default=None, metavar="TIME",
                        help="What was known at this time (ISO-8601 with zone), e.g. 2020-02-04T03:45Z.")(func)


@click.command()
@db_option
@election_option
@as_of_option
@click.option("--statewide", is_flag=True, help="Only the statewide totals and coverage.")
@output_options
def tally(db: str | None, election: str, as_of: str | None, statewide: bool, fmt: str) -> None:
    """The shadow tally: per precinct and round, each number with the posts that said it."""
    state = _state(db, election, as_of, persist=True)
    sh = state.shadow
    err_console.print(
        f"Shadow tally{' as of ' + sh.as_of.isoformat() if sh.as_of else ''}: {sh.precincts_posted} precincts posted, "
        f"{sh.precincts_with_sde} with SDE ({sh.sde_share:.1%} of the state's SDE).", highlight=False)
    if statewide:
        rows: Iterator[dict[str, Any]] = (
            {"county": "STATEWIDE", "precinct": "", "round": rnd, "candidate": c, "value": v, "derived": "",
             "confidence": "", "urls": ""}
            for rnd, totals in (("first", sh.first), ("final", sh.final), ("sde", sh.sde))
            for c, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v
        )
    else:
        rows = (
            {"county": sp.county, "precinct": sp.precinct, "round": rnd, "candidate": c, "value": v,
             "derived": rnd in sp.derived, "confidence": round(sp.round_confidence.get(rnd, sp.confidence), 3),
             "urls": _round_urls(sp, rnd)}
            for sp in sh.precincts.values()
            for rnd in ROUNDS
            if (counts := getattr(sp, rnd)) is not None
            for c, v in sorted(counts.items())
        )
    emit(rows, TALLY_COLUMNS, fmt, title="Shadow tally")


def release_options(func: Any) -> Any:
    """The options shared by the commands that read one release's reconciliation."""
    for option in reversed((db_option, election_option, as_of_option,
                            click.option("--release", default=None,
                                         help="Only this release label (default: the latest stored)."),
                            output_options)):
        func = option(func)
    return func


@click.command()
@release_options
def gaps(db: str | None, election: str, as_of: str | None, release: str | None, fmt: str) -> None:
    """Precincts posted publicly but missing from a release, and for how long."""
    state = _state(db, election, as_of, persist=True)
    recs = _pick(state, release)
    rows = (
        {"release": rec.label, "county": pr.county, "precinct": pr.precinct,
         "first_posted_at": pr.first_posted_at.isoformat() if pr.first_posted_at else None,
         "hours_missing": pr.hours_missing,
         "urls": _urls(e for sp in [state.shadow.precincts.get((pr.county, pr.precinct))] if sp
                       for ev in sp.sources.values() for e in ev)}
        for rec in recs for pr in rec.precincts.values() if pr.status == "social_only"
    )
    emit(rows, GAP_COLUMNS, fmt, title="Reporting gaps: posted, not released")


@click.command()
@release_options
def discrepancies(db: str | None, election: str, as_of: str | None, release: str | None, fmt: str) -> None:
    """Fields where the posts and a release disagree, with both numbers and the posts' URLs."""
    state = _state(db, election, as_of, persist=True)
    rows = (
        {"release": rec.label, "county": pr.county, "precinct": pr.precinct, "field": d.field, "candidate": c,
         "shadow": sv, "official": ov, "derived": d.derived, "urls": _urls(d.claims)}
        for rec in _pick(state, release) for pr in rec.precincts.values() if pr.status == "mismatch"
        for d in pr.diffs for c, (sv, ov) in sorted(d.candidates.items())
    )
    emit(rows, DISCREPANCY_COLUMNS, fmt, title="Discrepancies: posts vs release")


def _pick(state: TallyState, label: str | None) -> list[Any]:
    if not state.reconciliations:
        raise NotFound("no official release is stored yet",
                       hint="run `shadowtally collect --once` with an official source, or `shadowtally demo`")
    if label is None:
        return [state.reconciliations[-1]]
    found = [r for r in state.reconciliations if r.label == label]
    if not found:
        known = ", ".join(r.label for r in state.reconciliations)
        raise NotFound(f"no stored release {label!r}", hint=f"stored releases: {known}")
    return found
