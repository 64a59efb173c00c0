"""Errors the command line turns into a message and exit status 1.

    ShadowTallyError            anything a user can act on
    ├── ConfigError             bad settings: a malformed database URL, a bad config file
    ├── StoreUnavailable        the database cannot be reached or opened
    ├── NotFound                an unknown election, county, precinct, release or source
    └── InvalidValue            a value that would corrupt the store (negative count, ...)

Each carries ``hint``: the next step to print under the message.
"""

from __future__ import annotations


class ShadowTallyError(Exception):
    """Base for errors with a message a user can act on."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(ShadowTallyError):
    """Settings or a config file are malformed."""


class StoreUnavailable(ShadowTallyError):
    """The database cannot be reached or opened."""


class NotFound(ShadowTallyError):
    """An unknown election, county, precinct, release or source."""


class InvalidValue(ShadowTallyError, ValueError):
    """A value that must not reach the store."""
