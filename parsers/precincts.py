"""Precinct references → the official reporting unit.

Every unit gets a set of normalised aliases: its official name ("DES MOINES-80" →
``des moines 80``), the name without a trailing "Precinct 0500", ward short forms
("Independence 1st Ward" → ``independence 1``), city-and-number prefixes ("IOWA CITY
10/ELSW" → ``iowa city 10``), the party's short code ("DM 080" → ``dm 80``), and, for
satellites, the site name. Aliases that point at several units, and one-word aliases
(``jackson``, ``adams``), only resolve with a county named in the same post
("Keokuk County … Adams"); "Keokuk 3" without "County" is the Lee County city precinct.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, replace

from shadowtally.elections import Election, Precinct, UnitNaming

__all__ = ["PrecinctIndex", "PrecinctRef", "normalize"]

# Words that never tell units apart, in any state; a state's own (its name) come from the
# election's naming conventions (UnitNaming.filler_words).
_FILLER = frozenset({"precinct", "precint", "pct", "prec", "no", "number", "num"})
_NO_NAMING = UnitNaming()
# Words that say what kind of unit a name is, not which one.
_KIND_WORDS = frozenset({"ward", "w", "p", "pct", "precinct", "district", "dist", "twp", "township", "city", "corp",
                         "of", "the", "east", "west", "north", "south", "ne", "nw", "se", "sw", "n", "s", "e"})
_SPLIT = re.compile(r"[A-Za-z]+|\d+")
_ORD = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
# Words that make "1st"/"2nd" a round ("1st alignment", "2nd round"), not part of a unit name.
_ROUND_WORDS = frozenset({"alignment", "alignments", "align", "aligment", "round", "realignment", "vote", "count",
                          "choice", "tally", "preference"})
_LABEL_COLON = re.compile(r"\s*:")  # "1st: Sanders 20" labels a round
_ORDINAL_AFTER = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_PRECINCT_WORD_BEFORE = re.compile(r"\b(?:precin?c?t|pct|prec)\.?\s*(?:no\.?\s*|#\s*)?$", re.I)


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    for m in _SPLIT.finditer(text.lower()):
        t = m.group(0)
        if t.isdigit():
            t = str(int(t))
        out.append(t)
    return out


def _is_filler(toks: list[str], i: int, naming: UnitNaming) -> bool:
    """A filler word: one of :data:`_FILLER` or the state's own, unless the word the naming
    keeps it before follows ("Iowa City" keeps its "Iowa")."""
    t = toks[i]
    if t in _FILLER:
        return True
    if t not in naming.filler_words:
        return False
    kept = naming.filler_kept_before.get(t)
    return not (kept is not None and i + 1 < len(toks) and toks[i + 1] == kept)


def normalize(text: str, naming: UnitNaming = _NO_NAMING) -> str:
    """Lower case, punctuation to spaces, no leading zeros, no "precinct" filler."""
    toks = _tokens(text)
    return " ".join(t for i, t in enumerate(toks) if not _is_filler(toks, i, naming))


@dataclass(frozen=True, slots=True)
class PrecinctRef:
    county: str
    precinct: str
    start: int
    end: int
    text: str
    how: str  # official | alias | code | county+number | site
    # Another unit the same words may name ("Des Moines PCT 3": Des Moines County's "PCT 3"
    # or Polk's "DES MOINES-03"). A reference with an alternative is never accepted.
    alt: tuple[str, str] | None = None


_ORDINAL_WORD = re.compile(r"\b(\d+)(st|nd|rd|th)\s+ward\b", re.I)


def _unit_aliases(p: Precinct, naming: UnitNaming) -> list[tuple[str, str]]:
    """Every normalised way of writing unit ``p``, each with how it was made."""
    name = p.name
    out: list[tuple[str, str]] = [(normalize(name, naming), "official")]
    if p.satellite:
        city, _, site = name.partition(" - ")
        if site:
            out.append((normalize(site, naming), "site"))
        if p.code and p.code != site:
            out.append((normalize(p.code, naming), "site"))
        return out
    stripped = re.sub(r"\s*precin?c?t\s*\d+\s*$", "", name, flags=re.I)
    if stripped != name:
        out.append((normalize(stripped, naming), "alias"))
    m = _ORDINAL_WORD.search(name)
    # Only with a city before it: Grinnell's "4TH WARD - 09.09GR" alone would give "ward 4",
    # a statewide alias that read "Waverly Ward 4" (Bremer) as Grinnell's 4th ward.
    if m and name[: m.start()].strip():
        city = name[: m.start()].strip()
        out.append((normalize(f"{city} {m.group(1)}", naming), "alias"))
        out.append((normalize(f"{city} ward {m.group(1)}", naming), "alias"))
    toks = normalize(name, naming).split()
    # "IOWA CITY 10/ELSW" → "iowa city 10"; "Ames 1-3 - Grant Twp 2" → "ames 1 3".
    for i, t in enumerate(toks):
        if t.isdigit() and i > 0:
            j = i + 1
            if j < len(toks) and toks[j].isdigit():
                j += 1
            if j < len(toks):
                out.append((" ".join(toks[:j]), "alias"))
            break
    # A short form that starts unit names, spelled out ("WDM 212" is "West Des Moines 212").
    if toks and toks[0] in naming.expansions:
        out.append((" ".join([*naming.expansions[toks[0]].split(), *toks[1:]]), "alias"))
    code = normalize(p.code, naming)
    if code and sum(c.isalpha() for c in code) >= 2:
        out.append((code, "code"))
    return out


def _spanned_tokens(text: str, naming: UnitNaming) -> list[tuple[str, int, int]]:
    """Normalised tokens with their offsets, without filler words or the ordinals of rounds."""
    toks: list[tuple[str, int, int]] = []
    raw = [(m.group(0).lower(), m.start(), m.end()) for m in _SPLIT.finditer(text)]
    words = [t for t, _, _ in raw]
    for k, (t, ts, te) in enumerate(raw):
        if _is_filler(words, k, naming):
            continue
        if t in _ORDINAL_SUFFIXES and k > 0 and raw[k - 1][0].isdigit() and raw[k - 1][2] == ts:
            continue  # the "st" of "1st" is part of the number, never a unit code ("ST" = Stapleton)
        if (t.isdigit() and k + 1 < len(raw) and raw[k + 1][0] in _ORDINAL_SUFFIXES and raw[k + 1][1] == te
                and ((k + 2 < len(raw) and raw[k + 2][0] in _ROUND_WORDS)
                     or _LABEL_COLON.match(text, raw[k + 1][2]))):
            continue  # "1st alignment" is a round, not a precinct number; "Madrid 1st Ward", "Muscatine 03rd" keep it
        if t.isdigit():
            t = str(int(t))
        toks.append((t, ts, te))
    return toks


def _starts_within(starts: list[int], spans: list[tuple[int, int]]) -> set[int]:
    """The token starts (ascending) that fall inside any of ``spans``: one bisection per span."""
    out: set[int] = set()
    for s, e in spans:
        i = bisect_left(starts, s)
        while i < len(starts) and starts[i] < e:
            out.add(starts[i])
            i += 1
    return out


def _readable_span(text: str, span: list[tuple[str, int, int]]) -> bool:
    """Could these tokens be one unit name as written (no gap or line break, no cut word, no prose)?"""
    size = len(span)
    # Don't read across a long gap or a line break (a different sentence or
    # line: "Linn Jackson\n1st alignment" is not Jackson County's "Jackson 01").
    if any(span[k + 1][1] - span[k][2] > 24 or "\n" in text[span[k][2]:span[k + 1][1]]
           for k in range(size - 1)):
        return False
    # Never cut a glued word: the 1 of "PCT 1T" is not "DES MOINES-01"'s 1.
    end = span[-1][2]
    if (end < len(text) and text[end].isalnum() and span[-1][0].isdigit() != text[end].isdigit()
            and not _ORDINAL_AFTER.match(text, end)):
        return False
    # A one-word name in lower case is prose: "should read Buttigieg 5" is not
    # Clayton's READ, nor "union" UNION. Names are written as names.
    if size == 1 and (word := text[span[0][1]:span[0][2]]).isalpha() and word.islower():
        return False
    return True


def _keep_named_counties(refs: list[PrecinctRef], county_names: list[str],
                         satellite_counties: frozenset[str]) -> list[PrecinctRef]:
    """Only references to units (or satellites) of the named counties, an alternative there taking over."""
    named = set(county_names)
    kept = []
    for r in refs:
        if r.county in named or r.county in satellite_counties:
            kept.append(r if r.alt is None or r.alt[0] not in named else replace(r, alt=None))
        elif r.alt is not None and r.alt[0] in named:
            kept.append(PrecinctRef(r.alt[0], r.alt[1], r.start, r.end, r.text, r.how))
    return kept


def _keep_district_sites(refs: list[PrecinctRef], districts: list[tuple[str, int, int]],
                         district_counties: frozenset[str]) -> list[PrecinctRef]:
    """Only satellites of a named congressional district (references outside any district all stay)."""
    cds = {d for d, _, _ in districts}
    return [r for r in refs if r.county not in district_counties or r.county in cds]


class PrecinctIndex:
    """Finds precinct references in a text and resolves them to official units."""

    MAX_NGRAM = 7

    def __init__(self, election: Election) -> None:
        self.election = election
        self.naming = naming = election.naming
        # Pseudo-counties that hold only satellite caucuses ("CD2 Satellite") are not counties a post names.
        by_county: dict[str, set[bool]] = defaultdict(set)
        for p in election.precincts:
            by_county[p.county].add(p.satellite)
        self.satellite_counties = frozenset(c for c, kinds in by_county.items() if kinds == {True})
        self.counties = {c.lower(): c for c in election.counties if c not in self.satellite_counties}
        template = naming.satellite_district
        self.district_counties = frozenset(
            c for c in self.satellite_counties
            if template and re.fullmatch(re.escape(template).replace(re.escape("{n}"), r"\d+"), c))
        self._district = (re.compile(rf"\b{re.escape(naming.district_prefix)}\s?-?\s?(\d)\b", re.I)
                          if naming.district_prefix and template else None)
        statewide: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self._how: dict[tuple[str, tuple[str, str]], str] = {}
        self._by_county: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
        self._county_units: dict[str, list[Precinct]] = defaultdict(list)
        for p in election.precincts:
            self._county_units[p.county].append(p)
            for alias, how in _unit_aliases(p, naming):
                if not alias:
                    continue
                statewide[alias].add(p.key)
                self._by_county[p.county][alias].add(p.key)
                self._how.setdefault((alias, p.key), how)
        # Statewide aliases: unique, and distinctive (a digit, or several words).
        self._statewide: dict[str, tuple[str, str]] = {}
        for alias, keys in statewide.items():
            toks = alias.split()
            # Town names ("Des Moines" is also a Jasper township) need a county in the post.
            distinctive = (any(t.isdigit() for t in toks) and len(toks) >= 2) or len(toks) >= 3
            # Satellite site names ("Southside YMCA") are distinctive from two words.
            distinctive = distinctive or (len(toks) >= 2 and all(self._how.get((alias, k)) == "site" for k in keys))
            # A name of generic words and numbers only ("ward 1" of "WARD1 PILOT GROVE", "pct 2")
            # says which ward, never which town: it needs a county in the post.
            named = any(not t.isdigit() and t not in _KIND_WORDS for t in toks)
            if len(keys) == 1 and distinctive and named and len(alias) >= 4:
                self._statewide[alias] = next(iter(keys))
        # Every alias, and every word an alias starts with, for a quick "not here" in the scan.
        self._all_aliases = frozenset(self._statewide) | frozenset(
            a for aliases in self._by_county.values() for a in aliases)
        self._first_tokens = frozenset(a.split()[0] for a in self._all_aliases if a)
        # A county name *without* "County" followed by a precinct word and a number
        # ("Des Moines PCT 3", "Madison precinct 1"): a reading of the county's own unit,
        # competing with a city-named unit elsewhere (Polk's "DES MOINES-03").
        self._bare_county_re = re.compile(
            r"\b(" + "|".join(sorted((re.escape(c) for c in self.counties), key=len, reverse=True))
            + r")[\s,:-]*(?:precin?c?t\.?|pct\.?|prec\.?|#|no\.?|number)\s*#?\s*(\d+[a-z]?(?:-\d+)?)\b(?!\s*(?:county|co\.?)\b)", re.I)
        self._bare_name_re = re.compile(
            r"\b(" + "|".join(sorted((re.escape(c) for c in self.counties), key=len, reverse=True))
            + r")\b(?!\s+(?:county|co\b))", re.I)
        self._county_re = re.compile(
            r"\b(" + "|".join(sorted((re.escape(c) for c in self.counties), key=len, reverse=True))
            + r")\s+(?:county|co\.?)(?![a-z])", re.I)

    # -- finding -----------------------------------------------------------------------------

    def _county_prefixed(self, text: str, toks: list[tuple[str, int, int]],
                         blocked_starts: set[int]) -> list[PrecinctRef]:
        """"<County> <unit name>" without the word County, on one line."""
        out: list[PrecinctRef] = []
        for m in self._bare_name_re.finditer(text):
            county = self.counties[re.sub(r"\s+", " ", m.group(1).lower())]
            aliases = self._by_county.get(county, {})
            after = [t for t in toks if t[1] >= m.end()]
            for size in range(min(self.MAX_NGRAM, len(after)), 0, -1):
                span = after[:size]
                if "\n" in text[m.end():span[-1][2]] or any(s in blocked_starts for _, s, _ in span):
                    continue
                alias = " ".join(t for t, _, _ in span)
                keys = aliases.get(alias)
                if keys and len(keys) == 1 and not alias.isdigit():
                    key = next(iter(keys))
                    start, end = m.start(), span[-1][2]
                    out.append(PrecinctRef(key[0], key[1], start, end, text[start:end], "county+name"))
                    break
        return out

    def districts_named(self, text: str) -> list[tuple[str, int, int]]:
        """The satellite pseudo-counties of districts the text names ("CD2 satellite")."""
        return [(d, s, e) for d, s, e in
                ((self.naming.satellite_district.format(n=m.group(1)), m.start(), m.end())
                 for m in (self._district.finditer(text) if self._district is not None else ()))
                if d in self.district_counties]

    def counties_named(self, text: str) -> list[tuple[str, int, int]]:
        """Counties named as counties ("Keokuk County", "Story Co.")."""
        return [(self.counties[m.group(1).lower()], m.start(), m.end()) for m in self._county_re.finditer(text)]

    def _lookup(self, text: str, alias: str, span: list[tuple[str, int, int]], scope: str,
                county_names: list[str]) -> tuple[str, str] | None:
        """The one unit ``alias`` names in a named county (scope "county") or statewide, if any."""
        if scope == "county":
            for county in county_names:
                keys = self._by_county.get(county, {}).get(alias)
                # A bare number names a unit only after a precinct word
                # ("PRECINCT 7 (Grundy Co.)"), never on its own (a count).
                if keys and len(keys) == 1 and (not alias.isdigit()
                                                or _PRECINCT_WORD_BEFORE.search(text, 0, span[0][1])):
                    return next(iter(keys))
            return None
        return self._statewide.get(alias)

    def _match_at(self, text: str, toks: list[tuple[str, int, int]], i: int, county_names: list[str],
                  blocked_starts: set[int]) -> tuple[tuple[str, str], list[tuple[str, int, int]], str] | None:
        """The longest alias starting at token ``i``: (unit key, its tokens, alias), or None."""
        # A unit of a county the post names wins over any statewide alias, however long
        # ("Tama County, LINCOLN / 1st" is Tama's LINCOLN, not Calhoun's "Lincoln 1").
        if toks[i][0] not in self._first_tokens:
            return None  # no alias starts with this word: the common case, decided at once
        for scope in ("county", "statewide") if county_names else ("statewide",):
            for size in range(min(self.MAX_NGRAM, len(toks) - i), 0, -1):
                span = toks[i:i + size]
                alias = " ".join(t for t, _, _ in span)
                if alias not in self._all_aliases or not _readable_span(text, span):
                    continue
                key = self._lookup(text, alias, span, scope, county_names)
                if key is not None and not any(s in blocked_starts for _, s, _ in span):
                    return key, span, alias
        return None

    def _alias_refs(self, text: str, toks: list[tuple[str, int, int]], county_names: list[str],
                    blocked_starts: set[int]) -> list[PrecinctRef]:
        """References by alias, scanning the tokens left to right, longest match first."""
        refs: list[PrecinctRef] = []
        i = 0
        while i < len(toks):
            found = self._match_at(text, toks, i, county_names, blocked_starts)
            if found:
                key, span, alias = found
                start, end = span[0][1], span[-1][2]
                refs.append(PrecinctRef(key[0], key[1], start, end, text[start:end], self._how.get((alias, key), "alias")))
                i += len(span)
            else:
                i += 1
        return refs

    def _add_county_numbers(self, text: str, counties: list[tuple[str, int, int]], refs: list[PrecinctRef]) -> None:
        """Append "<County> County [precinct] <number>" references not already in ``refs``."""
        # County + number ("Story County Precinct 1-1", "Polk County precinct 80").
        for county, cs, ce in counties:
            m = re.match(r"[\s,:]*(?:(?:precin?c?t|pct|#|no\.?)\s*)*(\d+(?:-\d+)?)\b", text[ce:], re.I)
            if not m:
                continue
            num = normalize(m.group(1), self.naming)
            hits = [p for p in self._county_units[county]
                    if normalize(p.name, self.naming) == num or normalize(p.name, self.naming).endswith(" " + num) or normalize(p.code, self.naming) == num]
            if len(hits) == 1:
                p = hits[0]
                start, end = cs, ce + m.end()
                if not any(r.county == p.county and r.precinct == p.name for r in refs):
                    refs.append(PrecinctRef(p.county, p.name, start, end, text[start:end], "county+number"))

    def _prefer_bare_county(self, text: str, counties: list[tuple[str, int, int]], refs: list[PrecinctRef]) -> None:
        """Rewrite in ``refs`` a unit overlapping a "<County> PCT <n>" reading, keeping it as the alternative."""
        # A bare county name + precinct word + number ("Des Moines PCT 3") that names a unit of
        # that county: prefer that reading over a city-named unit of another county found at
        # the same place, but keep the other as an alternative (never accepted).
        for m in self._bare_county_re.finditer(text):
            county = self.counties[m.group(1).lower()]
            if any(cs <= m.start() < ce for _, cs, ce in counties):
                continue
            num = normalize(m.group(2), self.naming)
            hits = [p for p in self._county_units[county]
                    if normalize(p.name, self.naming) == num or normalize(p.name, self.naming).endswith(" " + num)
                    or normalize(p.name, self.naming).startswith(num + " ") or normalize(p.code, self.naming) == num]
            if not hits:
                continue
            for k, r in enumerate(refs):
                if not (r.start < m.end() and m.start() < r.end) or r.county == county:
                    continue
                if len(hits) == 1:
                    p = hits[0]
                    refs[k] = PrecinctRef(p.county, p.name, m.start(), m.end(), m.group(0), "county+number",
                                          alt=(r.county, r.precinct))
                else:
                    refs[k] = replace(r, alt=(county, hits[0].name))

    def find(self, text: str, *, blocked: list[tuple[int, int]] = ()) -> tuple[list[PrecinctRef], list[str]]:
        """All resolved references in ``text`` plus the counties it names.

        ``blocked`` spans (candidate names) never take part in a precinct reference.
        """
        counties = self.counties_named(text)
        county_names = [c for c, _, _ in counties]
        # "CD2 satellite": the district's number is part of the site mention, never a count.
        districts = self.districts_named(text)
        toks = _spanned_tokens(text, self.naming)
        # The words of "Linn County" never start a precinct name themselves.
        blocked = list(blocked) + [(cs, ce) for _, cs, ce in counties] + [(ds, de) for _, ds, de in districts]
        blocked_starts = _starts_within([t[1] for t in toks], blocked)
        refs = self._alias_refs(text, toks, county_names, blocked_starts)
        self._add_county_numbers(text, counties, refs)
        self._prefer_bare_county(text, counties, refs)
        # The county's bare name right before one of its units' names, as the party lists
        # them ("Linn Jackson", "Story Milford Township"): only when nothing else matched,
        # and only a name unique within that county.
        if not refs and not county_names:
            refs = self._county_prefixed(text, toks, blocked_starts)
        # A named county decides: only its units (or satellites) may match; if none does, the
        # post names no unit we know (review), never another county's unit.
        if county_names:
            refs = _keep_named_counties(refs, county_names, self.satellite_counties)
        # "CD2 satellite: …": a satellite must be one of the named district's sites.
        if districts:
            refs = _keep_district_sites(refs, districts, self.district_counties)
        refs.sort(key=lambda r: r.start)
        return refs, county_names
