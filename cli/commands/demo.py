"""``shadowtally demo``: replay Iowa caucus night end to end on the embedded SQLite store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click
from rich.live import Live
from rich.table import Table

from shadowtally.services.demo import DemoConfig, Progress, run_demo
from shadowtally.cli.output import console, err_console

DEFAULT_DB = "shadowtally-demo.db"


def register(group: click.Group) -> None:
    group.add_command(demo)


def _progress_table(p: Progress) -> Table:
    t = Table(title="Caucus night replay", show_header=False, expand=False)
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("Scenario time", _cst(p.scenario_time))
    t.add_row("Posts stored", f"{p.posts:,}")
    t.add_row("Claims accepted", f"{p.claims_accepted:,}")
    t.add_row("Precincts in the shadow tally", f"{p.precincts_posted:,}")
    t.add_row("Share of the state's SDE", f"{p.sde_share:.1%}")
    t.add_row("Latest official release", p.release or "none yet")
    t.add_row("Discrepancies / gaps vs that release", f"{p.mismatches} / {p.gaps}")
    return t


def _cst(t: datetime) -> str:
    return t.astimezone(timezone(timedelta(hours=-6), "CST")).strftime("%a %d %b %H:%M CST")


@click.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, metavar="URL",
              help="Where to store the replay (a fresh SQLite file is the default; it is replaced).")
@click.option("--seed", default=2020, show_default=True, help="Scenario seed: the same seed replays the same night.")
@click.option("--share", default=0.6, show_default=True, help="Share of precincts someone posts about.")
@click.option("--speed", default=1.0, show_default=True,
              help="Replay speed: 1 plays the night and the releases in about two minutes; 2 in one.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object (last line).")
def demo(db: str, seed: int, share: float, speed: float, as_json: bool) -> None:
    """Replay Iowa caucus night 2020 end to end from bundled data, and score the result."""
    if speed <= 0:
        raise click.BadParameter("must be positive", param_hint="--speed")
    if "://" not in db:
        path = Path(db)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    config = DemoConfig(seed=seed, share=share, duration=120.0 / speed)
    err_console.print(f"Replaying caucus night (seed {seed}) into {db}; about {config.duration + 10:.0f} s.",
                      highlight=False)
    with Live(console=err_console, refresh_per_second=4, transient=False) as live:
        report = run_demo(db, config, on_progress=lambda p: live.update(_progress_table(p)))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        _print_report(report)


def _print_report(r: dict[str, Any]) -> None:
    t = Table(title="Statewide SDE: shadow tally vs the last official release")
    for col in ("candidate", "shadow SDE", "official SDE"):
        t.add_column(col, justify="right" if col != "candidate" else "left")
    for cand in r["official_sde"]:
        t.add_row(cand, f"{r['shadow_sde'].get(cand, 0):.3f}", f"{r['official_sde'][cand]:.3f}")
    console.print(t)
    cov = Table(title="Coverage over the night")
    for col in ("scenario time", "precincts", "share of SDE"):
        cov.add_column(col)
    for when, n, share in r["coverage"]:
        cov.add_row(when, str(n), f"{share:.1%}")
    console.print(cov)
    d = Table(title=f"Discrepancies found ({len(r['discrepancies'])})")
    for col in ("release", "county", "precinct", "field", "post vs release", "posts"):
        d.add_column(col)
    for row in r["discrepancies"][:40]:
        vals = ", ".join(f"{c} {a}≠{b}" for c, (a, b) in row["values"].items())
        d.add_row(row["release"], row["county"], row["precinct"], row["field"], vals, " ".join(row["posts"]))
    console.print(d)
    s = Table(title="Scores", show_header=False)
    s.add_column("measure")
    s.add_column("value", justify="right")
    for key in ("posts_generated", "posts_stored", "precincts_total", "precincts_posted", "precincts_official",
                "numbers_accepted", "wrong_numbers_published", "discrepancies_injected", "discrepancies_found",
                "detection_precision", "detection_recall", "injected_recall", "round_mixups_reported",
                "median_latency_s", "p95_latency_s",
                "median_hours_ahead_of_release"):
        s.add_row(key, str(r[key]))
    console.print(s)
