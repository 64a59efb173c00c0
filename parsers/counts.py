"""Counts: numbers tied to preference groups.

Two stages. :func:`mask` blanks every number that is *not* a count candidate — URLs,
times, dates, years, percentages, thresholds ("needed 57"), attendance ("754 people"),
the precinct's delegate total ("we have 6 delegates"), thread numbering ("1)", "1/"),
precinct numbers, ids — replacing characters with spaces so offsets stay those of the
original text. :func:`pair_counts` then walks the tokens of the masked text (candidate
spans from the spaCy SpanRuler) and ties numbers to groups: ``Name – n``, ``n Name``,
``Name: n``, dotted leaders, ``first/final`` columns, ordered delegate sequences and
"n each".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Facts", "Pair", "mask", "pair_counts", "Atom"]


@dataclass(slots=True)
class Facts:
    attendance: int | None = None
    delegates_total: int | None = None
    thresholds: list[int] = field(default_factory=list)
    percentages: list[tuple[int, int]] = field(default_factory=list)
    corrected_from: dict[int, float] = field(default_factory=dict)  # start of new value → old value
    total_spans: list[tuple[int, int]] = field(default_factory=list)  # "we have 6 delegates"


@dataclass(frozen=True, slots=True)
class Pair:
    key: str
    value: float
    start: int          # span of the whole evidence (name … number)
    end: int
    num_start: int
    round: str | None   # a unit right after the number ("2 delegates", "0.28 SDE")
    rule: str
    approx: bool = False
    fuzzy: float = 1.0


def _blank(chars: list[str], start: int, end: int) -> None:
    chars[start:end] = [c if c == "\n" else " " for c in chars[start:end]]


# A URL is one whitespace-free token; each token is tested once (a pattern like
# "\S+\.com/" over a long run without spaces backtracked quadratically: 55 s for 200 kB).
_TOKEN = re.compile(r"\S+")
_URL_IN_TOKEN = re.compile(r"https?://|pic\.twitter\.com/|www\.|\.(?:com|org|net|ly|co)/", re.I)
_TAG = re.compile(r"[@#][A-Za-z0-9_]+")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?(?:\s*(?:E\.?T\.?|C\.?T\.?|[CE]ST)\b)?|\b\d{1,2}\s*[ap]\.?m\.?(?![a-z])", re.I)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s*\d{4})?", re.I)
_YEAR = re.compile(r"(?<![\w#@.,])(?:19|20)\d{2}(?![\d.,]\d)")
_PCT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b|pct\b|pts?\b|points?\b|percentage\s+points\b)", re.I)
_MONEY = re.compile(r"\$\s*[\d,.]+[kKmM]?")
# A congressional district in a satellite mention ("CD2 satellite", "Congressional District 3").
_DISTRICT = re.compile(r"\bCD\s?-?\s?\d\b|\bcongressional\s+district\s*#?\s*\d+\b", re.I)
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.I)
_NUMBERING = re.compile(r"(?m)^\s*\(?\d{1,2}[).](?=\s)|\b\d{1,2}/(?!\d)|\(\d{1,2}/\d{1,2}\)|\A\s*\d{1,2}/\d{1,2}\b")
_LONG = re.compile(r"\d{6,}")
# People moving between groups, and shortfalls: numbers about votes, never votes themselves.
# "40 Biden people walked over", "13 Steyer folks joined Warren", "31 short of viability".
_MOVERS = re.compile(
    r"(?<![\d.])(\d+)\s+(?:[A-Za-z']+\s+){0,2}?(?:people|folks|supporters|voters|backers|members|of\s+them)?\s*"
    r"(?:walked|moved|went|came|joined|switched|left|defected|migrated|headed|jumped|drifted|flipped)\b"
    r"|(?<![\d.])(\d+)\s+(?:people\s+)?(?:short|shy)\b", re.I)
_ATTEND = re.compile(
    r"(?<![\d.,])(\d[\d,]*)\s+(?:total\s+)?(?:people|persons|voters|attendees|caucus[-\s]?goers|caucusers|participants|registered|"
    r"signed\s+in|showed\s+up|in\s+attendance|in\s+the\s+room|present|folks\s+(?:showed|came|attended))\b"
    r"|\b(?:attendance|turnout|total\s+attendance|attendees|headcount|head\s+count|people\s+(?:signed\s+in|present)|T)\s*(?:was|is|of|:|=|-)?\s*(\d[\d,]*)",
    re.I)
_THRESH = re.compile(
    r"\b(?:viability|viable|threshold|needed|need|needs|required|requires)\s*(?:threshold|number|line|mark)?\s*(?:is|was|of|at|:|=|-|–)?\s*(\d+)"
    r"|(?<![\d.])(\d+)\s*(?:needed|required|to\s+be\s+viable|for\s+viability|to\s+reach\s+viability|to\s+be\s+viable)"
    r"|\b(?:of|out\s+of)\s+(?:the\s+)?(\d+)", re.I)
_DTOTAL = re.compile(
    r"\b(?:we|precinct|there|it|this\s+precinct|our\s+precinct)\s+(?:have|has|had|are|were|elect(?:s|ed)?|award(?:s|ed)?|gets?)\s+(\d+)\s+(?:county\s+)?(?:convention\s+)?delegates"
    r"|\belection\s+of\s+(\d+)\s+delegates|(?<![\d.])(\d+)\s+(?:county\s+)?delegates\s+(?:to\s+award|total|in\s+(?:this|our|my)\s+precinct|available|at\s+stake|to\s+assign|to\s+give)"
    r"|\bonly\s+(\d+)\s+(?:county\s+)?delegates\b(?=\s*[:—–-])"
    r"|(?<![\d.])(\d+)[-\s]delegate\s+precinct|\b(?:total|D)\s*(?:delegates)?\s*[:=]\s*(\d+)\s+delegates"
    # "5 delegates — Warren 2, …", "for 14 delegates: Butt 3, …": the total before its list
    r"|(?<![\w.\-/])(?<!pct\s)(?<!prec\s)(?<!precinct\s)(?<!ward\s)(?<!#)(\d+)\s+(?:county\s+)?delegates\s*(?=[—–]|\s-\s|→|->)|\bfor\s+(\d+)\s+(?:county\s+)?delegates\b", re.I)
_GENERIC_REF = re.compile(r"\b(?:precin?c?t|pct|ward|district|site|room|table|line|page|item|no\.|number)\s*#?\s*\d+(?:-\d+)?|#\s?\d+\b", re.I)
_APPROX = frozenset({"about", "around", "roughly", "approximately", "approx", "nearly", "almost", "over", "~", "maybe",
                     "ish", "some", "under", "least", "than"})


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def mask(text: str, *, keep_tags: frozenset[str], extra_spans: list[tuple[int, int]] = ()) -> tuple[str, Facts]:
    """Blank every non-count number (same length, same offsets). Returns (masked, facts).

    Every pattern runs over the original text (never over a half-blanked one, whose
    long runs of spaces would make ``\\s*`` patterns backtrack).
    """
    from shadowtally.parsers.corrections import WAS_NOT_RE  # local: avoids an import cycle at package init

    chars = list(text)
    facts = Facts()
    for m in _TOKEN.finditer(text):
        u = _URL_IN_TOKEN.search(m.group(0))
        if u is not None:
            # From where the address starts ("(see https://…" keeps its bracket) to the token's end.
            start = m.start() + (u.start() if u.group(0).lower().startswith(("http", "pic.", "www.")) else 0)
            _blank(chars, start, m.end())
    for m in _TAG.finditer(text):
        if m.group(0).lower() not in keep_tags:
            _blank(chars, m.start(), m.end())
    for m in _PCT.finditer(text):
        facts.percentages.append((m.start(), m.end()))
        _blank(chars, m.start(), m.end())
    for rx in (_TIME, _DATE, _MONEY, _LONG, _NUMBERING, _YEAR):
        for m in rx.finditer(text):
            _blank(chars, m.start(), m.end())
    for m in _MOVERS.finditer(text):
        g = 1 if m.group(1) else 2
        _blank(chars, m.start(g), m.end(g))
    for m in _ATTEND.finditer(text):
        g = 1 if m.group(1) else 2
        try:
            facts.attendance = int(m.group(g).replace(",", ""))
        except ValueError:
            pass
        _blank(chars, m.start(g), m.end(g))
    for m in _DTOTAL.finditer(text):
        g = next(i for i in range(1, 9) if m.group(i))
        facts.delegates_total = int(m.group(g))
        if g not in (4, 7, 8):  # "5 delegates — Warren 2": there "delegates" still heads the list that follows
            facts.total_spans.append((m.start(), m.end()))
        _blank(chars, m.start(g), m.end(g))
    for m in _THRESH.finditer(text):
        g = next(i for i in range(1, 4) if m.group(i))
        facts.thresholds.append(int(m.group(g)))
        _blank(chars, m.start(g), m.end(g))
    for m in WAS_NOT_RE.finditer(text):
        facts.corrected_from[m.start(1)] = _num(m.group(2))
        _blank(chars, m.start(2), m.end(2))
    for s, e in extra_spans:
        _blank(chars, s, e)
    for rx in (_GENERIC_REF, _ORDINAL, _DISTRICT):
        for m in rx.finditer(text):
            _blank(chars, m.start(), m.end())
    return "".join(chars), facts


# --- pairing ----------------------------------------------------------------------------------

@dataclass(slots=True)
class Atom:
    kind: str          # CAND NUM SEQ SEP NL WORD LABEL
    start: int
    end: int
    text: str
    key: str = ""      # candidate key, or round for LABEL
    fuzzy: float = 1.0
    values: tuple[float, ...] = ()
    sep: str = ""      # for SEQ: "/" or "-"


_INT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
_DEC = re.compile(r"^\d*\.\d+$")
_SLASH = re.compile(r"^\d+(?:/\d+)+$")
_DASH = re.compile(r"^\d+(?:-\d+)+$")
_SEPS = frozenset(":-–—|,;/=.…()[]*•>")
_NAME_NUM_FILLER = frozenset({"got", "gets", "had", "has", "have", "with", "at", "received", "was", "is", "were", "ended",
                              "up", "on", "finished", "came", "in", "supporters", "supporter", "votes", "vote", "people",
                              "folks", "group", "groups", "campaign", "camp", "team", "total", "only", "'s", "s", "and",
                              "then", "now", "to", "should", "be", "netting", "getting"})
_NUM_NAME_FILLER = frozenset({"for", "of", "these", "those", "them", "people", "chose", "went", "to", "backed",
                              "supported", "supporting", "supporters", "voters", "votes", "caucused", "in", "with",
                              "the", "group", "camp", "were", "are", "picked", "stood", "people's"})
_LIST_JOIN = frozenset({"and", "&", ",", "/", "+"})


def _is_sep(text: str) -> bool:
    return all(c in _SEPS for c in text) or set(text) <= {"-", "–", "—", "."}


def atoms_from(doc, cand_spans: list[tuple[int, int, str, float]], labels: list[tuple[int, int, str]]) -> list[Atom]:
    """Tokens → atoms. ``cand_spans`` are (start_char, end_char, key, similarity)."""
    out: list[Atom] = []
    cand_by_start = {s: (s, e, k, f) for s, e, k, f in cand_spans}
    label_iter = iter(labels)
    next_label = next(label_iter, None)
    skip_until = -1
    for tok in doc:
        s = tok.idx
        if s < skip_until:
            continue
        while next_label is not None and next_label[1] <= s:
            next_label = next(label_iter, None)
        if s in cand_by_start:
            cs, ce, key, fz = cand_by_start[s]
            out.append(Atom("CAND", cs, ce, doc.text[cs:ce], key, fz))
            skip_until = ce
            continue
        if next_label is not None and next_label[0] <= s < next_label[1]:
            ls, le, rnd = next_label
            if not out or out[-1].kind != "LABEL" or out[-1].start != ls:
                out.append(Atom("LABEL", ls, le, doc.text[ls:le], rnd))
            continue
        text = tok.text
        e = s + len(text)
        if tok.is_space:
            if "\n" in text:
                out.append(Atom("NL", s, e, text))
            continue
        if _INT.match(text) or _DEC.match(text):
            out.append(Atom("NUM", s, e, text, values=(_num(text),)))
        elif _SLASH.match(text):
            out.append(Atom("SEQ", s, e, text, values=tuple(float(x) for x in text.split("/")), sep="/"))
        elif _DASH.match(text):
            out.append(Atom("SEQ", s, e, text, values=tuple(float(x) for x in text.split("-")), sep="-"))
        elif _is_sep(text):
            out.append(Atom("SEP", s, e, text))
        elif text in (".", "!", "?"):
            out.append(Atom("NL", s, e, text))
        else:
            out.append(Atom("WORD", s, e, text.lower()))
    return out


def _segments(atoms: list[Atom]) -> list[list[Atom]]:
    segs: list[list[Atom]] = [[]]
    for a in atoms:
        if a.kind == "NL" or (a.kind == "SEP" and a.text in ("|", ";")) or (a.kind == "WORD" and a.text in ("!", "?")):
            if segs[-1]:
                segs.append([])
            continue
        if a.kind == "SEP" and a.text == "." and segs[-1] and segs[-1][-1].kind != "CAND":
            # a full stop after a number/word ends the sentence; "Yang.....4" has "....." not "."
            segs.append([])
            continue
        segs[-1].append(a)
    return [s for s in segs if s]


def _unit_after(seg: list[Atom], j: int) -> str | None:
    if j + 1 < len(seg) and seg[j + 1].kind == "LABEL" and seg[j + 1].key in ("delegates", "sde"):
        if seg[j + 1].start - seg[j].end <= 2:
            return seg[j + 1].key
    return None


def _approx_before(seg: list[Atom], j: int) -> bool:
    return j > 0 and seg[j - 1].kind in ("WORD", "SEP") and seg[j - 1].text in _APPROX


def _cand_list_before(seg: list[Atom], j: int) -> list[Atom]:
    """The run of candidates (joined by , / and &) ending right before index j."""
    out: list[Atom] = []
    i = j - 1
    while i >= 0 and seg[i].kind in ("SEP", "LABEL") and not out:
        i -= 1
    while i >= 0:
        a = seg[i]
        if a.kind == "CAND":
            out.append(a)
            i -= 1
        elif (a.kind in ("SEP", "WORD") and a.text in _LIST_JOIN) and out:
            i -= 1
        else:
            break
    return list(reversed(out))


def _cand_list_after(seg: list[Atom], j: int) -> list[Atom]:
    out: list[Atom] = []
    i = j + 1
    while i < len(seg) and seg[i].kind == "SEP" and seg[i].text in ("(", "[", ":", "-", "–", "—"):
        i += 1
    while i < len(seg):
        a = seg[i]
        if a.kind == "CAND":
            out.append(a)
        elif not ((a.kind in ("SEP", "WORD")) and a.text in _LIST_JOIN):
            break
        i += 1
    return out


def _could_pair(seg: list[Atom], j: int) -> bool:
    """Is atom j a name followed by a number, or a number followed by a name (same slots
    as the pairing below)?"""
    a = seg[j]
    if a.kind == "CAND":
        filler, want, max_gap = _NAME_NUM_FILLER | _APPROX, "NUM", 3
    elif a.kind == "NUM":
        filler, want, max_gap = _NUM_NAME_FILLER, "CAND", 5
    else:
        return False
    k = j + 1
    gap = 0
    if a.kind == "NUM" and _unit_after(seg, j):
        k += 1
    while k < len(seg) and (seg[k].kind == "SEP" or (seg[k].kind == "WORD" and seg[k].text in filler)):
        gap += seg[k].kind == "WORD"
        k += 1
    return k < len(seg) and seg[k].kind == want and gap <= max_gap


def _candidate_runs(seg: list[Atom]) -> list[list[Atom]]:
    """Runs of two or more candidates joined only by separators or list words."""
    runs: list[list[Atom]] = []
    run: list[Atom] = []
    for a in seg:
        if a.kind == "CAND":
            run.append(a)
        elif a.kind in ("SEP",) or (a.kind == "WORD" and a.text in _LIST_JOIN):
            continue
        else:
            if len(run) >= 2:
                runs.append(run)
            run = []
    if len(run) >= 2:
        runs.append(run)
    return runs


def _sequence_order(seg: list[Atom], j: int, before: list[Atom],
                    all_cand_runs: list[list[Atom]]) -> tuple[list[Atom], str]:
    """The candidates the values of sequence j go to, in order, and the rule that found them."""
    a = seg[j]
    k = len(a.values)
    order: list[Atom] = []
    rule = ""
    rest = " ".join(x.text for x in seg[j + 1:j + 4] if x.kind == "WORD")
    if rest.startswith("in that order") or rest.startswith("respectively"):
        skip = j + (4 if rest.startswith("in that order") else 2)
        after = _cand_list_after(seg, skip - 1)
        prior = [r for r in all_cand_runs if r and r[-1].end <= a.start and len(r) == k]
        if len(after) == k:
            order, rule = after, "sequence-in-that-order"
        elif prior:
            order, rule = prior[-1], "sequence-in-that-order"
    if not order and len(before) == k:
        order, rule = before, "sequence-ordered-list"
    if not order:
        after = _cand_list_after(seg, j)
        if len(after) == k:
            order, rule = after, "sequence-ordered-list"
    return order, rule


def _pair_sequences(seg: list[Atom], all_cand_runs: list[list[Atom]], columns: tuple[str, ...],
                    used: set[int]) -> list[Pair]:
    """Pairs from ordered sequences and ``first/final`` columns; adds the paired SEQ indexes to ``used``."""
    pairs: list[Pair] = []
    # Ordered sequences: "3-2-2-2 in that order", "Sanders/Warren/Pete 2/2/2".
    for j, a in enumerate(seg):
        if a.kind != "SEQ" or len(a.values) < 2:
            continue
        before = _cand_list_before(seg, j)
        k = len(a.values)
        if len(before) == 1 and k == 2 and a.sep == "/":
            c = before[0]
            for col, v in zip(columns, a.values):
                pairs.append(Pair(c.key, v, c.start, a.end, a.start, col, "columns", fuzzy=c.fuzzy))
            used.add(j)
            continue
        order, rule = _sequence_order(seg, j, before, all_cand_runs)
        if order and len({c.key for c in order}) == k:
            unit = _unit_after(seg, j)
            for c, v in zip(order, a.values):
                pairs.append(Pair(c.key, v, min(c.start, a.start), max(c.end, a.end), a.start, unit, rule, fuzzy=c.fuzzy))
            used.add(j)
    return pairs


def _pair_each(seg: list[Atom], used: set[int]) -> list[Pair]:
    """Pairs of one number shared by a group ("both have 19", "2 each"); adds the NUM indexes to ``used``."""
    pairs: list[Pair] = []
    # "Klobuchar and Warren both have 19", "2 delegates each".
    for j, a in enumerate(seg):
        if a.kind != "NUM" or j in used:
            continue
        words_after = [x.text for x in seg[j + 1:j + 4] if x.kind in ("WORD", "LABEL")]
        unit = _unit_after(seg, j)
        each = "each" in words_after or "apiece" in words_after
        i = j - 1
        fill: list[str] = []
        while i >= 0 and seg[i].kind in ("WORD", "SEP") and len(fill) < 4 and seg[i].text not in _LIST_JOIN:
            fill.append(seg[i].text)
            i -= 1
        if "both" in fill or "all" in fill:
            each = True
        if not each:
            continue
        group = _cand_list_before(seg, i + 1)
        if len(group) >= 2:
            for c in group:
                pairs.append(Pair(c.key, a.values[0], c.start, a.end, a.start, unit, "each", fuzzy=c.fuzzy))
            used.add(j)
    return pairs


def _orientation(seg: list[Atom]) -> str | None:
    """Whether the segment reads "Name n" ("CAND") or "n Name" ("NUM"); None without either."""
    # Orientation: does the segment read "Name n" or "n Name"? Decided by the first name or
    # number that actually sits next to the other kind: a stray number ahead of the list (a
    # site's "CD2", a room number) must not flip the segment and shift every pair.
    first = next((x for j, x in enumerate(seg) if _could_pair(seg, j)), None)
    if first is None:
        first = next((x for x in seg if x.kind in ("CAND", "NUM")), None)
    return None if first is None else first.kind


def _pair_name_number(seg: list[Atom], used: set[int]) -> list[Pair]:
    """Pairs of a name followed by its number ("Name – n", "Name: n"); adds the NUM indexes to ``used``."""
    pairs: list[Pair] = []
    for j, a in enumerate(seg):
        if a.kind != "CAND":
            continue
        k = j + 1
        gap = 0
        while k < len(seg) and (seg[k].kind == "SEP" or (seg[k].kind == "WORD" and seg[k].text in _NAME_NUM_FILLER)
                                or (seg[k].kind == "WORD" and seg[k].text in _APPROX)):
            gap += seg[k].kind == "WORD"
            k += 1
        if k < len(seg) and seg[k].kind == "NUM" and k not in used and gap <= 3:
            # A second number right after (", 70, 1") makes it a column row we can't read.
            nxt = seg[k + 1:k + 3]
            if len(nxt) == 2 and nxt[0].kind == "SEP" and nxt[0].text == "," and nxt[1].kind == "NUM":
                continue
            used.add(k)
            pairs.append(Pair(a.key, seg[k].values[0], a.start, seg[k].end, seg[k].start, _unit_after(seg, k),
                              "name-number", approx=_approx_before(seg, k), fuzzy=a.fuzzy))
    return pairs


def _pair_number_name(seg: list[Atom], used: set[int]) -> list[Pair]:
    """Pairs of a number followed by its name ("n Name", "n for Name"); adds the NUM indexes to ``used``."""
    pairs: list[Pair] = []
    for j, a in enumerate(seg):
        if a.kind != "NUM" or j in used:
            continue
        k = j + 1
        gap = 0
        unit = _unit_after(seg, j)
        if unit:
            k += 1
        while k < len(seg) and (seg[k].kind == "SEP" or (seg[k].kind == "WORD" and seg[k].text in _NUM_NAME_FILLER)):
            gap += seg[k].kind == "WORD"
            k += 1
        if k < len(seg) and seg[k].kind == "CAND" and gap <= 5:
            c = seg[k]
            used.add(j)
            pairs.append(Pair(c.key, a.values[0], a.start, c.end, a.start, unit, "number-name",
                              approx=_approx_before(seg, j), fuzzy=c.fuzzy))
    return pairs


def pair_counts(atoms: list[Atom], *, columns: tuple[str, ...] = ("first", "final")) -> list[Pair]:
    """Tie numbers to preference groups. Unpaired numbers are dropped, never guessed."""
    pairs: list[Pair] = []
    all_cand_runs: list[list[Atom]] = []
    for seg in _segments(atoms):
        used: set[int] = set()
        # Runs of candidates, for "in that order".
        all_cand_runs.extend(_candidate_runs(seg))
        pairs.extend(_pair_sequences(seg, all_cand_runs, columns, used))
        pairs.extend(_pair_each(seg, used))
        orientation = _orientation(seg)
        if orientation == "CAND":
            pairs.extend(_pair_name_number(seg, used))
        elif orientation == "NUM":
            pairs.extend(_pair_number_name(seg, used))
    return pairs
