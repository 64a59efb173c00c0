"""Command-line options both shells declare once: ``--db`` and ``--election``.

The ``shadowtally`` commands (``cli``) and the page's ``serve`` command (``web``) both take them.

``--db`` reads ``SHADOWTALLY_DB`` when not given; ``--election`` defaults to the settings default.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click
from sqlalchemy.engine import Engine

from shadowtally.settings import DEFAULT_ELECTION
from shadowtally.store.db import DEFAULT_DB, ENV_VAR, open_store
from shadowtally.services.elections import get_election, loaded_election_id  # noqa: F401 - commands import them from here

F = TypeVar("F", bound=Callable[..., Any])



def db_option(func: F) -> F:
    """``--db URL``: a SQLite path, ``sqlite:///`` URL or ``postgresql://`` URL."""
    return click.option(
        "--db", "db", envvar=ENV_VAR, default=None, metavar="URL",
        help=f"Database: a SQLite path, sqlite:///… or postgresql://… (default {DEFAULT_DB}; env {ENV_VAR}).",
    )(func)


def election_option(func: F) -> F:
    """``--election SLUG``: which bundled election definition to use."""
    return click.option(
        "--election", "election", default=DEFAULT_ELECTION, show_default=True, metavar="SLUG",
        help="Election definition to use.",
    )(func)


def open_db(db: str | None) -> Engine:
    """Open the store (creating its tables); errors become clear CLI messages."""
    return open_store(db)
