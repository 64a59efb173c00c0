"""Finding a unit when no alias matched: scored retrieval over the units' own words.

Used only as a fallback, and only inside a scope the post gives: the counties it names
or hints ("(Lucas Co)", "(Van Buren)"), the county of the account that posted it (a county
party or a local paper registered with a county and no precinct), or, for a post that says
"satellite", the satellite sites (matched by host and town). It never searches the whole
state for a regular precinct: a town name alone is too often shared.

A unit matches when every distinctive word of its name is in the text (numbers written
as digits, ordinals, Roman numerals or words: "Ward Three", "Ward IV", "4th") and, if
its name has a number, that number follows one of its words closely. The best match must
beat the next one; otherwise nothing is chosen (the claim goes to review).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shadowtally.elections import Election, Precinct

__all__ = ["UnitSearch", "Match", "text_tokens"]

_WORD = re.compile(r"[A-Za-z]+|\d+")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
# Words that name the kind of unit, not which one.
_GENERIC = frozenset({"precinct", "precint", "pct", "prec", "ward", "wards", "twp", "township", "city", "of", "the",
                      "corp", "and", "amp", "no", "number", "caucus", "site", "satellite", "home", "room", "rm", "bldg",
                      "building", "ia", "iowa", "a", "at", "in", "st", "nd", "rd", "th", "w", "p", "cc", "tw", "twsp"})
# A Roman numeral or number word counts as a number only after one of these.
_NUMBER_AFTER = frozenset({"ward", "precinct", "pct", "prec", "district", "no", "number", "w", "p"})


def text_tokens(text: str) -> list[tuple[str, int, int]]:
    """Lower-case tokens with offsets; "4th" -> "4", and "IV"/"Three" -> "4"/"3" after "ward" or "precinct"."""
    out: list[tuple[str, int, int]] = []
    raw = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    for k, (t, s, e) in enumerate(raw):
        prev = raw[k - 1][0] if k else ""
        if t.isdigit():
            t = str(int(t))
        elif t in ("st", "nd", "rd", "th") and k and raw[k - 1][0].isdigit() and raw[k - 1][2] == s:
            continue  # the suffix of "4th"
        elif prev in _NUMBER_AFTER and (t in _ROMAN or t in _WORD_NUMBERS):
            t = str(_ROMAN.get(t) or _WORD_NUMBERS[t])
        out.append((t, s, e))
    return out


@dataclass(frozen=True)
class Match:
    unit: Precinct
    score: float
    start: int
    end: int


@dataclass(frozen=True)
class _Entry:
    unit: Precinct
    words: frozenset[str]
    numbers: tuple[str, ...]
    town: frozenset[str] = frozenset()   # a satellite's town (its first word)


def _entry(p: Precinct) -> _Entry:
    name = p.name.replace("&amp;", "&")
    town = ""
    if p.satellite:
        town = name.split(",")[0].split(" - ")[0].strip().lower()
        name = name.replace(" - ", " ")
    toks = [t for t, _, _ in text_tokens(name)]
    # The county's own name is known from the scope ("Delhi/Delaware Corp" is "Delhi" in Delaware County).
    county = {t for t, _, _ in text_tokens(p.county)}
    words = frozenset(t for t in toks if not t.isdigit() and t not in _GENERIC and len(t) > 1
                      and (p.satellite or t not in county))
    # Numbers of 100 and up are the party's codes ("Melvin Precinct 0400"): nobody writes them.
    numbers = tuple(t for t in toks if t.isdigit() and int(t) < 100)
    return _Entry(p, words, numbers, frozenset(text_tokens(town)[0][0:1]) if town and text_tokens(town) else frozenset())


class UnitSearch:
    """Scored retrieval of units by their words, within a scope (see the module docstring)."""

    # A number belongs to a unit's name when it comes this close after one of its words.
    NUMBER_WINDOW = 3

    def __init__(self, election: Election) -> None:
        self._by_county: dict[str, list[_Entry]] = {}
        self._satellites: list[_Entry] = []
        for p in election.precincts:
            e = _entry(p)
            if not e.words:
                continue  # "PRECINCT 4" alone: only "<County> … 4" finds it (the alias index does)
            if p.satellite:
                self._satellites.append(e)
            else:
                self._by_county.setdefault(p.county, []).append(e)

    def find(self, text: str, counties: list[str], *, satellites: bool,
             satellite_counties: frozenset[str] | None = None) -> tuple[list[Match], bool]:
        """The best match in scope, as a one-element list (or none), and whether it was ambiguous.

        ``satellite_counties`` limits the sites to those pseudo-counties (a post that names
        its district: "CD2 satellite")."""
        toks = text_tokens(text)
        entries = [e for c in dict.fromkeys(counties) for e in self._by_county.get(c, [])]
        if satellites:
            entries += [e for e in self._satellites
                        if satellite_counties is None or e.unit.county in satellite_counties]
        scored = sorted((m for e in entries if (m := self._score(e, toks)) is not None),
                        key=lambda m: m.score, reverse=True)
        if not scored:
            return [], False
        if len(scored) > 1 and scored[1].score >= scored[0].score:
            return [], True
        return [scored[0]], False

    def _score(self, e: _Entry, toks: list[tuple[str, int, int]]) -> Match | None:
        where = {t: (s, end, i) for i, (t, s, end) in reversed(list(enumerate(toks)))}
        if not e.words:
            return None
        hit = [w for w in e.words if w in where]
        if e.unit.satellite:
            # A site: two words of its town and host, or its town alone (the post says "satellite").
            town = bool(e.town & set(hit))
            if len(hit) < 2 and not town:
                return None
            score = len(hit) / len(e.words) + len(hit) + (1.0 if town else 0.0)
        else:
            missing = len(e.words) - len(hit)
            # Every word, or all but one when the number matches too ("Monroe Precinct 5" for
            # "CTHSE - Monroe Precinct 5").
            if missing > 1 or not hit or (missing == 1 and not e.numbers):
                return None
            score = 2.0 * len(hit) - 1.5 * missing
        first = min(where[w][2] for w in hit)
        last = max(where[w][2] for w in hit)
        if e.numbers:
            window = range(max(0, first - self.NUMBER_WINDOW), min(len(toks), last + 1 + self.NUMBER_WINDOW))
            near = {toks[j][0] for j in window if not first <= j <= last}
            if set(e.numbers) & near:
                score += 1.0
            elif not e.unit.satellite:
                return None
        start = min(where[w][0] for w in hit)
        end = max(where[w][1] for w in hit)
        return Match(e.unit, score, start, end)
