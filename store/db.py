"""The one place that creates database engines and sessions.

Everything else receives a ``Session``. URLs: a bare path or ``sqlite:///path`` gives
the embedded SQLite file; ``postgresql://`` (or ``postgresql+psycopg://``) uses
PostgreSQL through psycopg 3. The default is ``shadowtally.db`` in the working
directory, overridable with ``SHADOWTALLY_DB``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine

from shadowtally.errors import ConfigError, StoreUnavailable
from shadowtally.store import models  # noqa: F401  (registers the tables on SQLModel.metadata)

DEFAULT_DB = "shadowtally.db"
ENV_VAR = "SHADOWTALLY_DB"


def resolve_url(value: str | None = None) -> str:
    """Turn ``--db`` / ``SHADOWTALLY_DB`` / the default into a SQLAlchemy URL.

    Raises :class:`ConfigError` for a URL whose scheme we do not support.
    """
    raw = value or os.environ.get(ENV_VAR) or DEFAULT_DB
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser()}"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"malformed database URL {raw!r}: {exc}",
                          hint="use a file path, sqlite:///path.db or postgresql://user@host/db") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return raw
    if backend in ("postgresql", "postgres"):
        # psycopg 3 is the driver we ship; plain postgresql:// would pick psycopg2.
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ConfigError(f"unsupported database {backend!r} in {raw!r}",
                      hint="use a file path, sqlite:///path.db or postgresql://user@host/db")


def sqlite_pragmas(dbapi_conn: object, _record: object = None) -> None:
    """The store's settings for a SQLite connection (run on every new connection of an engine)."""
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    # WAL lets the web page read while collectors write; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
    # nothing committed (only a power cut can drop the last commits). Each collector pass
    # commits; with FULL, commits were about a fifteenth of a replay's profile samples.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_store(url: str | None = None, *, create: bool = True) -> Engine:
    """Open (and by default create) the store at ``url``; see :func:`resolve_url`.

    Raises :class:`StoreUnavailable` when the database cannot be reached.
    """
    resolved = resolve_url(url)
    is_sqlite = resolved.startswith("sqlite")
    kwargs: dict[str, object] = {}
    if not is_sqlite:
        kwargs["connect_args"] = {"connect_timeout": 5}
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(resolved, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"cannot use database URL {resolved!r}: {exc}") from None
    if is_sqlite:
        event.listen(engine, "connect", sqlite_pragmas)
    try:
        if create:
            SQLModel.metadata.create_all(engine)
            upgrade_schema(engine)
        else:
            with engine.connect():
                pass
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailable(f"cannot open the database {engine.url.render_as_string()}: {reason}",
                               hint="check --db / SHADOWTALLY_DB, and that the server is running") from None
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot use the database {engine.url.render_as_string()}: {exc}") from None
    return engine


# Columns added after a store may have been created, as (table, column, SQL type). create_all
# makes missing tables but never alters one, so each is added here, once, where it is missing.
ADDED_COLUMNS = (("claims", "review", "JSON"),)


def upgrade_schema(engine: Engine) -> list[str]:
    """Add the columns of :data:`ADDED_COLUMNS` that an older store lacks; returns what it added."""
    added = []
    inspector = inspect(engine)
    for table, column, sql_type in ADDED_COLUMNS:
        if not inspector.has_table(table):
            continue
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            with engine.begin() as conn:
                conn.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column}" {sql_type}'))
            added.append(f"{table}.{column}")
    return added


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on an exception."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
