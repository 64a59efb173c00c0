"""Renderers for real caucus-night posting formats (``docs/post-formats.md`` in shared/).

Each renderer takes the true numbers of one precinct and a seeded ``random.Random``
and returns a :class:`Rendered`: the text, and the claims that text states (round as
labelled, candidate keys). Pattern numbers in the docstrings refer to post-formats.md.
Names come from the election's aliases and misspellings, so the parser meets the
same variety it meets in the wild: surnames, first names, handles, "Mayor Pete",
"Buttigeig", lower case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from shadowtally.elections import Candidate, Precinct

__all__ = ["PrecinctTrue", "Rendered", "Namer", "RESULT_FORMATS", "MENTION_FORMATS", "precinct_ref"]


@dataclass(frozen=True)
class PrecinctTrue:
    """A precinct's true caucus-night numbers (zeros dropped); delegates are the IDP-implied ones."""

    unit: Precinct
    first: dict[str, int]
    final: dict[str, int]
    delegates: dict[str, int]
    sde: dict[str, float]

    @property
    def key(self) -> tuple[str, str]:
        return self.unit.key


@dataclass(frozen=True)
class Rendered:
    """A rendered text and what it states: round → candidate → number (as labelled).

    ``stated`` uses the round ``unknown`` when the text names none. A flaw in
    :data:`NOT_TALLY_MATERIAL` marks numbers a careful reader quotes but does not tally.
    """

    text: str
    stated: dict[str, dict[str, int | float]] = field(default_factory=dict)
    flaws: tuple[str, ...] = ()
    mixed: dict[str, dict[str, str]] = field(default_factory=dict)


# A viability anecdote ("the Biden folks only had 12 of the 21 they needed") states one
# group's first-alignment count in passing; the hand-labelled real example (IA19) is
# not accepted as a result, so the scenario does not expect it in the tally either.
NOT_TALLY_MATERIAL = frozenset({"anecdote"})


class Namer:
    """Picks how a post names each candidate: one style per post, an occasional misspelling."""

    STYLES = ("surname", "surname", "surname", "first", "full", "handle", "lower")

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self.by_key = {c.key: c for c in candidates}

    def style(self, rng: random.Random) -> str:
        return rng.choice(self.STYLES)

    def name(self, key: str, style: str, rng: random.Random, typo_rate: float = 0.0) -> tuple[str, bool]:
        """The candidate's name in ``style``; second item True when a misspelling was used."""
        c = self.by_key[key]
        if key in ("Other", "Uncommitted"):
            return (key.lower() if style == "lower" else key), False
        typos = [a for a in (*c.aliases, *c.misspellings)
                 if a[0] not in "@#" and a.lower() not in c.name.lower() and " " not in a and a.lower() != a]
        if typo_rate and typos and rng.random() < typo_rate:
            return rng.choice(typos), True
        first, _, surname = c.name.partition(" ")
        handles = [a for a in c.aliases if a.startswith("@")]
        if style == "first":
            return ("Pete" if key == "Buttigieg" else first), False
        if style == "full":
            return c.name, False
        if style == "handle" and handles:
            return handles[0], False
        if style == "lower":
            return surname.lower() or key.lower(), False
        return surname or key, False


def precinct_ref(unit: Precinct, rng: random.Random) -> str:
    """A way people name the precinct; always with the county so it can be resolved."""
    county = unit.county.replace(" Satellite", "")
    forms = [f"{unit.county} County, {unit.name}", f"{unit.name} ({unit.county} Co.)",
             f"{unit.county} {unit.name}", f"{unit.name}, {unit.county} County"]
    if unit.satellite:
        forms = [f"{unit.name} satellite caucus ({unit.county})", f"{county} satellite: {unit.name}"]
    return rng.choice(forms)


def _listing(counts: Mapping[str, int | float], namer: Namer, rng: random.Random, sep: str,
             typo_rate: float = 0.08, fmt: str = "{n} {v}") -> tuple[str, bool]:
    style = namer.style(rng)
    parts, typo = [], False
    for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        n, t = namer.name(k, style, rng, typo_rate)
        typo |= t
        parts.append(fmt.format(n=n, v=v))
    return sep.join(parts), typo


