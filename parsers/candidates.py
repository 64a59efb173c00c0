"""Candidate aliases: every surface form of a preference group, from the election definition.

The alias index maps a lower-cased alias (surname, first name, nickname, full name,
@handle, #hashtag, known misspelling) to the official surname key. Unseen misspellings
are matched by :class:`FuzzyNames`, but only for words sitting in a count slot (next to a
number), so ordinary words never turn into preference groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz, process

from shadowtally.elections import Election

__all__ = ["AliasIndex", "FuzzyNames", "build_alias_index", "phrase_patterns"]

# Words that must never be read as a name, however close they sit to one.
_NOT_NAMES = frozenset("""
delegates delegate alignment alignments realignment precinct precincts people voters caucus
caucuses results result final first second total totals viable viability supporters votes
vote round rounds count counts county counties winner winners report reported reporting
sanders warren biden yang steyer bennet patrick delaney gabbard klobuchar bloomberg
undecided uncommitted others other tonight update updated correction after before groups
group ballot ballots secretary chair captain numbers number percent points state states
needed threshold attendance signed registered the and with were was each both only
""".split())


@dataclass(frozen=True, slots=True)
class AliasIndex:
    """Lower-cased alias → candidate key, plus the lists the fuzzy matcher needs."""

    by_alias: dict[str, str]
    keys: tuple[str, ...]
    fuzzy_targets: tuple[str, ...]  # lower-case single-word names and misspellings (len >= 5)
    fuzzy_keys: tuple[str, ...]


def _aliases_for(cand_key: str, name: str, aliases: Iterable[str], misspellings: Iterable[str]) -> set[str]:
    out = {a.strip().lower() for a in (*aliases, *misspellings) if a.strip()}
    out.add(cand_key.lower())
    out.add(name.lower())
    # Hyphenated spellings ("boot-edge-edge") also appear spaced and glued.
    for a in list(out):
        if "-" in a and not a.startswith(("@", "#")):
            out.add(a.replace("-", " "))
            out.add(a.replace("-", ""))
    return out


def build_alias_index(election: Election) -> AliasIndex:
    by_alias: dict[str, str] = {}
    for c in election.candidates:
        for a in _aliases_for(c.key, c.name, c.aliases, c.misspellings):
            # First come, first served: no alias is allowed to point at two groups.
            by_alias.setdefault(a, c.key)
    targets: list[str] = []
    tkeys: list[str] = []
    for a, k in by_alias.items():
        if " " not in a and a[0] not in "@#" and len(a) >= 5 and k not in ("Other", "Uncommitted"):
            targets.append(a)
            tkeys.append(k)
    return AliasIndex(by_alias, election.candidate_keys, tuple(targets), tuple(tkeys))


def phrase_patterns(index: AliasIndex) -> list[dict[str, object]]:
    """SpanRuler / EntityRuler phrase patterns (matched on LOWER), one per alias."""
    return [{"label": "CAND", "pattern": a, "id": k} for a, k in sorted(index.by_alias.items())]


_WORD = re.compile(r"^[a-z][a-z'\-]{3,}$")


class FuzzyNames:
    """Unseen misspellings close to a known name (``Klobuchr``, ``Buttigiegg``)."""

    def __init__(self, index: AliasIndex, cutoff: float = 82.0) -> None:
        self._index = index
        self._cutoff = cutoff
        self._cache: dict[str, tuple[str, float] | None] = {}

    def match(self, word: str) -> tuple[str, float] | None:
        """(key, similarity 0..1) for a word in a count slot, or None."""
        w = word.lower()
        if w in self._cache:
            return self._cache[w]
        result: tuple[str, float] | None = None
        if len(w) >= 5 and _WORD.match(w) and w not in _NOT_NAMES:
            best = process.extractOne(w, self._index.fuzzy_targets, scorer=fuzz.ratio,
                                      score_cutoff=self._cutoff if len(w) >= 6 else 88.0)
            if best is not None:
                result = (self._index.fuzzy_keys[best[2]], best[1] / 100.0)
        self._cache[w] = result
        return result
