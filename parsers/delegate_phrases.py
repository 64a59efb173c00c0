"""Delegates said in words rather than listed: "1 delegate each", "All six delegates to
Sanders", "Amy gets our one delegate", "the delegate goes to Pete", "5 dels bernie 2 dels liz".

Each phrase gives (group or None for "each", delegates); :mod:`parsers` turns them into a
delegates claim for the post's unit. "Each" applies to the groups of the post's last count,
which is a reader's inference, so that claim waits for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DelegatePhrase", "find_delegate_phrases"]

_NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
              "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1, "the": 1, "our": 1, "both": 2}
_N = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_DEL = r"(?:county\s+)?(?:convention\s+)?(?:del(?:egate)?s?)\b"
_NAME = r"([A-Z][A-Za-z'.]+|[a-z][a-z'.]{2,})"

_EACH = re.compile(rf"\b{_N}\s+{_DEL}\s+(?:each|apiece)\b|\b(?:one|1)\s+(?:each|apiece)\b", re.I)
_ALL_TO = re.compile(rf"\b(?:all|both)\s+(?:{_N}\s+)?{_DEL}\s*(?:go(?:es)?\s+|went\s+)?(?:to|for)\s+{_NAME}", re.I)
_GETS = re.compile(rf"\b{_NAME}\s+(?:gets|got|wins|won|takes|took)\s+(?:all\s+|both\s+|the\s+|our\s+|its\s+)?"
                   rf"(?:(?:only|lone|single|one|{_N})\s+)?{_DEL}", re.I)
_GOES_TO = re.compile(rf"\b(?:the|our|its|that)\s+(?:one\s+|only\s+|lone\s+|single\s+)?{_DEL}\s+(?:goes|went)\s+to\s+{_NAME}", re.I)
_N_FOR = re.compile(rf"\b{_N}\s+{_DEL}\s+(?:for|to)\s+{_NAME}", re.I)
_N_DELS_NAME = re.compile(rf"\b(\d{{1,2}})\s+dels?\s+{_NAME}", re.I)


@dataclass(frozen=True)
class DelegatePhrase:
    group: str | None  # a name as written, or None for "each"
    delegates: int | None  # None: "all" / "the" without a number (the unit's D, or 1)
    start: int
    end: int
    whole: bool = False  # "all delegates", "the delegate": every delegate of the unit


def _n(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else _NUM_WORDS.get(word.lower())


def find_delegate_phrases(text: str) -> list[DelegatePhrase]:
    """Every delegate phrase in ``text``, in order (overlaps keep the first found)."""
    out: list[DelegatePhrase] = []
    for m in _EACH.finditer(text):
        out.append(DelegatePhrase(None, _n(m.group(1)) or 1, m.start(), m.end()))
    for m in _ALL_TO.finditer(text):
        out.append(DelegatePhrase(m.group(2), _n(m.group(1)), m.start(), m.end(), whole=True))
    for m in _GETS.finditer(text):
        words = text[m.start():m.end()].lower()
        whole = " all " in f" {words} " or " the " in f" {words} " or " our " in f" {words} " or "both" in words
        n = _n(m.group(2)) or (2 if "both" in words else 1 if any(w in words for w in (" the ", " our ", " one ", "only", "lone", "single")) else None)
        out.append(DelegatePhrase(m.group(1), n, m.start(), m.end(), whole=whole))
    for m in _GOES_TO.finditer(text):
        out.append(DelegatePhrase(m.group(1), 1, m.start(), m.end(), whole=True))
    for rx in (_N_FOR, _N_DELS_NAME):
        for m in rx.finditer(text):
            out.append(DelegatePhrase(m.group(2), _n(m.group(1)), m.start(), m.end()))
    out.sort(key=lambda p: p.start)
    kept: list[DelegatePhrase] = []
    for p in out:
        if not any(k.start < p.end and p.start < k.end for k in kept):
            kept.append(p)
    return kept