def _top(counts: Mapping[str, int], k: int) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k])


def _flaws(typo: bool, *more: str) -> tuple[str, ...]:
    return (("typo",) if typo else ()) + tuple(more)


Renderer = Callable[[PrecinctTrue, Namer, random.Random], Rendered]


def two_block(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 1: 'First alignment: … / Delegates: …', one block per line (the seed post)."""
    first = {k: p.first[k] for k in p.delegates if k in p.first} or _top(p.first, 3)
    a, t1 = _listing(first, namer, rng, ", ")
    b, t2 = _listing(p.delegates, namer, rng, ", ")
    head = rng.choice(["", f"{precinct_ref(p.unit, rng)}\n", f"Results from {precinct_ref(p.unit, rng)}:\n"])
    return Rendered(f"{head}First Alignment: {a}\nDelegates: {b}", {"first": first, "delegates": dict(p.delegates)},
                    _flaws(t1 or t2))


def two_block_mixed(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered | None:
    """Pattern 1 as really seen: a final-alignment number slipped into the 'first alignment' line."""
    first = {k: p.first[k] for k in p.delegates if k in p.first}
    swappable = [k for k in first if p.final.get(k, 0) != first[k] and p.final.get(k, 0) > 0]
    if not swappable:
        return None
    k = rng.choice(swappable)
    first[k] = p.final[k]
    a, t1 = _listing(first, namer, rng, ", ")
    b, t2 = _listing(p.delegates, namer, rng, ", ")
    return Rendered(f"{precinct_ref(p.unit, rng)}\nFirst Alignment: {a}\nDelegates: {b}",
                    {"first": first, "delegates": dict(p.delegates)}, _flaws(t1 or t2, "mixed_rounds"),
                    {"first": {k: "final"}})


def three_round(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 2: '1st alignment: … | Final: … | Delegates: …'."""
    sep = rng.choice([" | ", "\n", " / "])
    a, t1 = _listing(p.first, namer, rng, ", ")
    b, t2 = _listing(p.final, namer, rng, ", ")
    c, t3 = _listing(p.delegates, namer, rng, ", ")
    text = f"{precinct_ref(p.unit, rng)}{sep}1st alignment: {a}{sep}Final: {b}{sep}Delegates: {c}"
    return Rendered(text, {"first": dict(p.first), "final": dict(p.final), "delegates": dict(p.delegates)},
                    _flaws(t1 or t2 or t3))


def final_dashes(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Final alignment as a dash list: 'Sanders - 116 / Warren - 82' (separators vary)."""
    dash = rng.choice([" - ", " – ", "- ", ": "])
    body, t = _listing(p.final, namer, rng, rng.choice([" / ", "\n", ", "]), fmt="{n}" + dash + "{v}")
    label = rng.choice(["final alignment", "Final vote", "realignment results", "2nd alignment"])
    return Rendered(f"{precinct_ref(p.unit, rng)} {label}: {body} #IACaucus", {"final": dict(p.final)}, _flaws(t))


def sde_official(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """A precinct chair's report with state delegate equivalents in decimals."""
    body, t = _listing(p.sde, namer, rng, ", ", typo_rate=0.0)
    return Rendered(f"Official results {precinct_ref(p.unit, rng)}: SDE {body}. County delegates: "
                    + _listing(p.delegates, namer, rng, ", ", typo_rate=0.0)[0],
                    {"sde": dict(p.sde), "delegates": dict(p.delegates)}, _flaws(t))


def narrative(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 6: '<n> people … <n> of these chose <Cand>, <n> for <Cand> …' (top groups, no round named).

    Rendered from the first alignment, but the text names no round, and the real post of
    this pattern (IA21) carries the *final* alignment of its precinct (Black Hawk WL 5-3:
    Sanders 56, Buttigieg 19, Biden 17), so what it states is round ``unknown``.
    """
    top = _top(p.first, 3)
    names = [namer.name(k, "full", rng)[0] for k in top]
    total = sum(p.first.values())
    parts = [f"{top[k]} of these chose {names[0]}" if i == 0 else f"{top[k]} for {names[i]}" for i, k in enumerate(top)]
    listing = ", ".join(parts[:-1]) + (f", and {parts[-1]}" if len(parts) > 1 else parts[0])
    rest = [k for k in p.first if k not in top and k not in p.final]
    tail = f" {' and '.join(namer.name(k, 'full', rng)[0] for k in rest[:2])} were not viable." if len(rest) >= 2 else ""
    return Rendered(f"{total} people caucused at {precinct_ref(p.unit, rng)}. {listing}.{tail}", {"unknown": top})


def liveblog(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 14: '<h:mm> p.m. <place> precinct:' heading, then prose with final numbers."""
    top = _top(p.final, 4)
    body, t = _listing(top, namer, rng, ", ", fmt="{n} with {v}")
    hour = rng.choice(["8:30", "8:45", "9:10", "9:25", "9:40"])
    return Rendered(f"{hour} p.m. {precinct_ref(p.unit, rng)} precinct: after realignment, {body}.",
                    {"final": top}, _flaws(t))


def handles(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Handles for names (pattern 22 shape) at precinct level, sometimes with lost separators."""
    style = "handle"
    parts = [f"{namer.name(k, style, rng)[0]}: {v}" for k, v in sorted(p.final.items(), key=lambda kv: -kv[1])]
    glue = rng.choice([" ", "", "\n"])
    return Rendered(f"Final numbers at {precinct_ref(p.unit, rng)} {glue.join(parts)} #IowaCaucuses",
                    {"final": dict(p.final)}, ("no_separators",) if glue == "" else ())


def near_miss(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered | None:
    """Pattern 7: 'we had <T> voters … <Cand> folks only had <n> of the <thr> people they needed'."""
    total = sum(p.first.values())
    thr = -(-total * 15 // 100) if p.unit.delegates >= 4 else None
    if thr is None:
        return None
    losers = [k for k, v in p.first.items() if 0 < v < thr]
    if not losers:
        return None
    k = max(losers, key=lambda c: p.first[c])
    name = namer.name(k, rng.choice(["first", "surname"]), rng)[0]
    return Rendered(f"We had {total} voters at {precinct_ref(p.unit, rng)}. The {name} folks only had "
                    f"{p.first[k]} of the {thr} people they needed to become viable.", {"first": {k: p.first[k]}},
                    ("anecdote",))


RESULT_FORMATS: dict[str, tuple[float, Callable[..., Rendered | None]]] = {
    # name: (weight, renderer)
    "two_block": (3.0, two_block),
    "two_block_mixed": (1.0, two_block_mixed),
    "three_round": (3.0, three_round),
    "final_dashes": (3.0, final_dashes),
    "sde_official": (1.5, sde_official),
    "narrative": (1.0, narrative),
    "liveblog": (1.0, liveblog),
    "handles": (0.7, handles),
    "near_miss": (0.5, near_miss),
}


def ranking(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 5: ranking only, no numbers."""
    order = [namer.name(k, "first", rng)[0] for k in _top(p.final, 3)]
    ords = ["1st", "2nd", "3rd"]
    body = ", ".join(f"{n} {o}" for n, o in zip(order, ords))
    return Rendered(f"At {precinct_ref(p.unit, rng)}, {body}. No one else was viable.")


def photo(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 10: worksheet photo with a caption; the numbers are only in the image."""
    tag = "".join(rng.choice("abcdefghijkLMNOPQRS0123456789") for _ in range(10))
    return Rendered(f"{precinct_ref(p.unit, rng)} math sheet, signed and done #IowaCaucus pic.twitter.com/{tag}")


def agenda(p: PrecinctTrue, namer: Namer, rng: random.Random) -> Rendered:
    """Pattern 8: the precinct's delegate count from the agenda (D, not a result)."""
    return Rendered(f"{precinct_ref(p.unit, rng)}: 8. Election of {p.unit.delegates} Delegates and Alternates "
                    "to County Convention.")


MENTION_FORMATS: dict[str, tuple[float, Callable[..., Rendered]]] = {
    "ranking": (1.0, ranking), "photo": (2.0, photo), "agenda": (0.5, agenda),
}
