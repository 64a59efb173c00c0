"""Delegates written as a list of numbers in some order: "Dels 3-2-1-1", "→ 2/2/1",
"Delegates: 4, 1, 1, 1", "3-2-1 delegates", "5 / 4 / 3 / 2 for Bernie / Warren / Yang".

The numbers belong to groups by position. When the post names the order right after the
list ("(Bernie/Liz/Pete)", "Sanders/Buttigieg/Warren/Biden", "for Bernie / Warren / Yang"),
the reading is explicit. Otherwise the order is the one in which the post listed the groups
of its last count (usually the final alignment), which is a reader's inference: such a
claim waits for a person. Either way the list's numbers are kept away from the name-number
pairing, where they used to shift onto the wrong groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PositionalList", "find_positional_lists"]

_N = r"\d{1,2}"
_SEP = r"\s*[-/,–|]\s*"
_LIST = rf"{_N}(?:{_SEP}{_N}){{1,9}}"
_DELS = r"(?:county\s+)?(?:del(?:egate)?s?|CDs)\b\.?"
# "Dels 3-2-1-1", "Delegates: 4, 1, 1, 1", "delegates 4 / 3 / 2"
_BEFORE = re.compile(rf"\b{_DELS}\s*(?:[:=]|were|are|went|split|go)?\s*(?:\n\s*)?\(?({_LIST})\)?", re.I)
# "3-2-1 delegates", "(5 / 4 / 3 / 2) delegates"
_AFTER = re.compile(rf"\(?({_LIST})\)?\s+{_DELS}", re.I)
# "3/1/1 Pete/Warren/Biden": a slash list with its order named right after it
_NAMED = re.compile(rf"(?<![\w/])({_N}(?:\s*/\s*{_N}){{1,9}})(?=\s*\(?\s*[A-Za-z'.]+(?:\s*/\s*[A-Za-z'.]+){{1,9}})")
# "… Pete 4. 2-2-2-1." a bare dash list alone as the post's last sentence (three numbers or more)
_BARE = re.compile(rf"(?:(?<=[.!:;])|(?<=[.!:;]\s)|(?<=\n))\s*({_N}(?:\s*-\s*{_N}){{2,9}})\s*[.!]?\s*$")
# "→ 3/2/1/1", "-> 8/5/5/4" (slashes or dashes after an arrow)
_ARROW = re.compile(rf"(?:→|->|=>)\s*\(?({_N}(?:\s*[-/]\s*{_N}){{1,9}})\)?(?![\d.])")
_LABEL_COLON = re.compile(r"\s*:")
_THREAD_NUMBER = re.compile(r"(?:(?<=\n)|(?<=^))\s*\d{1,2}/\d{1,2}\b", re.M)
_IN_ORDER = re.compile(r"\s*,?\s*in\s+(?:that|this|the\s+same|the\s+following)\s+order", re.I)
_ORDER = re.compile(r"\s*(?:\(|for\s+|to\s+|-\s+)?\s*([A-Za-z'.]+(?:\s*[/-]\s*[A-Za-z'.]+){1,9})\s*\)?")


@dataclass(frozen=True)
class PositionalList:
    values: tuple[int, ...]
    start: int
    end: int           # end of the list (and of its named order, when given)
    order_span: tuple[int, int] | None  # where the post names the order, if it does


def find_positional_lists(text: str, blocked: list[tuple[int, int]] = ()) -> list[PositionalList]:
    """Every delegate list in ``text`` (not overlapping ``blocked`` spans such as unit names)."""
    out: list[PositionalList] = []
    taken: list[tuple[int, int]] = list(blocked)
    for rx in (_BEFORE, _AFTER, _ARROW, _NAMED, _BARE):
        for m in rx.finditer(text):
            s, e = m.span(1)
            if any(a < e and s < b for a, b in taken):
                continue
            if rx is _AFTER and (_LABEL_COLON.match(text, m.end()) or _THREAD_NUMBER.match(text, m.start())):
                continue  # "3/3 Delegates: Biden 2, …": a thread's numbering, then a label of its own list
            if _IN_ORDER.match(text, m.end()):
                continue  # "3-2-2 in that order: Sanders, …": the name-number pairing reads it
            raw = m.group(1)
            if "," in raw and rx is not _BEFORE:
                continue  # "Biden 3, 2 …": a comma list is a delegate list only after the word
            values = tuple(int(v) for v in re.findall(r"\d+", raw))
            if len(values) < 2 or max(values) > 30:
                continue
            order = _ORDER.match(text, m.end())
            order_span = None
            end = m.end()
            if order and ("/" in order.group(1) or "-" in order.group(1)):
                order_span = order.span(1)
                end = order.end()
            elif rx is _NAMED:
                continue  # named order required for a bare slash list
            out.append(PositionalList(values, m.start(), end, order_span))
            taken.append((m.start(), end))
    return sorted(out, key=lambda p: p.start)
