"""Collection commands: ``collect``, ``run``, ``sources`` (``sources add``), ``posts`` and ``releases``.

Sources come from ``shadowtally.toml`` (or ``--config FILE``). ``collect --once`` makes one
pass over every source (or those matching SOURCE) and exits 1 only when every source
that ran failed. ``run`` keeps polling on a schedule, parsing as posts arrive.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone
from typing import Any

import click
from sqlmodel import select

from shadowtally.collectors.config import DEFAULT_CONFIG, TOKEN_ENV, append_source, load_config
from shadowtally.collectors.scheduler import Outcome, sync_sources
from shadowtally.errors import NotFound, ShadowTallyError
from shadowtally.services.options import db_option, open_db
from shadowtally.cli.output import emit, err_console, output_options
from shadowtally.services.runtime import Runtime
from shadowtally.store.db import session_scope
from shadowtally.store.models import OfficialRelease, Post, Source
from shadowtally.collectors.kinds import KINDS

POST_COLUMNS = ("platform", "external_id", "author", "url", "created_at", "text")
RELEASE_COLUMNS = ("label", "fetched_at", "hash", "row_count")
SOURCE_COLUMNS = ("id", "kind", "locator", "platform", "interval", "last_success", "last_error", "next_run",
                  "rate_remaining")


def register(group: click.Group) -> None:
    group.add_command(collect)
    group.add_command(run)
    group.add_command(sources)
    group.add_command(posts)
    group.add_command(releases)


def config_option(func: Any) -> Any:
    return click.option("--config", "config_path", default=None, metavar="FILE",
                        help=f"Sources file (default ./{DEFAULT_CONFIG}).")(func)


def _matches(spec_or_source: Any, pattern: str) -> bool:
    p = pattern.casefold().lstrip("@")
    kind = spec_or_source.kind
    locator = spec_or_source.locator.casefold()
    label = (spec_or_source.label or "").casefold()
    return p in (kind, locator, label, f"{kind}:{locator}") or (kind == p) or p == str(getattr(spec_or_source, "id", ""))


def _prepare(db: str | None, config_path: str | None, source: str | None) -> tuple[Runtime, list[int]]:
    """The runtime for this store and config (registered accounts included), and the sources' ids."""
    config = load_config(config_path)
    engine = open_db(db)
    specs = list(config.sources)
    if not specs:
        raise NotFound("no sources to collect from", hint=f"add one with `shadowtally sources add` or edit {DEFAULT_CONFIG}")
    if source:
        specs = [s for s in specs if _matches(s, source)]
        if not specs:
            raise NotFound(f"no source matches {source!r}", hint="run `shadowtally sources` to list them")
    runtime = Runtime.from_config(engine, config)
    return runtime, runtime.sync_sources(specs)


def _report(o: Outcome) -> None:
    style = {"ok": "green", "disabled": "yellow", "rate_limited": "yellow", "error": "red"}[o.status]
    err_console.print(f"[{style}]{o.status:>12}[/] {o.name}: {o.message}", highlight=False, soft_wrap=True)


@click.command()
@click.argument("source", required=False)
@click.option("--once", is_flag=True, help="Make one pass over the sources and exit.")
@config_option
@db_option
def collect(source: str | None, once: bool, config_path: str | None, db: str | None) -> None:
    """Collect from every source (or SOURCE: a kind, handle, URL or id); --once for one pass."""
    runtime, ids = _prepare(db, config_path, source)
    if not once:
        _run_scheduler(runtime, ids, duration=None)
        return
    disabled_said = False

    def report(o: Outcome) -> None:
        nonlocal disabled_said
        if o.status == "disabled":
            if not disabled_said:
                err_console.print(f"[yellow]{o.message}[/]", highlight=False)
            disabled_said = True
            return
        _report(o)

    outcomes = runtime.run_once(ids, report=report)
    ran = [o for o in outcomes if o.status != "disabled"]
    failed = [o for o in ran if o.failed]
    new = sum(o.result.new for o in ran if o.result)
    err_console.print(f"{len(ran) - len(failed)} of {len(ran)} source(s) ok, {new} new post(s)"
                      + (f"; {len(outcomes) - len(ran)} skipped" if len(ran) < len(outcomes) else ""), style="dim")
    if ran and len(failed) == len(ran):
        raise ShadowTallyError("every source failed", hint="run `shadowtally sources` to see each source's last error")


def _run_scheduler(runtime: Runtime, ids: list[int], duration: float | None) -> None:
    if not (runtime.settings.token or os.environ.get(TOKEN_ENV)):
        err_console.print(f"[yellow]X collector disabled: {TOKEN_ENV} is not set[/]", highlight=False)
    if duration is not None:
        from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415

        sched = runtime.scheduler(ids, scheduler=BackgroundScheduler(timezone=timezone.utc))
        sched.start()
        runtime.prune_jobs()
        err_console.print(f"collecting from {len(ids)} source(s) for {duration:g} s", style="dim")
        try:
            time.sleep(duration)
        finally:
            runtime.stop()
        return
    sched = runtime.scheduler(ids)
    err_console.print(f"collecting from {len(ids)} source(s); Ctrl-C stops", style="dim")
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command()
@config_option
@db_option
@click.option("--for", "duration", type=float, default=None, metavar="SECONDS", help="Stop after this long.")
def run(config_path: str | None, db: str | None, duration: float | None) -> None:
    """Collect, parse and reconcile continuously, one scheduled job per source."""
    runtime, ids = _prepare(db, config_path, None)
    _run_scheduler(runtime, ids, duration)


