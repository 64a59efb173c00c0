"""Election definitions bundled with ShadowTally: pure data, no database or network.

An election is a set of reporting units (precincts and satellites), preference groups
with their aliases, and the official releases kept for tests and replay. Everything
here is read from ``elections/data/<slug>/``, which ``scripts/build_election_data.py``
rebuilds from the project's shared data.

    >>> e = load_election("iowa-2020")
    >>> len(e.precincts)
    1765
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Iterator

__all__ = [
    "Candidate", "Election", "Precinct", "ReleaseInfo", "ReleaseRow", "UnitNaming",
    "UnknownElection", "UnknownRelease", "available_elections", "load_election", "SDE_PLACES",
    "load_release", "ROUNDS",
]

# Every round any election may report, in reporting order: the one place they are spelled.
# An election lists the ones it has (``Election.rounds``): Iowa 2020's caucuses have all
# four; a one-round preference vote (Iowa's 2024 Republican caucuses) has only "first".
ROUNDS = ("first", "final", "delegates", "sde")
SDE_PLACES = 4  # the IDP published SDE to four decimal places


class UnknownElection(LookupError):
    """No bundled election has this slug."""


class UnknownRelease(LookupError):
    """The election has no bundled release with this label."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A preference group keyed by its official surname key (``Buttigieg``, ``Other``)."""

    key: str
    name: str
    aliases: tuple[str, ...]
    misspellings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Precinct:
    """A reporting unit: a precinct or a satellite caucus.

    ``delegates`` is the number of county delegates the unit elects; ``sde`` is its
    state delegate equivalents (``delegates * sde_ratio``). For satellites the
    delegates follow the attendance bands, so they are those of the 2020 result.
    """

    county: str
    name: str
    code: str
    idp_id: int | None
    district: str
    satellite: bool
    delegates: int
    sde: float
    sde_ratio: float

    @property
    def key(self) -> tuple[str, str]:
        return (self.county, self.name)


@dataclass(frozen=True)
class UnitNaming:
    """How a state's people write its reporting units, beyond the official names.

    ``filler_words`` are dropped when matching names ("Iowa", "IA" in "Ames 1-1, Iowa"),
    unless followed by the word ``filler_kept_before`` gives ("Iowa City" keeps its
    "Iowa": without it "IOWA CITY 01" read as ``city 1`` and "Story City 1" resolved to
    Iowa City). ``expansions`` spell out a short form that starts unit names ("WDM" is
    West Des Moines). ``satellite_district`` names the pseudo-county of a district's
    satellite caucuses, ``{n}`` standing for the district number, and ``district_prefix``
    is how posts write that district ("CD2 satellite")."""

    filler_words: frozenset[str] = frozenset()
    filler_kept_before: dict[str, str] = field(default_factory=dict)
    expansions: dict[str, str] = field(default_factory=dict)
    satellite_district: str = ""
    district_prefix: str = ""

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "UnitNaming":
        return cls(frozenset(str(w).lower() for w in data.get("filler_words", ())),  # type: ignore[attr-defined]
                   {str(k).lower(): str(v).lower() for k, v in dict(data.get("filler_kept_before", {})).items()},  # type: ignore[call-overload]
                   {str(k).lower(): str(v).lower() for k, v in dict(data.get("expansions", {})).items()},  # type: ignore[call-overload]
                   str(data.get("satellite_district", "")), str(data.get("district_prefix", "")))


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """One official release: label (``62pct`` … ``certified``) and publication time (UTC)."""

    label: str
    published_at: datetime
    time_approximate: bool
    precincts: int
    note: str


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One unit's published numbers in a release, keyed by candidate surname key."""

    county: str
    precinct: str
    first: dict[str, int]
    final: dict[str, int]
    sde: dict[str, float]


@dataclass(frozen=True)
class Election:
    """A whole election definition. Build it with :func:`load_election`."""

    slug: str
    name: str
    date: date
    rule_pack: str
    timezone: str
    candidates: tuple[Candidate, ...]
    precincts: tuple[Precinct, ...]
    county_apportionment: dict[str, int]
    releases: tuple[ReleaseInfo, ...]
    rounds: tuple[str, ...] = ROUNDS
    round_labels: dict[str, str] = field(default_factory=dict)
    home_state: str = ""
    party: str = "Democratic"
    naming: UnitNaming = field(default_factory=UnitNaming)
    # How a weighted round derives from delegates: "county_ratio" (Iowa 2020: a group's SDE
    # is its county delegates x the county's SDE ratio, to 4 places), or "" for none.
    sde_rule: str = ""
    _by_key: dict[tuple[str, str], Precinct] = field(default_factory=dict, repr=False, compare=False)

    _aliases: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.rounds) - set(ROUNDS)
        if unknown or not self.rounds:
            raise ValueError(f"{self.slug}: rounds must be a non-empty subset of {ROUNDS} (got {self.rounds})")
        self._by_key.update({p.key: p for p in self.precincts})
        for c in self.candidates:
            for alias in (c.key, c.name, *c.aliases, *c.misspellings):
                owner = self._aliases.setdefault(alias.casefold(), c.key)
                if owner != c.key:
                    raise ValueError(f"alias {alias!r} names both {owner} and {c.key}")

    @property
    def single_round(self) -> str | None:
        """The one round a one-round election reports (a straw poll), else None."""
        return self.rounds[0] if len(self.rounds) == 1 else None

    def round_label(self, round_: str) -> str:
        """How this election names a round ("first alignment", "preference vote")."""
        return self.round_labels.get(round_, round_)

    def sde_from_delegates(self, unit: Precinct, delegates: dict[str, int]) -> dict[str, float] | None:
        """The SDE that ``delegates`` are worth in ``unit``, or None where the election has no such rule.

        >>> e = load_election("iowa-2020")
        >>> e.sde_from_delegates(e.precinct("Adair", "1NW ADAIR"), {"Warren": 2})
        {'Warren': 0.1569}
        """
        if self.sde_rule != "county_ratio" or unit.sde_ratio <= 0:
            return None
        return {k: round(int(v) * unit.sde_ratio, SDE_PLACES) for k, v in delegates.items()}

    def delegates_from_sde(self, unit: Precinct, sde: dict[str, float]) -> dict[str, int] | None:
        """The county delegates published SDE imply (the IDP's round(SDE / ratio)); zeros left out."""
        if self.sde_rule != "county_ratio" or unit.sde_ratio <= 0:
            return None
        return {k: d for k, v in sde.items() if (d := round(float(v) / unit.sde_ratio))}

    def candidate_for(self, alias: str) -> str | None:
        """The candidate key an exact alias names (any case), or None. Fuzzy matching is the parser's."""
        return self._aliases.get(alias.strip().casefold())

    @property
    def candidate_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.candidates)

    @property
    def counties(self) -> tuple[str, ...]:
        return tuple(sorted({p.county for p in self.precincts}))

    def precinct(self, county: str, name: str) -> Precinct | None:
        """The unit with exactly this official county and name, or None."""
        return self._by_key.get((county, name))

    def release_info(self, label: str) -> ReleaseInfo:
        for r in self.releases:
            if r.label == label:
                return r
        raise UnknownRelease(f"no release {label!r} for {self.slug}; known: {', '.join(r.label for r in self.releases)}")


