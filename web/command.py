"""``shadowtally serve``: the web shell's own command (the application adds it to the CLI group).

The live page is a newsroom results dashboard over the store. This module is the web
shell's command-line face; :mod:`shadowtally.app` puts it beside the ``cli`` commands,
so neither shell imports the other."""

from __future__ import annotations

import urllib.error
import urllib.request

import click
from rich.console import Console

from shadowtally.errors import ConfigError, ShadowTallyError
from shadowtally.services.options import db_option, election_option, get_election
from shadowtally.web.live import LiveTally
from shadowtally.web.server import make_server, running
from shadowtally.web.server import serve as serve_forever


err_console = Console(stderr=True)


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310  (our own server on loopback)
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@click.command()
@db_option
@election_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 shows the page to the whole network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one.")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="How often to check the store for news.")
@click.option("--get", "get_path", default=None, metavar="PATH",
              help="Print one response (e.g. /api/summary) to stdout and exit, instead of serving.")
def serve(db: str | None, election: str, host: str, port: int, poll: float, get_path: str | None) -> None:
    """The live page: shadow vs official, discrepancies and gaps, updating as posts come in."""
    live = LiveTally(db, get_election(election))
    if get_path is not None:
        with running(live, poll_interval=poll) as server:
            status, body = _fetch(server.url + get_path.lstrip("/"))
        click.echo(body)
        if status >= 400:
            err_console.print(f"[bold red]Error:[/] HTTP {status} for {get_path}", highlight=False)
            raise SystemExit(1)
        return
    try:
        server = make_server(live, host, port, poll_interval=poll)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="choose another --port (0 picks a free one)") from None
    err_console.print(f"Live page for {election} from {live.describe()} at [bold]{server.url}[/] (Ctrl-C stops)",
                      highlight=False, soft_wrap=True)
    try:
        live.snapshot()  # warm the cache, and say now whether there is anything to show
    except ShadowTallyError as exc:
        err_console.print(f"[yellow]Nothing to show yet:[/] {exc}", highlight=False, soft_wrap=True)
        if exc.hint:
            err_console.print(f"[dim]Next step:[/] {exc.hint}. The page updates once it can read the store.",
                              highlight=False, soft_wrap=True)
    try:
        serve_forever(server)
    except KeyboardInterrupt:
        err_console.print("Stopped.", style="dim")
