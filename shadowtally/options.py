"""Options shared by commands, declared once: ``--db`` and ``--election``.

``--db`` reads ``SHADOWTALLY_DB`` when not given; ``--election`` defaults to iowa-2020.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlmodel import Session

import elections as defs
from shadowtally.errors import NotFound
from store.db import DEFAULT_DB, ENV_VAR, open_store
from store.elections import election_id

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_ELECTION = "iowa-2020"


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


def get_election(slug: str) -> defs.Election:
    """The bundled election, or a :class:`NotFound` that lists the known ones."""
    try:
        return defs.load_election(slug)
    except defs.UnknownElection as exc:
        raise NotFound(str(exc), hint="run `shadowtally elections` to list the bundled elections") from None


def loaded_election_id(session: Session, slug: str) -> int:
    """The stored id of election ``slug``, or a :class:`NotFound` saying to run ``init``."""
    eid = election_id(session, slug)
    if eid is None:
        raise NotFound(f"election {slug} is not loaded in this store",
                       hint=f"run `shadowtally init --election {slug}` first")
    return eid


def open_db(db: str | None) -> Engine:
    """Open the store (creating its tables); errors become clear CLI messages."""
    return open_store(db)