def _data(slug: str) -> resources.abc.Traversable:
    return resources.files(__name__) / "data" / slug


def available_elections() -> list[str]:
    """Slugs of every bundled election."""
    root = resources.files(__name__) / "data"
    return sorted(p.name for p in root.iterdir() if (p / "election.json").is_file())


def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip() else None


@lru_cache(maxsize=8)
def load_election(slug: str) -> Election:
    """Load a bundled election by slug (``iowa-2020``). Raises :class:`UnknownElection`."""
    if slug not in available_elections():
        raise UnknownElection(f"unknown election {slug!r}; bundled: {', '.join(available_elections())}")
    root = _data(slug)
    meta = json.loads((root / "election.json").read_text(encoding="utf-8"))
    candidates = tuple(
        Candidate(c["key"], c["name"], tuple(c["aliases"]), tuple(c["misspellings"])) for c in meta["candidates"]
    )
    with (root / "precincts.csv").open("r", encoding="utf-8", newline="") as fh:
        precincts = tuple(
            Precinct(
                county=r["county"], name=r["precinct"], code=r["code"], idp_id=_int_or_none(r["idp_id"]),
                district=r["district"], satellite=r["satellite"] == "1",
                delegates=int(r["delegates"]), sde=float(r["sde"]), sde_ratio=float(r["sde_ratio"]),
            )
            for r in csv.DictReader(fh)
        )
    with (root / "county_apportionment.csv").open("r", encoding="utf-8", newline="") as fh:
        apportionment = {r["county"]: int(r["county_delegates"]) for r in csv.DictReader(fh)}
    index = json.loads((root / "releases" / "index.json").read_text(encoding="utf-8"))
    releases = tuple(
        ReleaseInfo(r["label"], datetime.fromisoformat(r["published_at"].replace("Z", "+00:00")),
                    r["time_approximate"], r["precincts"], r["note"])
        for r in index
    )
    return Election(
        slug=meta["slug"], name=meta["name"], date=date.fromisoformat(meta["date"]), rule_pack=meta["rule_pack"],
        timezone=meta["timezone"], candidates=candidates, precincts=precincts,
        county_apportionment=apportionment, releases=releases,
        rounds=tuple(meta.get("rounds", ROUNDS)), round_labels=dict(meta.get("round_labels", {})),
        home_state=str(meta.get("home_state", "")), party=str(meta.get("party", "Democratic")),
        naming=UnitNaming.from_json(meta.get("naming", {})), sde_rule=str(meta.get("sde_rule", "")),
    )


def iter_release_csv(text: str, candidates: tuple[str, ...]) -> Iterator[ReleaseRow]:
    """Parse the compact release layout: county, precinct, then first, final and SDE columns.

    A measure the election does not report has no columns, and reads as empty."""
    reader = csv.DictReader(io.StringIO(text))
    present = {m for m in ("first", "final", "sde") if f"{candidates[0]}_{m}" in (reader.fieldnames or ())}
    for r in reader:
        yield ReleaseRow(
            county=r["county"], precinct=r["precinct"],
            first={c: int(r[f"{c}_first"]) for c in candidates} if "first" in present else {},
            final={c: int(r[f"{c}_final"]) for c in candidates} if "final" in present else {},
            sde={c: float(r[f"{c}_sde"]) for c in candidates} if "sde" in present else {},
        )


@lru_cache(maxsize=16)
def _release_text(slug: str, label: str) -> str:
    path = _data(slug) / "releases" / f"{label}.csv.gz"
    if not path.is_file():
        raise UnknownRelease(f"no bundled release {label!r} for {slug}")
    return gzip.decompress(path.read_bytes()).decode("utf-8")


def load_release(slug: str, label: str) -> list[ReleaseRow]:
    """Every row of a bundled release, in the election's unit order."""
    election = load_election(slug)
    election.release_info(label)
    return list(iter_release_csv(_release_text(slug, label), election.candidate_keys))
