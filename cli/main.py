"""The ``shadowtally`` command group (the application, :mod:`shadowtally.app`, adds the web's ``serve``).

Data goes to stdout, messages to stderr. Handled errors (:mod:`shadowtally.errors`)
exit with status 1 and print a next step. Commands live in ``cli/commands/``,
one module per area; each module defines ``register(group)``, and this module finds
them all, so adding a command never means editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import click

from shadowtally import __version__
from shadowtally.cli import commands
from shadowtally.errors import ShadowTallyError
from shadowtally.cli.output import err_console


class _Group(click.Group):
    """Turns domain errors into one clear line plus a hint, and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShadowTallyError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, soft_wrap=True)
            if exc.hint:
                err_console.print(f"[dim]Next step:[/] {exc.hint}", highlight=False, soft_wrap=True)
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shadowtally")
def cli() -> None:
    """ShadowTally: an independent, unofficial caucus count from public posts."""


def _register_all() -> None:
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        module.register(cli)


_register_all()