def _health_row(s: Source) -> dict[str, Any]:
    h = s.health or {}
    return {"id": s.id, "kind": s.kind, "locator": s.locator, "platform": s.platform, "interval": s.interval_s,
            "precinct": f"{s.county}/{s.precinct}" if s.precinct else None, "role": s.role,
            "last_success": h.get("last_success"),
            "last_error": (f"{h.get('last_error_at', '')} {h.get('last_error', '')}".strip()
                           if h.get("last_error") else None),
            "next_run": h.get("next_run"), "rate_remaining": h.get("rate_remaining"),
            "rate_reset": h.get("rate_reset"), "last_result": h.get("last_result"),
            "did": (s.cursor or {}).get("did")}


@click.group(invoke_without_command=True)
@config_option
@db_option
@output_options
@click.pass_context
def sources(ctx: click.Context, config_path: str | None, db: str | None, fmt: str) -> None:
    """List watched sources and their health: last success, last error, next run, rate budget."""
    if ctx.invoked_subcommand is not None:
        return
    config = load_config(config_path)
    engine = open_db(db)
    if config.sources:
        sync_sources(engine, config.sources)
    with session_scope(engine) as session:
        rows = [_health_row(s) for s in session.exec(select(Source).order_by(Source.id))]  # type: ignore[arg-type]
    n = emit(rows, SOURCE_COLUMNS, fmt, title="Sources")
    err_console.print(f"{n} source(s)", style="dim")


@sources.command("add")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("locator")
@click.option("--precinct", default=None, metavar="COUNTY/PRECINCT", help="The precinct this source reports on.")
@click.option("--role", default=None, help="secretary, chair, captain, reporter, official or other.")
@click.option("--interval", type=int, default=None, help="Seconds between passes.")
@click.option("--label", default=None, help="A readable name.")
@config_option
def sources_add(kind: str, locator: str, precinct: str | None, role: str | None, interval: int | None,
                label: str | None, config_path: str | None) -> None:
    """Add a source to the config file: KIND is feed, x_account, x_list, x_search or official."""
    path = config_path or DEFAULT_CONFIG
    existing = load_config(path) if os.path.exists(path) else None
    table: dict[str, Any] = {"kind": kind, KINDS[kind].locator_field: locator.lstrip("@") if kind == "x_account" else locator,
                             "precinct": precinct, "role": role, "interval": interval, "label": label}
    if existing and any(s.kind == kind and s.locator == table[KINDS[kind].locator_field] for s in existing.sources):
        err_console.print(f"{kind} {locator} is already in {path}")
        return
    append_source(path, table)
    err_console.print(f"added {kind} {locator} to {path}")


@sources.command("list")
@config_option
@db_option
@output_options
@click.pass_context
def sources_list(ctx: click.Context, config_path: str | None, db: str | None, fmt: str) -> None:
    """Same as `shadowtally sources`."""
    ctx.invoke(sources, config_path=config_path, db=db, fmt=fmt)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


@click.command()
@db_option
@click.option("--platform", default=None, help="Only this platform (x, mastodon, bluesky, web).")
@output_options
def posts(db: str | None, platform: str | None, fmt: str) -> None:
    """The stored posts: platform, external id, author, url, created_at, text."""
    engine = open_db(db)
    with session_scope(engine) as session:
        q = select(Post).order_by(Post.created_at, Post.id)  # type: ignore[arg-type]
        if platform:
            q = q.where(Post.platform == platform)
        rows = [{"platform": p.platform, "external_id": p.external_id, "author": p.author, "url": p.url,
                 "created_at": _iso(p.created_at), "text": p.text} for p in session.exec(q)]
    n = emit(rows, POST_COLUMNS, fmt, title="Posts")
    err_console.print(f"{n} post(s)", style="dim")


@click.command()
@db_option
@output_options
def releases(db: str | None, fmt: str) -> None:
    """The stored official releases: label, fetched_at, hash, row count."""
    engine = open_db(db)
    with session_scope(engine) as session:
        q = select(OfficialRelease).order_by(OfficialRelease.fetched_at, OfficialRelease.id)  # type: ignore[arg-type]
        rows = [{"label": r.label, "fetched_at": _iso(r.fetched_at), "hash": r.content_sha256,
                 "row_count": r.row_count, "url": r.url, "published_at": _iso(r.published_at)}
                for r in session.exec(q)]
    n = emit(rows, RELEASE_COLUMNS, fmt, title="Official releases")
    err_console.print(f"{n} release(s)", style="dim")


