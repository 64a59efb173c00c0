"""Results written as a table: the rounds across, the groups down, or the other way round.

    Candidate | 1st | Final | Del          Pete/Warren/Klobuchar/Bernie
    ---|---|---|---                       Final: 47/56/44/34
    Buttigieg | 63 | 69 | 2               Dels: 2/2/1/1
    Sanders | 60 | 67 | 2

Each table gives one count per group and round, placed by its column (or position), so
the numbers are read by structure, never paired with the nearest name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["TableRound", "find_tables"]

_ROUND_OF = {"1st": "first", "first": "first", "first alignment": "first", "initial": "first",
             "final": "final", "2nd": "final", "final alignment": "final", "realign": "final", "realignment": "final",
             "del": "delegates", "dels": "delegates", "delegates": "delegates", "delegate": "delegates",
             "sde": "sde", "sdes": "sde"}
_CELL_SPLIT = re.compile(r"\s*\|\s*")
_RULE_ROW = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SLASH_NAMES = re.compile(r"(?:^|[\s.:;])([A-Za-z'.]+(?:\s*/\s*[A-Za-z'.]+){1,9})\s*$")
_LABELLED_ROW = re.compile(r"^\s*([A-Za-z0-9 ]{2,20}?)\s*:\s*(\d{1,4}(?:\s*/\s*\d{1,4}){1,9})\s*$")


@dataclass(frozen=True)
class TableRound:
    round: str
    counts: dict[str, int]
    start: int
    end: int


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append((pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def find_tables(text: str, group_of: Callable[[str], str | None]) -> list[TableRound]:
    """Every round a table in ``text`` states; ``group_of`` maps a written name to a group key."""
    lines = _lines(text)
    return _pipe_tables(lines, group_of) + _slash_tables(lines, group_of)


def _pipe_tables(lines: list[tuple[int, int, str]], group_of: Callable[[str], str | None]) -> list[TableRound]:
    out: list[TableRound] = []
    for i, (start, _, raw) in enumerate(lines):
        if "|" not in raw:
            continue
        header = [c.strip().lower() for c in _CELL_SPLIT.split(raw.strip().strip("|"))]
        rounds = [_ROUND_OF.get(h) for h in header[1:]]
        if len(header) < 2 or not any(rounds):
            continue
        counts: dict[str, dict[str, int]] = {r: {} for r in rounds if r}
        end = start
        for start2, end2, row in lines[i + 1:]:
            if _RULE_ROW.match(row):
                continue
            cells = [c.strip() for c in _CELL_SPLIT.split(row.strip().strip("|"))]
            if len(cells) != len(header):
                break
            key = group_of(cells[0])
            if key is None:
                continue  # "Total attendance | 170 | …": not a group
            for r, cell in zip(rounds, cells[1:]):
                if r and cell.isdigit():
                    counts[r][key] = int(cell)
            end = end2
        out += [TableRound(r, c, start, end) for r, c in counts.items() if c]
    return out


def _slash_tables(lines: list[tuple[int, int, str]], group_of: Callable[[str], str | None]) -> list[TableRound]:
    out: list[TableRound] = []
    for i, (start, _, raw) in enumerate(lines):
        m = _SLASH_NAMES.search(raw)
        if not m:
            continue
        keys = [group_of(n.strip()) for n in m.group(1).split("/")]
        if not all(keys) or len(set(keys)) != len(keys):
            continue
        for start2, end2, row in lines[i + 1:i + 4]:
            lm = _LABELLED_ROW.match(row)
            if not lm:
                break
            r = _ROUND_OF.get(lm.group(1).strip().lower())
            values = [int(v) for v in lm.group(2).split("/")]
            if r is None or len(values) != len(keys):
                break
            out.append(TableRound(r, {k: v for k, v in zip(keys, values) if k}, start, end2))
    return out
