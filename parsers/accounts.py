"""Registered accounts: handle → precinct (secretaries, chairs, captains)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from shadowtally.elections import Election

__all__ = ["Account", "AccountError", "load_accounts", "norm_handle"]


@dataclass(frozen=True, slots=True)
class Account:
    handle: str
    county: str
    precinct: str
    role: str


class AccountError(ValueError):
    """A row of the accounts file names no known precinct, or lacks a column."""


def norm_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def load_accounts(text: str, election: Election) -> tuple[dict[str, Account], list[str]]:
    """Parse ``handle,county,precinct,role`` CSV text. Returns (accounts, problems).

    Rows naming an unknown precinct are skipped and reported, never guessed. A row with
    an empty precinct registers a county-scope source (``Account.precinct == ""``).
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = {"handle", "county", "precinct"} - set(reader.fieldnames or ())
    if missing:
        raise AccountError(f"accounts file lacks column(s): {', '.join(sorted(missing))}")
    out: dict[str, Account] = {}
    problems: list[str] = []
    for lineno, row in enumerate(reader, start=2):
        handle = norm_handle(row.get("handle") or "")
        county = (row.get("county") or "").strip()
        precinct = (row.get("precinct") or "").strip()
        if not handle:
            problems.append(f"line {lineno}: empty handle")
            continue
        if not precinct:
            # A county-scope source (a county party, a local paper): its posts' units are
            # looked for in its county; it names no unit itself.
            if county not in election.counties:
                problems.append(f"line {lineno}: unknown county {county!r} for @{handle}")
                continue
        elif election.precinct(county, precinct) is None:
            problems.append(f"line {lineno}: unknown precinct {county!r} / {precinct!r} for @{handle}")
            continue
        out[handle] = Account(handle, county, precinct, (row.get("role") or "other").strip() or "other")
    return out, problems
