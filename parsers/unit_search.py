"""Finding a unit when no alias matched: scored retrieval over the units' own words.

Used only as a fallback. Inside a scope the post gives (the counties it names or hints,
"(Lucas Co)", "(Van Buren)"; the county of the account that posted it, a county party or a
local paper registered with a county and no precinct; for a post that says "satellite",
the satellite sites, by host and town) a match is a reading. Over the whole state it is
only a proposal: the parser holds such a claim for a person, since town names are shared.

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
    numbered: bool = False  # the name's own numbers matched too ("Waverly Ward 4")


@dataclass(frozen=True)
class _Entry:
    unit: Precinct
    words: frozenset[str]
    numbers: tuple[str, ...]
    town: frozenset[str] = frozenset()   # a satellite's town (its first word)
    kinds: frozenset[str] = frozenset()  # the name's kind words ("city", "twp")


def _entry(p: Precinct, expansions: dict[str, str] | None = None) -> _Entry:
    name = p.name.replace("&amp;", "&")
    first = name.split()[0].lower() if name.split() else ""
    if expansions and first in expansions:
        # "WL 1-6" is Waterloo's Ward 1 Precinct 6: the short form is spelled out.
        name = expansions[first] + name[len(first):]
    town = ""
    if p.satellite:
        town = name.split(",")[0].split(" - ")[0].strip().lower()
        name = name.replace(" - ", " ")
    toks = [t for t, _, _ in text_tokens(name)]
    # The county's own name is known from the scope ("Delhi/Delaware Corp" is "Delhi" in Delaware County).
    county = {t for t, _, _ in text_tokens(p.county)}
    named = [t for t in toks if not t.isdigit() and t not in _GENERIC and len(t) > 1]
    # Unless the name is the county's own ("Muscatine 01st" in Muscatine County).
    words = frozenset(t for t in named if p.satellite or t not in county) or frozenset(named)
    # Numbers of 100 and up are the party's codes ("Melvin Precinct 0400"): nobody writes them.
    # Numbers before the name's first word are a code ("6-3 City of Bedford", "PCT 4 LARCHWOOD"):
    # people write the town without it, so they are not required.
    first_word = next((i for i, t in enumerate(toks) if not t.isdigit() and t not in _GENERIC), len(toks))
    numbers = tuple(t for i, t in enumerate(toks) if t.isdigit() and int(t) < 100 and i > first_word)
    kinds = frozenset(t for t in toks if t in ("city", "twp", "township", "corp", "ward"))
    return _Entry(p, words, numbers, frozenset(text_tokens(town)[0][0:1]) if town and text_tokens(town) else frozenset(),
                  kinds)


def _in_order(numbers: tuple[str, ...], seen: list[str]) -> bool:
    """Whether ``numbers`` start ``seen`` (the name's numbers come first, in their order)."""
    return len(seen) >= len(numbers) and tuple(seen[: len(numbers)]) == numbers


class UnitSearch:
    """Scored retrieval of units by their words, within a scope (see the module docstring)."""

    # A number belongs to a unit's name when it comes this close after one of its words.
    NUMBER_WINDOW = 5

    def __init__(self, election: Election) -> None:
        self._by_county: dict[str, list[_Entry]] = {}
        self._satellites: list[_Entry] = []
        self._df: dict[str, int] = {}  # how many units' names hold each word
        self._by_word: dict[str, list[_Entry]] = {}  # word -> the units whose names hold it
        expansions = dict(election.naming.expansions)
        self._entries = {p.key: _entry(p, expansions) for p in election.precincts}
        for e in self._entries.values():
            for w in e.words:
                self._df[w] = self._df.get(w, 0) + 1
        for p in election.precincts:
            e = self._entries[p.key]
            if not e.words:
                continue  # "PRECINCT 4" alone: only "<County> … 4" finds it (the alias index does)
            if p.satellite:
                self._satellites.append(e)
            else:
                self._by_county.setdefault(p.county, []).append(e)
            for w in e.words:
                self._by_word.setdefault(w, []).append(e)

    def find(self, text: str, counties: list[str], *, satellites: bool,
             satellite_counties: frozenset[str] | None = None) -> tuple[list[Match], bool]:
        """The best match in scope as a one-element list (or none), and whether it was ambiguous
        (then the list holds every match that tied for best).

        ``satellite_counties`` limits the sites to those pseudo-counties (a post that names
        its district: "CD2 satellite")."""
        toks = text_tokens(text)
        where = {t: (s, end, i) for i, (t, s, end) in reversed(list(enumerate(toks)))}
        # Only units with a word of the text can match: found through the word index.
        scope = set(counties)
        near = {id(e): e for w in where.keys() & self._by_word.keys() for e in self._by_word[w]}
        entries = [e for e in near.values()
                   if (not e.unit.satellite and e.unit.county in scope)
                   or (satellites and e.unit.satellite
                       and (satellite_counties is None or e.unit.county in satellite_counties))]
        # Ties in a fixed order (by unit), whatever order the word index gave the entries in.
        scored = sorted((m for e in entries if (m := self._score(e, toks, where)) is not None),
                        key=lambda m: (-m.score, m.unit.county, m.unit.name))
        if not scored:
            return [], False
        if len(scored) > 1 and scored[1].score >= scored[0].score:
            return [m for m in scored if m.score >= scored[0].score], True
        return [scored[0]], False

    def find_statewide(self, text: str) -> tuple[Match | None, list[Match]]:
        """A unit every county might hold, proposed only when its name has a word that at most
        two units' names share (or its numbers matched too), and nothing else in the state
        matches as well; else None and the units that tied (a person picks among them)."""
        found, ambiguous = self.find(text, list(self._by_county), satellites=False)
        if ambiguous:
            return None, found
        if not found:
            return None, []
        # A rare word ("Keosauqua"), or a town's words with the unit's own numbers ("Waverly Ward 4");
        # never a common name alone ("Des Moines" is also a Jasper County township).
        rare = [w for w in self._entries[found[0].unit.key].words if self._df.get(w, 0) <= 2]
        return (found[0], []) if rare or found[0].numbered else (None, found)

    def _score(self, e: _Entry, toks: list[tuple[str, int, int]],
               where: dict[str, tuple[int, int, int]]) -> Match | None:
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
            # The name's kind words the post also uses ("Eldora City") break ties.
            score += 0.5 * len(e.kinds & where.keys())
        first = min(where[w][2] for w in hit)
        last = max(where[w][2] for w in hit)
        if e.numbers:
            # The name's numbers, in order, among the numbers just after its words ("Mason City
            # Ward 2 Precinct 2" for "Mason City W-2 P-2") or just before them ("5-2 Lenox").
            after = [toks[j][0] for j in range(last + 1, min(len(toks), last + 1 + self.NUMBER_WINDOW))
                     if toks[j][0].isdigit()]
            before = [toks[j][0] for j in range(max(0, first - self.NUMBER_WINDOW), first) if toks[j][0].isdigit()]
            if _in_order(e.numbers, after) or _in_order(e.numbers, before):
                score += 1.0
                # The span covers the name's numbers too: they name the unit and hold no count.
                side = (range(last + 1, min(len(toks), last + 1 + self.NUMBER_WINDOW)) if _in_order(e.numbers, after)
                        else range(max(0, first - self.NUMBER_WINDOW), first))
                digits = [j for j in side if toks[j][0].isdigit()][: len(e.numbers)]
                if side.start > last:
                    last_end = toks[digits[-1]][2]
                    return Match(e.unit, score, min(where[w][0] for w in hit),
                                 max(last_end, max(where[w][1] for w in hit)), True)
                return Match(e.unit, score, toks[digits[0]][1], max(where[w][1] for w in hit), True)
            elif not e.unit.satellite:
                return None
        start = min(where[w][0] for w in hit)
        end = max(where[w][1] for w in hit)
        return Match(e.unit, score, start, end)
