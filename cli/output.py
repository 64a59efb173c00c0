"""Output helpers shared by commands: rich consoles, and --json / --csv / table rendering.

Data goes to stdout (``console``, or plain ``click.echo`` for JSON and CSV lines);
messages and progress go to stderr (``err_console``).
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any, Callable, Iterable, Sequence, TypeVar

import click
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def output_options(func: F) -> F:
    """Add ``--json`` and ``--csv`` flags; the command receives ``fmt`` ('table'|'json'|'csv')."""
    func = click.option("--csv", "fmt", flag_value="csv", help="One CSV row per record, with a header.")(func)
    func = click.option("--json", "fmt", flag_value="json", help="One JSON object per line.")(func)
    func = click.option("--table", "fmt", flag_value="table", default=True, help="A readable table (default).")(func)
    return func


def emit(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, title: str | None = None) -> int:
    """Write records to stdout in the chosen format; returns how many were written."""
    n = 0
    if fmt == "json":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False, default=str))
            n += 1
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
            n += 1
    else:
        table = Table(title=title)
        for col in columns:
            table.add_column(col)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
            n += 1
        console.print(table)
    return n


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value
