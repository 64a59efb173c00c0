"""Shared helpers for the reconciliation tests: fixture paths and name normalisation."""

from __future__ import annotations

import csv
import gzip
import html
import io
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "reconcile"


def norm(name: str) -> str:
    """Compare unit names across sources: HTML-unescaped, whitespace collapsed."""
    return " ".join(html.unescape(html.unescape(name)).split())


def key(county: str, precinct: str) -> tuple[str, str]:
    return (norm(county), norm(precinct))


def read_csv(name: str) -> list[dict[str, str]]:
    path = DATA / name
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if name.endswith(".gz") else raw.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))
