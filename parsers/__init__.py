"""Caucus-night posts → checked claims. Pure: text in, frozen dataclasses out.

    >>> from elections import load_election
    >>> parser = build_pipeline(load_election("iowa-2020"))
    >>> r = parser.parse(PostInput(id="1", text="Ames 1-1 first alignment: Sanders 111, Warren 68", author="x"))
    >>> r.kind, r.claims[0].precinct, r.claims[0].counts
    ('precinct_result', 'Ames 1-1', {'Sanders': 111, 'Warren': 68})

The pipeline is ``spacy.blank("en")`` with a tokenizer that splits names from glued
numbers ("Warren–2", "26.2%@BernieSanders") and a SpanRuler whose phrase patterns
(:func:`parsers.candidates.phrase_patterns`) come from the election definition. No
statistical component. The stages, each in its own module:

* :mod:`~parsers.classify`  — aggregate / prediction / other-election signals
* :mod:`~parsers.precincts` — references → official units (plus thread and account context)
* :mod:`~parsers.rounds`    — round labels; ``unknown`` unless the post says
* :mod:`~parsers.counts`    — masking of non-count numbers, then name ↔ number pairing
* :mod:`~parsers.corrections`, :mod:`~parsers.plausibility`

A claim is ``accepted`` only when precinct, round and counts are all explicit (or the
precinct comes from the thread or a registered account), the post is not hedged,
and the numbers are plausible for the precinct; otherwise it is ``review``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

import spacy
from spacy.util import compile_infix_regex

from shadowtally.elections import Election
from shadowtally.parsers import classify
from shadowtally.parsers.accounts import Account, norm_handle
from shadowtally.parsers.candidates import AliasIndex, FuzzyNames, build_alias_index, phrase_patterns
from shadowtally.parsers.corrections import is_correction
from shadowtally.parsers.counts import Atom, Facts, Pair, atoms_from, mask, pair_counts
from shadowtally.parsers.plausibility import check_claim, check_rounds
from shadowtally.parsers.precincts import PrecinctIndex, PrecinctRef
from shadowtally.parsers.delegate_phrases import find_delegate_phrases
from shadowtally.parsers.normalize import reader_text
from shadowtally.parsers.tables import TableRound, find_tables
from shadowtally.parsers.positional import PositionalList, find_positional_lists
from shadowtally.parsers.unit_search import UnitSearch
from shadowtally.parsers.rounds import find_round_labels
from shadowtally.reconcile.rulepacks import RulePack, get_pack

__all__ = ["PostInput", "ThreadContext", "ParsedClaim", "ParseResult", "Parser", "build_pipeline", "ACCEPT_AT"]

ACCEPT_AT = 0.75
# Characters of one post the parser reads. The longest real caucus-night texts (news stories,
# live blogs) are a few tens of thousands; a longer item (a runaway feed entry, an attack) is
# read up to here, its claims wait for a person, and the stored raw post keeps every byte.
MAX_TEXT = 100_000
_DIGIT = re.compile(r"\d")
# A news story's dateline ("FORT DODGE — …") and its precinct mentions ("Ward 3, Precinct 1").
_DATELINE = re.compile(r"(?m)^([A-Z][A-Z.' ]{2,30}[A-Z])\s+[—–-]\s")
_STORY_UNIT = re.compile(r"\b(?:ward\s+\d+\s*,?\s*precinct\s+\d+|precinct\s+(?:no\.?\s*|#\s*)?\d+|ward\s+\d+)\b", re.I)
_NOT_VIABLE_AFTER = re.compile(
    r"\s*(?:\)\s*)?(?:,|and|but|who)?\s*(?:was|were|is|are|wasn'?t|weren'?t)?\s*(?:not|n't|non-?|never)\s*(?:viable|make\s+viability)"
    r"|\s*(?:,|and)?\s*(?:fell|came\s+up)\s+short|\s*(?:,|and)?\s*(?:didn'?t|did\s+not)\s+(?:make|reach|get)\s+(?:it|viab)", re.I)
# Another year's caucus ("Flashback: in 2016 Ames 1-1 went Sanders 5"): its numbers are not tonight's.
_OTHER_YEAR = re.compile(r"\bflashback\b|\bfour\s+years\s+ago\b|\blast\s+(?:cycle|caucus)\b|\b(?:in|back\s+in)\s+(?:19\d\d|20(?:0\d|1[0-8]))\b", re.I)
# "Nobody realigned": the final alignment is the first one again.
_NO_REALIGNMENT = re.compile(r"\b(?:nobody|no\s+one|no-one)\s+(?:moved|realigned)|\bno\s+(?:movement|realignment)\b|\b(?:all|every|everybody|everyone)\s+(?:(?:\w+\s+){0,2})?(?:groups?\s+)?(?:was\s+|were\s+)?viable\b", re.I)
_WORD_BEFORE_NUMBER = re.compile(
    r"(?<![\w@#])(?!(?:First|Final|Round|Dels?|Delegates?|And|Had|Has|With|Got|For|To|The|Only|Of|At|Was|Were|Is|Are|Alignment|"
    r"Realignment|Total|Totals|Attendance|Viability|Threshold|Count|Counts|Tally|Results?|Sde|Sdes)\b)[A-Z][a-z]{1,12}\.?\s*[:\-–]?\s*$")
_WORDS = re.compile(r"[a-z]+")
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")
_THE_BEFORE = re.compile(r"\b(?:the|all|every|each)\s+$", re.I)
# A group's count changing between rounds ("climbed from 22 to 39", "Biden 12 → 15"): which
# number is which round is a reader's inference, so such posts wait for a person.
_TRANSITION = re.compile(r"\bfrom\s+\d+\s+to\s+\d+|\d+\s*(?:→|->|=>|–>)\s*\d+|\b\d+\s+to\s+\d+\b(?!\s*(?:delegates?|dels|people|voters|%))", re.I)
_PEOPLE_AFTER = re.compile(r"\s*(?:people|persons|attendees|caucus-?goers|voters|folks|supporters|of\s+us|iowans)\b", re.I)
# Lines that each start with their own unit ("Ward 2 — …", "Precinct 39: …"): several units in one post.
_UNIT_LINE = re.compile(r"^\s*[-•*]?\s*(?:ward|precinct|pct|prec|w|p)\.?\s*#?\s*\d+\b", re.I | re.M)
_SATELLITE = re.compile(r"\bsatellite", re.I)
_BRACKET = re.compile(r"\(\s*([A-Za-z' ]{3,20}?)\s*(?:county|co\.?)?\s*\)", re.I)
_MAY_NAME_PRECINCT = re.compile(r"county|\bco\.|precinct|satellite|ward|\bsite\b|township|\btwp\b|\bresults\b", re.I)
_PRECINCT_WORDS = re.compile(r"\b(?:precincts?|caucus\w*|site|satellite|alignment|realignment|delegates?|our|my|we)\b", re.I)
_COLUMN_HEADER = re.compile(r"\b(first|1st|final|2nd|delegates|sde)\s*/\s*(first|1st|final|2nd|delegates|sde)\b", re.I)
_COL_MAP = {"first": "first", "1st": "first", "final": "final", "2nd": "final", "delegates": "delegates", "sde": "sde"}
_NOT_A_GROUP_AFTER = re.compile(r"\s*(?:county|co\.|twp|township|city|street|st\.|elementary|high|middle|school|hall|library)\b", re.I)


@dataclass(frozen=True, slots=True)
class PostInput:
    id: str
    text: str
    author: str = ""
    created_at: str | None = None
    in_reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedClaim:
    county: str | None
    precinct: str | None
    round: str
    counts: Mapping[str, float]
    status: str
    confidence: float
    rule: str
    evidence: tuple[tuple[int, int, str], ...]
    corrects: bool = False
    supersedes: str | None = None  # id of the post whose claim this one replaces
    problems: tuple[str, ...] = ()
    # Other readings a person should weigh: each {county, precinct, round, why} (held claims only).
    alternatives: tuple[Mapping[str, object], ...] = ()

    def review(self) -> dict[str, object]:
        """What a held claim carries to the review desk: why it waits, and the other readings."""
        if self.status == "accepted":
            return {}
        return {"why": list(self.problems), "alternatives": [dict(a) for a in self.alternatives]}

    def to_json(self) -> dict[str, object]:
        d: dict[str, object] = {
            "county": self.county, "precinct": self.precinct, "round": self.round,
            "counts": dict(self.counts), "status": self.status, "confidence": self.confidence,
            "evidence": [list(e) for e in self.evidence], "rule": self.rule,
        }
        if self.supersedes is not None:
            d["supersedes"] = self.supersedes
        if self.problems:
            d["problems"] = list(self.problems)
        if self.status != "accepted":
            d["review"] = self.review()
        return d


@dataclass(frozen=True, slots=True)
class ParseResult:
    kind: str  # precinct_result | aggregate | other
    claims: tuple[ParsedClaim, ...] = ()
    reason: str = ""
    precinct: tuple[str, str] | None = None  # the unit the post is about, for replies to inherit


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """What earlier posts tell about this one: the thread's precinct, and earlier claims
    (thread ancestors and the same author's earlier posts, oldest first) that a
    correction may supersede."""

    precinct: tuple[str, str] | None = None
    prior: tuple[tuple[str, ParsedClaim], ...] = ()


def _make_nlp(index: AliasIndex) -> spacy.language.Language:
    nlp = spacy.blank("en")
    # Keep "3-2-2-2" whole: drop the default infix that splits digit-hyphen-digit.
    infixes = [x for x in nlp.Defaults.infixes if "(?<=[0-9])[+\\-\\*^]" not in x] + [
        r"(?<=[A-Za-z])(?=\d)", r"(?<=\d)(?=[A-Za-z])",       # Warren2, 2Warren
        r"[–—|:;=•]", r"(?<=[A-Za-z])-+|-+(?=[A-Za-z])",     # Sanders-25, Pete:12
        r"(?<=\S)(?=[@#])", r"\.{2,}", r"(?<=[^\d])/|/(?=[^\d])", r"%", r"(?<=[\d])(?=\()", r"[()]",
    ]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "cand", "phrase_matcher_attr": "LOWER", "overwrite": True})
    ruler.add_patterns(phrase_patterns(index))
    nlp.max_length = MAX_TEXT + 1  # the parser cuts longer texts first (see MAX_TEXT)
    return nlp


class Parser:
    """Built once per election by :func:`build_pipeline`; :meth:`parse` is pure."""

    def __init__(self, election: Election, accounts: Mapping[str, Account] | None = None) -> None:
        self.election = election
        self.aliases = build_alias_index(election)
        self.fuzzy = FuzzyNames(self.aliases)
        self.precincts = PrecinctIndex(election)
        self.search = UnitSearch(election)
        self._one_word_aliases = frozenset(a for a in self.aliases.by_alias if " " not in a and a.isalpha())
        self.nlp = _make_nlp(self.aliases)
        self.accounts: dict[str, Account] = dict(accounts or {})
        self._keep_tags = frozenset(a for a in self.aliases.by_alias if a[:1] in "@#")
        try:
            self.pack: RulePack | None = get_pack(election.rule_pack)
        except LookupError:
            self.pack = None  # no caucus-math rules for this election: per-claim checks only

    # -- candidates -------------------------------------------------------------------------

    def _candidates(self, doc) -> list[tuple[int, int, str, float]]:
        spans = []
        last_end = -1
        text = doc.text  # once: Doc.text joins every token (per span it made long posts quadratic)
        for sp in sorted(doc.spans["cand"], key=lambda s: (s.start_char, -(s.end_char - s.start_char))):
            if sp.start_char < last_end:
                continue
            if _NOT_A_GROUP_AFTER.match(text, sp.end_char):
                continue  # "Warren County", "Story City", "Lincoln Elementary"
            if sp.id_ == "Other" and (_THE_BEFORE.search(text, 0, sp.start_char)
                                      or text[sp.end_char:sp.end_char + 1].lower() == "s"
                                      or text[sp.start_char:sp.end_char].lower().endswith("s")):
                continue  # "the others 3 apiece", "the other groups": everyone else, not the group Other
            # A lower-case common first name ("tom", "amy", "joe", "pete") only counts if it is
            # written as a name, not as an ordinary word inside a sentence.
            spans.append((sp.start_char, sp.end_char, sp.id_, 1.0))
            last_end = sp.end_char
        return spans

    def _fuzzy_slots(self, atoms: list[Atom]) -> list[Atom]:
        out = list(atoms)
        for i, a in enumerate(out):
            if a.kind != "WORD" or len(a.text) < 5 or not a.text.isalpha():
                continue
            nxt = next((x for x in out[i + 1:i + 3] if x.kind != "SEP"), None)
            prv = next((x for x in reversed(out[max(0, i - 2):i]) if x.kind != "SEP"), None)
            if not ((nxt is not None and nxt.kind == "NUM") or (prv is not None and prv.kind == "NUM" and a.text[:1].isalpha())):
                continue
            hit = self.fuzzy.match(a.text)
            if hit:
                out[i] = Atom("CAND", a.start, a.end, a.text, hit[0], hit[1])
        return out

    # -- the parse --------------------------------------------------------------------------

    def parse(self, post: PostInput, context: ThreadContext | None = None) -> ParseResult:
        """Read one post (see the module docstring); evidence spans index the post as written."""
        raw = post.text or ""
        text, where, disguised = reader_text(raw)
        if text == raw:
            return self._parse_folded(post, context)
        result = self._parse_folded(replace(post, text=text), context)
        # Read as folded, but held: look-alike letters in a name are also how a post is spoofed.
        why = "look-alike or invisible characters in the text were read as plain letters and digits"
        claims = tuple(replace(c, evidence=tuple((where[a], where[b], raw[where[a]:where[b]]) for a, b, _ in c.evidence),
                               **({"status": "review", "problems": c.problems + (why,)} if disguised else {}))
                       for c in result.claims)
        return replace(result, claims=claims)

    def _parse_folded(self, post: PostInput, context: ThreadContext | None) -> ParseResult:
        full = post.text or ""
        if len(full) > MAX_TEXT:
            result = self._parse(replace(post, text=full[:MAX_TEXT]), context)
            cut = f"long text: only the first {MAX_TEXT:,} of {len(full):,} characters were read"
            return replace(result, claims=tuple(replace(c, status="review", problems=c.problems + (cut,))
                                                for c in result.claims))
        story = self._story_segments(post)
        if story:
            return self._parse_story(post, context, story)
        segments = self._segments(post)
        if len(segments) < 2:
            return self._parse(post, context)
        # One unit per segment ("Ward 2 — …\nWard 3 — …", one town per line): each is read on
        # its own, with the lines before the first as its heading, and its claims never mix.
        claims: list[ParsedClaim] = []
        hedge = classify.hedged(full)
        for seg_text, to_full, heading in segments:
            result = self._parse(replace(post, text=seg_text), context, heading=heading)
            for c in result.claims:
                evidence = tuple((to_full(a), to_full(b), t) for a, b, t in c.evidence)
                c = replace(c, evidence=evidence, rule=c.rule + "; segment")
                if hedge and not any(p.startswith("hedged") for p in c.problems):
                    c = replace(c, status="review", problems=c.problems + (f"hedged: {hedge.group(0)!r}",))
                claims.append(c)
        if not claims:
            return self._parse(post, context)
        units = [(c.county, c.precinct) for c in claims if c.county]
        return ParseResult("precinct_result", tuple(claims), "", units[0] if units else None)

    def _story_segments(self, post: PostInput) -> list[tuple[int, int, tuple[str, str]]]:
        """A news story's units: each paragraph that says "Precinct 4" or "Ward 3, Precinct 1",
        read with the place its dateline or headline names ("FORT DODGE —", "… in Des Moines'
        …"). Returns (start, end, unit) per piece, in order; empty for anything but a story."""
        text = post.text or ""
        if len(text) < 300 or "\n\n" not in text or self.precincts.find(text)[0]:
            return []
        dateline = _DATELINE.search(text)
        place = dateline.group(1) if dateline else text.split("\n", 1)[0]
        acct = self.accounts.get(norm_handle(post.author or ""))
        scope = [acct.county] if acct is not None and not acct.precinct else []
        marks: list[tuple[int, tuple[str, str]]] = []
        for m in _STORY_UNIT.finditer(text):
            query = f"{place}\n{m.group(0)}"
            if scope:
                found, ambiguous = self.search.find(query, scope, satellites=False)
                match = found[0] if found and not ambiguous else None
            else:
                match, _ = self.search.find_statewide(query)
            if match is not None and (not marks or marks[-1][1] != match.unit.key):
                para = text.rfind("\n\n", 0, m.start())
                marks.append((para + 2 if para >= 0 else 0, match.unit.key))
        out = []
        for k, (start, key) in enumerate(marks):
            end = marks[k + 1][0] if k + 1 < len(marks) else len(text)
            if k == 0:
                start = 0  # the story's opening belongs to its first unit
            out.append((start, end, key))
        return out

    def _parse_story(self, post: PostInput, context: ThreadContext | None,
                     pieces: list[tuple[int, int, tuple[str, str]]]) -> ParseResult:
        """Each piece of a story read for its own unit; every claim waits (a story's unit is read
        from its place and precinct words, not named as the party names it)."""
        text = post.text or ""
        hedge = classify.hedged(text)
        claims: list[ParsedClaim] = []
        for start, end, key in pieces:
            result = self._parse(replace(post, text=text[start:end]), context, unit_hint=key)
            for c in result.claims:
                why = "unit read from the story's place and precinct words"
                problems = c.problems + (why,) + ((f"hedged: {hedge.group(0)!r}",) if hedge else ())
                claims.append(replace(c, evidence=tuple((a + start, b + start, t) for a, b, t in c.evidence),
                                      status="review", problems=problems, rule=c.rule + "; story"))
        units = [(c.county, c.precinct) for c in claims if c.county]
        if not claims:
            return self._parse(post, context)
        return ParseResult("precinct_result", tuple(claims), "", units[0] if units else None)

    def _segments(self, post: PostInput) -> list[tuple[str, Callable[[int], int], int]]:
        """The post cut into one piece per unit, when two or more lines each name a unit and
        hold numbers; each piece with a map from its offsets back to the post's."""
        text = post.text or ""
        lines: list[tuple[int, int]] = []
        if "\n" in text:
            pos = 0
            for raw in text.split("\n"):
                lines.append((pos, pos + len(raw)))
                pos += len(raw) + 1
        else:
            # One line: its sentences ("Tama/Columbia: … . Dubuque 1: … . Manchester 1: …").
            pos = 0
            for m in _SENTENCE_END.finditer(text):
                lines.append((pos, m.start() + 1))
                pos = m.end()
            lines.append((pos, len(text)))
            if len(lines) < 2:
                return []
        acct = self.accounts.get(norm_handle(post.author or ""))
        scope = [c for c, _, _ in self.precincts.counties_named(text)] + self._bracketed_counties(text)
        if acct is not None and not acct.precinct:
            scope.append(acct.county)
        # Only lines with a number and a group's name can hold a unit's result: decided cheaply
        # first, since most posts (and all noise) have at most one.
        candidates = [i for i, (a, b) in enumerate(lines)
                      if _DIGIT.search(text, a, b) and self._names_a_group(text[a:b])]
        if len(candidates) < 2:
            return []
        heads: list[tuple[int, tuple[str, str] | str]] = []
        for i, (a, b) in enumerate(lines):
            line = text[a:b]
            if i not in candidates and not (_DIGIT.search(line) and _UNIT_LINE.match(line)):
                continue
            refs = self.precincts.find(line)[0]
            if refs:
                heads.append((i, (refs[0].county, refs[0].precinct)))
                continue
            found, _ = self.search.find(line, scope, satellites=bool(_SATELLITE.search(text)))
            if found:
                heads.append((i, found[0].unit.key))
            elif _UNIT_LINE.match(line):
                heads.append((i, line.split()[0].lower() + " " + _DIGIT.search(line).group(0)))
        if len(heads) < 2 or len({u for _, u in heads}) < 2:
            return []
        first = heads[0][0]
        prefix_end = lines[first - 1][1] if first > 0 and lines[first - 1][1] <= 300 else 0
        out = []
        for k, (i, _) in enumerate(heads):
            start = lines[i][0]
            end = lines[heads[k + 1][0] - 1][1] if k + 1 < len(heads) else len(text)
            body = text[start:end]
            seg = (text[:prefix_end] + "\n" + body) if prefix_end else body
            shift = start - (prefix_end + 1) if prefix_end else start

            def to_full(x: int, shift: int = shift, prefix_end: int = prefix_end) -> int:
                return x if prefix_end and x <= prefix_end else x + shift
            out.append((seg, to_full, prefix_end))
        return out

    def _parse(self, post: PostInput, context: ThreadContext | None, *, heading: int = 0,
               unit_hint: tuple[str, str] | None = None) -> ParseResult:
        """Parse one text. ``heading``: characters at its start that are the heading of a
        segmented post ("Story County results so far"), whose talk of totals is not this unit's."""
        text = post.text or ""
        if not _DIGIT.search(text):
            # Still find the precinct a thread's root names, for its replies to inherit.
            refs = self.precincts.find(text)[0] if _MAY_NAME_PRECINCT.search(text) else []
            return ParseResult("other", (), "no numbers", self._context_precinct(post, context, refs))
        why_other = classify.other_signal(text, party=self.election.party, home_state=self.election.home_state)
        if why_other:
            return ParseResult("other", (), why_other)
        doc = self.nlp(text)
        cands, refs, counties = self._names(doc, text)
        labels = find_round_labels(text)
        # The unit search never reads a group's name as a town ("Warren", "Sanders").
        unnamed = _blank_spans(text, [(s, e) for s, e, _, _ in cands])
        precinct, how, ambiguous, unit_alts, unit_span = self._which_precinct(post, context, refs, counties, unnamed)
        if unit_hint is not None and not refs:
            precinct, how, ambiguous, unit_alts, unit_span = unit_hint, "story", False, [], None
        named_spans = [(r.start, r.end) for r in refs] + ([unit_span] if unit_span else [])
        # Tables (rounds by column, or names over "Final: 47/56/44") are read by their structure.
        tables = find_tables(text, self._group_of)
        named_spans += [(t.start, t.end) for t in tables]
        # Delegate lists by position ("Dels 3-2-1-1") are read apart, never paired with names.
        plists = find_positional_lists(text, blocked=named_spans)
        # The words that named the unit ("Jefferson 1") hold no count.
        masked, facts = mask(text, keep_tags=self._keep_tags,
                             extra_spans=named_spans + [(pl.start, pl.end) for pl in plists])
        labels = [l for l in labels if not any(s <= l[0] < e for s, e in facts.total_spans)
                  and not any(pl.start <= l[0] < pl.end for pl in plists)]
        atoms = atoms_from(_MaskedDoc(doc, masked), cands, labels)
        atoms = self._fuzzy_slots(atoms)
        header = _COLUMN_HEADER.search(text)
        columns = (_COL_MAP[header.group(1).lower()], _COL_MAP[header.group(2).lower()]) if header else ("first", "final")
        pairs = pair_counts(atoms, columns=columns)
        if len(_UNIT_LINE.findall(text)) >= 2:
            ambiguous = True  # one unit per line: the numbers of several units, never merged into one claim
        correcting = context is not None and bool(context.prior) and is_correction(text)
        agg = classify.aggregate_signal(text[heading:])
        if agg and not ((refs or unit_hint) and len(text) > 400):
            return ParseResult("aggregate", (), f"aggregate: {agg.group(0)!r}")
        # A long story that names units is read for them even when it also talks about the
        # state ("across the state", "counties"); its claims carry that doubt and wait.
        story_doubt = f"aggregate talk in a long text: {agg.group(0)!r}" if agg else None
        if not pairs and not tables:
            n_cands = len({k for _, _, k, _ in cands})
            if facts.percentages and n_cands >= 2:
                return ParseResult("aggregate", (), "percentages per group")
            return ParseResult("other", (), "no counts", precinct)
        if precinct is None and not correcting and pairs and (max(p.value for p in pairs) > 1500 or (counties and not refs)):
            return ParseResult("aggregate", (), "county or large totals without a precinct")
        if precinct is None and not refs and not tables and not correcting and not _PRECINCT_WORDS.search(text):
            return ParseResult("other", (), "numbers with no precinct or caucus context")
        claims = self._claims(post, context, text, pairs, labels, facts, precinct, how, ambiguous, refs)
        claims = [_with_unit_alternatives(c, unit_alts) for c in claims]
        claims += self._table_claims(text, tables, claims, precinct, how, ambiguous)
        claims += self._positional_claims(text, plists, claims, precinct, how, ambiguous)
        claims += self._phrase_claims(text, claims, precinct, how, ambiguous)
        claims = _post_level_doubts(_final_beside_delegates(claims), text, unnamed, story_doubt)
        return ParseResult("precinct_result", tuple(self._check_math(claims, facts.attendance)), "", precinct)

    def _names(self, doc, text: str) -> tuple[list[tuple[int, int, str, float]], list[PrecinctRef], list[str]]:
        """The groups and the units a text names, each settling where the two overlap."""
        cands = self._candidates(doc)
        refs, counties = self.precincts.find(text, blocked=[(s, e) for s, e, _, _ in cands])
        # "Warren JEFFERSON final alignment: …": a county that shares a group's name, right
        # before one of its own units on one line, is the county; the group is named later.
        county_heads = {r.start for r in refs if r.how == "county+name"}
        cands = [c for c in cands if c[0] not in county_heads]
        refs = [r for r in refs if not any(s < r.end and r.start < e for s, e, _, _ in cands)]
        # "Cedar Rapids: 43 people": a number that counts people ends no unit name.
        refs = [r for r in refs if not _PEOPLE_AFTER.match(text, r.end)]
        return cands, refs, counties

    def _context_precinct(self, post: PostInput, context: ThreadContext | None, refs: Sequence[PrecinctRef]):
        # A thread's head is only the unit it names for sure: no statewide proposal.
        p, _, _, _, _ = self._which_precinct(post, context, list(refs), statewide=False)
        return p

    def _which_precinct(self, post: PostInput, context: ThreadContext | None, refs: list[PrecinctRef],
                        counties: list[str] = (), search_text: str | None = None, statewide: bool = True):
        """The unit a post is about, how it was found, and whether another reading competes.

        In order: the units it names; a scored search (:class:`parsers.unit_search.UnitSearch`)
        within the counties the post names or hints and its account's county, or among
        satellite sites; its thread's unit; its registered account's unit; and last a unique
        statewide match, only proposed (held). Returns (unit, how, ambiguous, alternatives,
        span of the words that named it, when a search found it)."""
        acct = self.accounts.get(norm_handle(post.author or ""))
        scope = list(counties)
        if acct is not None and not acct.precinct:
            scope.append(acct.county)
            # A county-scope source writes about its own county: a unit of another county
            # that an alias happened to match is not chosen.
            refs = [r for r in refs if r.county == acct.county or r.county in self.precincts.satellite_counties]
        keys = list(dict.fromkeys((r.county, r.precinct) for r in refs))
        if keys:
            how = refs[0].how
            # A reference that also reads as another unit ("Des Moines PCT 3") is ambiguous too.
            alt = any(r.alt is not None and r.alt not in keys for r in refs)
            others = [(k, "the post names this unit too") for k in keys[1:]]
            others += [(r.alt, "the same words also name this unit") for r in refs if r.alt is not None and r.alt not in keys]
            return keys[0], how, len(keys) > 1 or alt, others, None
        text = search_text if search_text is not None else post.text or ""
        scope += [c for c in self._bracketed_counties(text) if c not in scope]
        # "Polk County, …": the county's words name the county, never a unit ("POLK CITY-01").
        for _, cs, ce in self.precincts.counties_named(text):
            text = text[:cs] + " " * (ce - cs) + text[ce:]
        districts = {d for d, _, _ in self.precincts.districts_named(text)}
        # A named district limits the sites to its own; the sites outside any district stay.
        allowed = (frozenset(districts | (self.precincts.satellite_counties - self.precincts.district_counties))
                   if districts else None)
        # A unit the post names in its scope comes before the thread's: the post says which.
        found, ambiguous = self.search.find(text, scope, satellites=bool(_SATELLITE.search(text)),
                                            satellite_counties=allowed)
        if ambiguous:
            return None, "search", True, [(m.unit.key, "its words match the post as well as another unit's")
                                          for m in found], None
        if found:
            return found[0].unit.key, "search", False, [], (found[0].start, found[0].end)
        # Never a unit of another county than the one the post names or its account covers.
        proposal, ties = self.search.find_statewide(text) if statewide and not scope else (None, [])
        if context is not None and context.precinct is not None:
            if proposal is not None and proposal.unit.key != context.precinct:
                # The post's words name another unit than its thread's: a person decides.
                return context.precinct, "thread", True, [(proposal.unit.key, "the post's own words name this unit")], None
            return context.precinct, "thread", False, [], None
        if acct is not None and acct.precinct:
            return (acct.county, acct.precinct), "account", False, [], None
        if proposal is not None:
            return proposal.unit.key, "statewide", False, [], (proposal.start, proposal.end)
        if 1 < len(ties) <= 8:
            return None, "", False, [(m.unit.key, "a unit of this name, in one of several counties") for m in ties], None
        return None, "", False, [], None

    def _bracketed_counties(self, text: str) -> list[str]:
        """Counties written in brackets without the word County: "Athens twp (Ringgold)"."""
        return [self.precincts.counties[m.group(1).lower()] for m in _BRACKET.finditer(text)
                if m.group(1).lower() in self.precincts.counties]

    def _claims(self, post, context, text, pairs: list[Pair], labels, facts: Facts, precinct, how, ambiguous, refs):
        """One claim per round the pairs fall in: counts, correction, problems, status, evidence."""
        hedge = classify.hedged(text)
        correction = is_correction(text) and context is not None and bool(context.prior)
        claims: list[ParsedClaim] = []
        for rnd, plist in self._rounds_of(pairs, labels, text).items():
            counts, conflict = _counts_of(plist, facts)
            supersedes, c_round, c_precinct = None, rnd, precinct
            if correction:
                counts, supersedes, c_round, c_precinct = _apply_correction(context, plist, facts, precinct, rnd, counts)
            problems = _reading_problems(plist, conflict, hedge if supersedes is None else None, ambiguous, c_round,
                                         counts)
            if any(p.rule == "number-name" and _WORD_BEFORE_NUMBER.search(text, 0, p.num_start) for p in plist):
                # "Butt 172 Klob 140": a capitalised word right before the number may be the name it
                # belongs to, which the parser did not recognise; the number would go to the next name.
                problems.append("a number read with the name after it has a word of its own before it")
            conf = _confidence(plist, how)
            if how == "statewide" and c_precinct == precinct:
                problems.append("unit found by its words alone, with no county given")
            if c_precinct is None:
                problems.append("no precinct")
                county = name = None
            else:
                county, name = c_precinct
                problems.extend(check_claim(c_round, counts, self.election.precinct(county, name), facts.attendance))
            # Every problem holds the claim for a person, a caucus-math one included: the post
            # may well say those numbers (an inconsistent sheet), but a number that fails the
            # math is never published on the machine's word (the review desk decides).
            status = "accepted" if not problems and conf >= ACCEPT_AT else "review"
            out_counts = {k: (int(v) if c_round != "sde" and float(v).is_integer() else v) for k, v in counts.items()}
            evidence = [(p.start, p.end, text[p.start:p.end]) for p in plist]
            evidence += [(r.start, r.end, r.text) for r in refs[:1]]
            evidence += [(l[0], l[1], text[l[0]:l[1]]) for l in labels if l[2] == rnd][:1]
            rule = ("+".join(sorted({p.rule for p in plist})) + (f"; precinct:{how}" if how else "")
                    + ("; correction" if supersedes else ""))
            claims.append(ParsedClaim(county, name, c_round, out_counts, status, conf, rule,
                                      tuple(sorted(set(evidence))), supersedes is not None, supersedes, tuple(problems)))
        return claims

    def _rounds_of(self, pairs: list[Pair], labels: list[tuple[int, int, str]], text: str) -> dict[str, list[Pair]]:
        """The round of each pair: its unit, else the last label before it, else a label later
        in the line that heads no list of its own; grouped by round, in text order."""
        by_round: dict[str, list[Pair]] = {}
        for p in pairs:
            rnd = p.round
            if rnd is None:
                before = [l for l in labels if l[1] <= p.num_start]
                if before:
                    rnd = before[-1][2]
                else:
                    # A label after the numbers names them only when it has no numbers of its own
                    # ("Pete 6, Bernie 5 final."), not when it heads the next list ("Biden 39.
                    # Delegates Biden 4": the 39 is not a delegate count).
                    after = [l for l in labels if l[0] >= p.end and l[0] - p.end <= 60 and "\n" not in text[p.end:l[0]]
                             and not _SENTENCE_END.search(text, p.end, l[0]) and not _heads_numbers(l, pairs, text, labels)]
                    rnd = after[0][2] if after else "unknown"
            if _NOT_VIABLE_AFTER.match(text, p.end) and "first" in self.election.rounds:
                # "Pete had 2 and wasn't viable": a group that did not reach viability is counted
                # in the first alignment; it holds nothing in the final.
                rnd = "first"
            if rnd == "unknown" and self.election.single_round:
                # A one-round election (a straw poll): a count can only be that round's.
                rnd = self.election.single_round
            by_round.setdefault(rnd, []).append(p)
        return by_round

    def _positional_claims(self, text: str, plists: list[PositionalList], claims: list[ParsedClaim],
                           precinct: tuple[str, str] | None, how: str, ambiguous: bool) -> list[ParsedClaim]:
        """Delegates claims from lists by position (:mod:`parsers.positional`).

        With the order named in the post the reading is explicit; otherwise the groups are
        taken in the order the post listed its last count, and the claim waits for a person.
        A delegates claim the pairing also found for the unit makes both wait."""
        out: list[ParsedClaim] = []
        for pl in plists:
            problems: list[str] = []
            keys: list[str] | None = None
            if pl.order_span is not None:
                names = [n.strip().strip(".").lower()
                         for n in re.split(r"[/-]", text[pl.order_span[0]:pl.order_span[1]])]
                resolved = [self.aliases.by_alias.get(n) for n in names]
                if all(resolved) and len(set(resolved)) == len(resolved) == len(pl.values):
                    keys = [k for k in resolved if k]
            if keys is None:
                counted = [c for c in claims if c.round in ("final", "first", "unknown") and (c.county, c.precinct) ==
                           (precinct or (None, None))]
                base = next((c for c in reversed(counted) if c.round in ("final", "unknown")),
                            counted[-1] if counted else None)
                if base is None or len(base.counts) < len(pl.values):
                    continue
                keys = list(base.counts)[: len(pl.values)]
                problems.append("delegates by position, mapped to the groups in the order the post listed them")
            counts = {k: v for k, v in zip(keys, pl.values)}
            problems += self._apart_doubts(text, "delegates", counts, precinct, ambiguous, how)
            county, name = precinct if precinct is not None else (None, None)
            if any(c.round == "delegates" and (c.county, c.precinct) == (county, name) for c in claims + out):
                problems.append("two readings of the delegates")
            conf = 0.9 - {"thread": 0.05, "account": 0.03, "search": 0.05, "statewide": 0.1}.get(how, 0.0)
            status = "accepted" if not problems and conf >= ACCEPT_AT else "review"
            evidence = ((pl.start, pl.end, text[pl.start:pl.end]),)
            out.append(ParsedClaim(county, name, "delegates", counts, status, round(conf, 3), "positional-list"
                                   + (f"; precinct:{how}" if how else ""), evidence, False, None, tuple(problems)))
        if any("two readings of the delegates" in c.problems for c in out):
            # Hold the pairing's delegates claim too: two readings of one round.
            claims[:] = [replace(c, status="review", problems=c.problems + ("two readings of the delegates",))
                         if c.round == "delegates" else c for c in claims]
        return out

    def _names_a_group(self, line: str) -> bool:
        """Whether a word of ``line`` is one of the groups' one-word aliases (a quick test)."""
        return any(w in self._one_word_aliases for w in _WORDS.findall(line.lower()))

    def _group_of(self, name: str) -> str | None:
        """The group a name in a table names: an alias, or a close misspelling ("Klobachar")."""
        n = name.strip().strip(".").lower()
        key = self.aliases.by_alias.get(n)
        if key is None:
            fuzzy = self.fuzzy.match(n)
            key = fuzzy[0] if fuzzy and fuzzy[1] >= 0.85 else None
        return key

    def _table_claims(self, text: str, tables: list[TableRound], claims: list[ParsedClaim], precinct: tuple[str, str] | None,
                      how: str, ambiguous: bool) -> list[ParsedClaim]:
        """One claim per round a table states (:mod:`parsers.tables`), checked like any other."""
        out: list[ParsedClaim] = []
        for t in tables:
            if any(c.round == t.round and (c.county, c.precinct) == (precinct or (None, None)) for c in claims + out):
                continue
            problems = self._apart_doubts(text, t.round, t.counts, precinct, ambiguous, how)
            county, name = precinct if precinct is not None else (None, None)
            conf = 0.9 - _HOW_PENALTY.get(how, 0.0)
            status = "accepted" if not problems and conf >= ACCEPT_AT else "review"
            out.append(ParsedClaim(county, name, t.round, dict(t.counts), status, round(conf, 3),
                                   "table" + (f"; precinct:{how}" if how else ""),
                                   ((t.start, t.end, text[t.start:t.end]),), False, None, tuple(problems)))
        return out

    def _apart_doubts(self, text: str, round_: str, counts: Mapping[str, float], precinct: tuple[str, str] | None,
                      ambiguous: bool, how: str) -> list[str]:
        """What holds a claim read apart from the name-number pairing (a table, a delegate list
        by position, a phrase): a hedge, a unit in doubt or none, and the unit's own checks."""
        problems: list[str] = []
        hedge = classify.hedged(text)
        if hedge:
            problems.append(f"hedged: {hedge.group(0)!r}")
        if ambiguous:
            problems.append("several precincts named")
        if how == "statewide":
            problems.append("unit found by its words alone, with no county given")
        if precinct is None:
            problems.append("no precinct")
        else:
            unit = self.election.precinct(*precinct)
            if unit is not None:
                problems.extend(check_claim(round_, counts, unit, None))
        return problems

    def _phrase_claims(self, text: str, claims: list[ParsedClaim], precinct: tuple[str, str] | None, how: str,
                       ambiguous: bool) -> list[ParsedClaim]:
        """A delegates claim from delegates said in words (:mod:`parsers.delegate_phrases`), when
        no list gave one: named groups are read as said; "each" and "all" are inferred and wait."""
        if precinct is None or any(c.round == "delegates" and (c.county, c.precinct) == precinct for c in claims):
            return []
        phrases = find_delegate_phrases(text)
        if not phrases:
            return []
        unit = self.election.precinct(*precinct)
        counts: dict[str, float] = {}
        problems: list[str] = []
        for ph in phrases:
            if ph.group is None:
                counted = [c for c in claims if c.round in ("final", "unknown", "first") and (c.county, c.precinct) == precinct]
                base = next((c for c in reversed(counted) if c.round in ("final", "unknown")), counted[-1] if counted else None)
                if base is None:
                    continue
                for k in base.counts:
                    counts.setdefault(k, ph.delegates or 1)
                problems.append("delegates per group inferred from 'each' and the groups the post listed")
                continue
            key = self.aliases.by_alias.get(ph.group.strip(".'").lower())
            if key is None:
                continue
            n = ph.delegates if ph.delegates is not None else (unit.delegates if unit is not None and ph.whole else None)
            if n is None:
                continue
            if ph.delegates is None:
                problems.append("'all the delegates' read as the unit's delegates")
            counts[key] = n
        if not counts:
            return []
        problems += self._apart_doubts(text, "delegates", counts, precinct, ambiguous, how)
        conf = 0.9 - _HOW_PENALTY.get(how, 0.0)
        status = "accepted" if not problems and conf >= ACCEPT_AT else "review"
        evidence = tuple((ph.start, ph.end, text[ph.start:ph.end]) for ph in phrases)
        return [ParsedClaim(precinct[0], precinct[1], "delegates", counts, status, round(conf, 3),
                            "delegate-phrase" + (f"; precinct:{how}" if how else ""), evidence, False, None,
                            tuple(problems))]

    def _check_math(self, claims: list[ParsedClaim], attendance: int | None) -> list[ParsedClaim]:
        """Caucus-math rules across the rounds one post gives for one precinct: if one fires,
        every claim of that precinct from this post carries it in ``problems`` (see
        :func:`parsers.plausibility.check_rounds` for what a partial post can decide).

        Those claims go to review: a post that states its precinct's inconsistent sheet may
        be read right (2020 had 139 such precincts at 100%, the ones the recanvass changed),
        but a number that fails the math waits for a person, and the math problem is filed
        as a finding (:func:`parsers.plausibility.is_math_problem`)."""
        if self.pack is None or len(claims) < 2:
            return claims
        by_unit: dict[tuple[str, str], list[int]] = {}
        for i, c in enumerate(claims):
            if c.county is not None and c.precinct is not None:
                by_unit.setdefault((c.county, c.precinct), []).append(i)
        out = list(claims)
        for (county, name), idx in by_unit.items():
            rounds: dict[str, Mapping[str, float]] = {}
            for i in idx:
                rnd = claims[i].round
                if rnd in rounds:
                    rounds = {}  # one round stated twice: which one to check is a guess
                    break
                rounds[rnd] = claims[i].counts
            if len(rounds) < 2 or not ({"delegates"} <= set(rounds) or {"first", "final"} <= set(rounds)):
                continue
            unit = self.election.precinct(county, name)
            if unit is None:
                continue
            found = check_rounds(rounds, unit, attendance, self.pack) + _lost_members(rounds)
            if not found:
                continue
            # Delegates adding up past what the unit elects (CM05) locate the fault in the
            # delegates: no count can make them, so the counts stay as read and only the
            # delegates (and SDE) wait. Any other rule implicates every round it compared.
            over = any(f.startswith("CM05") for f in found)
            for i in idx:
                c = out[i]
                if over and c.round not in ("delegates", "sde"):
                    continue
                out[i] = replace(c, problems=c.problems + tuple(found), status="review")
        return out


def _counts_of(plist: list[Pair], facts: Facts) -> tuple[dict[str, float], bool]:
    """The counts of one round's pairs, and whether one group got two different values
    (a value the post itself corrects, "Biden 12 (not 21)", wins)."""
    counts: dict[str, float] = {}
    conflict = False
    for p in plist:
        if p.key in counts and counts[p.key] != p.value:
            if p.num_start in facts.corrected_from:
                counts[p.key] = p.value
                continue
            conflict = True
        counts.setdefault(p.key, p.value)
    return counts, conflict


def _apply_correction(context: ThreadContext, plist: list[Pair], facts: Facts, precinct: tuple[str, str] | None,
                      rnd: str, counts: dict[str, float]
                      ) -> tuple[dict[str, float], str | None, str, tuple[str, str] | None]:
    """A correction's counts, the post it supersedes, its round and unit (from the earlier claim
    when the correction does not say them)."""
    prior = _find_prior(context, plist, facts, precinct)
    if prior is not None and rnd not in ("unknown", prior[1].round):
        prior = None  # an update of another round replaces nothing of this one
    if prior is None:
        return counts, None, rnd, precinct
    pid, old = prior
    # A correction of a few numbers keeps the rest of the earlier list; a whole new
    # list ("update: final alignment …", three groups or more) stands on its own.
    if len(counts) < 3:
        counts = {**old.counts, **counts}
    c_round = rnd if rnd != "unknown" else old.round
    if precinct is None and old.county is not None:
        precinct = (old.county, old.precinct)
    return counts, pid, c_round, precinct


def _reading_problems(plist: list[Pair], conflict: bool, hedge: re.Match[str] | None, ambiguous: bool,
                      round_: str, counts: Mapping[str, float]) -> list[str]:
    """Doubts about how a claim was read (not about its numbers' math)."""
    problems: list[str] = []
    if any(p.approx for p in plist):
        problems.append("approximate number")
    if conflict:
        problems.append("two values for one group")
    if hedge:
        problems.append(f"hedged: {hedge.group(0)!r}")
    if ambiguous:
        problems.append("several precincts named")
    if round_ == "unknown":
        problems.append("round not stated")
    if round_ == "sde" and any(float(v) == int(v) and v > 1 for v in counts.values()):
        problems.append("whole-number SDE")
    if {"name-number", "number-name"} <= {p.rule for p in plist}:
        # "War 212 Butt 172 Klob 140": names the parser does not know shift numbers onto the
        # next name it does; a list read both ways at once is that shift.
        problems.append("names before and after numbers in one list: a name may not be recognised")
    return problems


# How much less sure a reading is when its unit came from somewhere other than the post's own name for it.
_HOW_PENALTY = {"thread": 0.05, "account": 0.03, "code": 0.02, "county+number": 0.02, "site": 0.02, "search": 0.05,
                "statewide": 0.1}


def _confidence(plist: list[Pair], how: str) -> float:
    """The reading's confidence: lower for fuzzy-matched names and indirectly found units."""
    conf = 0.95
    fz = min(p.fuzzy for p in plist)
    if fz < 1.0:
        conf -= (1.0 - fz) * 0.8 + 0.05
    conf -= _HOW_PENALTY.get(how, 0.0)
    return round(max(0.0, min(conf, 0.99)), 3)


def _lost_members(rounds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """A group that still holds people at the final but fewer than at the first alignment:
    members of a viable group cannot leave, and a group that was not viable could not become
    viable with fewer people (2020 rules). A caucus-math problem."""
    first, final = rounds.get("first"), rounds.get("final")
    if not first or not final:
        return []
    # Only a group with a quarter of the listed room: surely viable (a small group's members may
    # leave it, and the rest stay behind, non-viable: "Yang 2/1").
    listed = sum(first.values())
    return [f"CM04: {g} fell from {first[g]:g} to {n:g} and still holds people; a viable group cannot lose members"
            for g, n in final.items() if 0 < n < first.get(g, 0) and first[g] >= 0.25 * listed]


def _with_unit_alternatives(claim: ParsedClaim, units: list[tuple[tuple[str, str], str]]) -> ParsedClaim:
    """A held claim, with the other units the post may mean as alternative readings."""
    if claim.status == "accepted" or not units:
        return claim
    alts = tuple({"county": k[0], "precinct": k[1], "round": claim.round, "why": why}
                 for k, why in units if k != (claim.county, claim.precinct))
    return replace(claim, alternatives=claim.alternatives + alts)


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the spans turned to spaces (offsets unchanged)."""
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _post_level_doubts(claims: list[ParsedClaim], text: str, unnamed: str, story_doubt: str | None) -> list[ParsedClaim]:
    """What the whole post says about all its claims: nobody realigned (a held final copy of
    the first), another year's caucus, counts changing between rounds, a story's totals talk."""
    if _NO_REALIGNMENT.search(text):
        claims = _final_copies(claims)
    doubts = []
    other_year = _OTHER_YEAR.search(text)
    if other_year:
        doubts.append(f"talks of another year's caucus: {other_year.group(0)!r}")
    transition = _TRANSITION.search(unnamed)
    if transition:
        doubts.append(f"counts change between rounds: {transition.group(0)!r}")
    if story_doubt:
        doubts.append(story_doubt)
    if not doubts:
        return claims
    return [replace(c, status="review", problems=c.problems + tuple(doubts)) for c in claims]


def _final_copies(claims: list[ParsedClaim]) -> list[ParsedClaim]:
    """With nobody realigning, a first-alignment claim is also the final one: a held copy says so."""
    finals = {(c.county, c.precinct) for c in claims if c.round == "final"}
    out = list(claims)
    for c in claims:
        if c.round == "first" and (c.county, c.precinct) not in finals:
            out.append(replace(c, round="final", status="review",
                               problems=c.problems + ("round inferred: nobody realigned, so the final alignment is "
                                                      "the first",)))
    return out


def _final_beside_delegates(claims: list[ParsedClaim]) -> list[ParsedClaim]:
    """Counts of no stated round, beside delegates for the same unit, are the final alignment
    (delegates are awarded on it): a reader's inference, so the claim waits for a person."""
    with_delegates = {(c.county, c.precinct) for c in claims if c.round == "delegates" and c.county}
    finals = {(c.county, c.precinct) for c in claims if c.round == "final"}
    out = []
    for c in claims:
        key = (c.county, c.precinct)
        if c.round == "unknown" and key in with_delegates and key not in finals:
            problems = tuple(p for p in c.problems if p != "round not stated")
            c = replace(c, round="final", status="review",
                        problems=problems + ("round inferred: counts beside delegates are the final alignment",),
                        alternatives=c.alternatives + ({"county": c.county, "precinct": c.precinct, "round": "first",
                                                        "why": "with no realignment the first alignment is the "
                                                               "final one, so these can be first-alignment counts"},))
        out.append(c)
    return out


def _heads_numbers(label: tuple[int, int, str], pairs: list[Pair], text: str,
                   labels: list[tuple[int, int, str]] = ()) -> bool:
    """Whether counts follow ``label`` on its line with no other label between (it heads a list
    of its own): "Sanders 32 first alignment. Final Sanders 33": the final list is not its."""
    nxt = min((q.num_start for q in pairs if q.num_start >= label[1]), default=None)
    if nxt is None or "\n" in text[label[1]:nxt]:
        return False
    return not any(label[1] <= l[0] < nxt for l in labels if l is not label)


class _MaskedDoc:
    """The spaCy doc's tokens, with masked characters hidden (offsets unchanged)."""

    def __init__(self, doc, masked: str) -> None:
        self._doc = doc
        self.text = doc.text
        self._masked = masked

    def __iter__(self):
        m = self._masked
        for tok in self._doc:
            if tok.is_space or m[tok.idx:tok.idx + len(tok.text)].strip() == tok.text.strip():
                yield tok
            else:
                yield _Blocker(tok.idx)


class _Blocker:
    """Stands where a masked number was, so pairing never jumps over it."""

    __slots__ = ("idx",)
    is_space = False
    text = "\x00"

    def __init__(self, idx: int) -> None:
        self.idx = idx


def _find_prior(context: ThreadContext, plist: list[Pair], facts: Facts, precinct) -> tuple[str, ParsedClaim] | None:
    keys = {p.key for p in plist}
    olds = {p.key: facts.corrected_from.get(p.num_start) for p in plist}
    for pid, claim in reversed(context.prior):
        if precinct is not None and claim.county is not None and (claim.county, claim.precinct) != precinct:
            continue
        if not keys & set(claim.counts):
            continue
        if any(olds[k] is not None and k in claim.counts and float(claim.counts[k]) != olds[k] for k in keys):
            continue
        return pid, claim
    return None


def build_pipeline(election: Election, accounts: Mapping[str, Account] | None = None) -> Parser:
    """The parser for one election (patterns built from its definition)."""
    return Parser(election, accounts)
