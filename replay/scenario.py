"""Deterministic caucus-night scenario: a social stream, altered releases, and the truth.

:func:`generate` builds everything from the real 100% precinct results with one
seeded ``random.Random`` (same seed and config → identical scenario). No clock,
network or database: times are fixed scenario times (aware UTC).

The stream (3 Feb 2020, 19:30–23:59 CST): a ``share`` of the precincts post their
numbers in the real formats of :mod:`replay.formats`, from secretaries, chairs,
captains, reporters and bystanders on X, Mastodon and Bluesky; with threads whose
replies carry the numbers, wrong numbers followed by "CORRECTION:", retweets and
cross-posts, photo-only posts, county/state aggregates, predictions and noise.

Discrepancies (the demo's ground truth for precision/recall): the scenario *injects*
errors into the official releases for a seeded set of posted precincts (a mistyped
alignment count, or one county delegate's SDE moved to another group, like the real
IA14 report), from the first release carrying the precinct on; the certified release
fixes about half of them. The real recanvass changes (100% → certified) in posted
precincts are discrepancies too (kind ``recanvass``). :meth:`Scenario.expected` works
out, per release, exactly which (precinct, field) mismatches and which gaps a
perfect pipeline should find, from what the posts state. It compares with the
replay's own rules (:mod:`replay.oracle`), never the reconciler's: the truth the
reconciler is graded against must not move when the reconciler does.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping, Sequence

from shadowtally.settings import DEFAULT_ELECTION
from shadowtally.elections import Election, Precinct, ReleaseRow, load_election, load_release
from shadowtally.replay.formats import MENTION_FORMATS, NOT_TALLY_MATERIAL, RESULT_FORMATS, Namer, PrecinctTrue, Rendered, precinct_ref
from shadowtally.replay.oracle import field_discrepancy, official_numbers
from shadowtally.replay.truth import AuthorInfo, Discrepancy, ExpectedRecon, GeneratedPost, PostTruth, TruthClaim

__all__ = ["Injection", "Scenario", "ScenarioConfig", "generate", "to_jsonl", "POST_START", "POST_END", "PLATFORMS",
           "PLATFORM_WEIGHTS", "OUTLETS", "CAPTAIN_NAMES", "truth_of", "unit_slug"]

POST_START = datetime(2020, 2, 4, 1, 30, tzinfo=timezone.utc)   # 19:30 CST
POST_END = datetime(2020, 2, 4, 5, 59, tzinfo=timezone.utc)     # 23:59 CST
PLATFORMS = ("x", "mastodon", "bluesky")
PLATFORM_WEIGHTS = (0.6, 0.2, 0.2)
_ROLE_WEIGHTS = {"secretary": 0.3, "chair": 0.15, "captain": 0.25, "reporter": 0.2, "other": 0.1}
OUTLETS = ("dmregister", "kcci", "iowapublicradio", "thegazette", "wcfcourier", "presscitizen", "qctimes",
           "ktiv", "whotv", "siouxcityjournal", "dailyiowan", "amestrib", "globegazette", "kwwl")
CAPTAIN_NAMES = ("Bernie", "Pete", "Warren", "Biden", "Amy", "Yang")  # "@Pete4<unit>": a captain's handle


@dataclass(frozen=True)
class ScenarioConfig:
    """Knobs of the generator; every rate is a probability per posted precinct."""

    seed: int = 2020
    share: float = 0.6
    discrepancy_rate: float = 0.05
    certified_fix_rate: float = 0.5
    second_source_rate: float = 0.3
    thread_rate: float = 0.1
    correction_rate: float = 0.06
    repost_rate: float = 0.1
    crosspost_rate: float = 0.08
    photo_rate: float = 0.08
    mention_rate: float = 0.05
    photo_only_share: float = 0.03
    aggregates: int = 12
    predictions: int = 8
    noise: int = 40


@dataclass(frozen=True)
class Injection:
    """An error written into the official rows of one precinct: field → candidate → new value."""

    county: str
    precinct: str
    field: str
    changes: Mapping[str, int | float]
    description: str
    fixed_in_certified: bool


@dataclass(frozen=True)
class Scenario:
    """A generated caucus night: posts with truth, authors, injected errors, release schedule."""

    config: ScenarioConfig
    election: str
    posts: tuple[GeneratedPost, ...]
    authors: tuple[AuthorInfo, ...]
    posted: Mapping[tuple[str, str], Mapping[str, Mapping[str, int | float]]]
    injections: tuple[Injection, ...]
    schedule: tuple[tuple[str, datetime], ...]
    _releases: dict[str, list[ReleaseRow]] = field(default_factory=dict, repr=False, compare=False)

    def release_rows(self, label: str) -> list[ReleaseRow]:
        """The official rows of release ``label`` as the scenario serves them (injections applied)."""
        if label not in self._releases:
            by_key = {(i.county, i.precinct): i for i in self.injections}
            rows = []
            for row in load_release(self.election, label):
                inj = by_key.get((row.county, row.precinct))
                if inj is not None and not (label == "certified" and inj.fixed_in_certified):
                    row = _apply(row, inj)
                rows.append(row)
            self._releases[label] = rows
        return list(self._releases[label])

    def expected(self, label: str) -> ExpectedRecon:
        """What reconciling the truly posted numbers with release ``label`` must find.

        Compared by :func:`replay.oracle.field_discrepancy` (the replay's own rules, not
        the reconciler's): counts exactly, SDE within the oracle's rounding tolerance,
        delegates implied from the release's SDE.
        """
        election = load_election(self.election)
        rows = {(r.county, r.precinct): r for r in self.release_rows(label)}
        injected = {(i.county, i.precinct) for i in self.injections
                    if not (label == "certified" and i.fixed_in_certified)}
        gaps: set[tuple[str, str]] = set()
        found: list[Discrepancy] = []
        for key, rounds in sorted(self.posted.items()):
            row = rows.get(key)
            if row is None:
                gaps.add(key)
                continue
            unit = election.precinct(*key)
            for rnd, stated in rounds.items():
                diff = field_discrepancy(rnd, stated, official_numbers(row, rnd, unit.sde_ratio if unit else None))
                if diff:
                    kind = "injected" if key in injected else "recanvass"
                    found.append(Discrepancy(label, key[0], key[1], rnd, kind, diff))
        return ExpectedRecon(label, frozenset((d.county, d.precinct, d.field) for d in found),
                             frozenset(gaps), tuple(found))

    def to_jsonl(self) -> str:
        """The posts as JSON lines in the ``shadowtally parse`` input shape."""
        return to_jsonl(self.posts)


def to_jsonl(posts: Iterable[GeneratedPost]) -> str:
    """One JSON object per line: id, text, author, created_at, in_reply_to, platform, url."""
    return "".join(json.dumps(p.as_input(), ensure_ascii=False) + "\n" for p in posts)


def _apply(row: ReleaseRow, inj: Injection) -> ReleaseRow:
    values = dict(getattr(row, inj.field))
    values.update(inj.changes)
    return replace(row, **{inj.field: values})


def _nz(d: Mapping[str, int | float]) -> dict[str, int | float]:
    return {k: v for k, v in d.items() if v}


class _Builder:
    """Mutable state while generating: ids, authors, posts, truth. Used once by :func:`generate`."""

    def __init__(self, election: Election, config: ScenarioConfig) -> None:
        self.e = election
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.namer = Namer(election.candidates)
        self.posts: list[GeneratedPost] = []
        self.authors: dict[tuple[str, str], AuthorInfo] = {}
        self._units_of: dict[str, set[tuple[str | None, str | None]]] = {}  # handle -> units, any platform
        self.posted: dict[tuple[str, str], dict[str, dict[str, int | float]]] = {}
        self.n = 0

    # -- ids, authors, posts ------------------------------------------------------------
    def _new_id(self, platform: str) -> tuple[str, str]:
        self.n += 1
        if platform == "x":
            return str(1224500000000000000 + self.n * 7919), "x"
        if platform == "mastodon":
            return str(103610000000000000 + self.n * 613), "mastodon"
        alphabet = "234567abcdefghijklmnopqrstuvwxyz"
        n, rkey = 3_000_000_000 + self.n * 7919, ""
        while n:
            n, r = divmod(n, 32)
            rkey = alphabet[r] + rkey
        return "3k" + rkey, "bluesky"

    @staticmethod
    def _url(platform: str, handle: str, pid: str) -> str:
        h = handle.lstrip("@")
        if platform == "x":
            return f"https://x.com/{h}/status/{pid}"
        if platform == "mastodon":
            return f"https://mastodon.social/@{h}/{pid}"
        return f"https://bsky.app/profile/{h}.bsky.social/post/{pid}"

    def author(self, handle: str, platform: str, role: str, registered: bool,
               unit: Precinct | None = None) -> AuthorInfo:
        key = (handle, platform)
        if key not in self.authors:
            a = AuthorInfo(handle, platform, role, registered, unit.county if unit else None, unit.name if unit else None)
            self.authors[key] = a
            self._units_of.setdefault(handle, set()).add((a.county, a.precinct))
        return self.authors[key]

    def emit(self, a: AuthorInfo, text: str, at: datetime, truth: PostTruth,
             in_reply_to: str | None = None) -> GeneratedPost:
        pid, platform = self._new_id(a.platform)
        at = min(max(at, POST_START), POST_END)
        post = GeneratedPost(pid, platform, a.handle, text, at, self._url(platform, a.handle, pid), in_reply_to, truth)
        self.posts.append(post)
        return post

    def pick_platform(self) -> str:
        return self.rng.choices(PLATFORMS, PLATFORM_WEIGHTS)[0]

    def poster(self, unit: Precinct, role: str | None = None) -> AuthorInfo:
        rng = self.rng
        role = role or rng.choices(list(_ROLE_WEIGHTS), list(_ROLE_WEIGHTS.values()))[0]
        slug = unit_slug(unit)
        if role in ("secretary", "chair"):
            handle, registered = f"@{slug}_{role[:3]}", rng.random() < 0.6
        elif role == "captain":
            cand = rng.choice(CAPTAIN_NAMES)
            handle, registered = f"@{cand}4{slug}", False
        elif role == "reporter":
            handle, registered = f"@{rng.choice(OUTLETS)}_{rng.choice('abcdefghjkmnpr')}{rng.randint(1, 9)}", rng.random() < 0.3
        else:
            handle, registered = f"@iowan{rng.randint(100, 99999)}", False
        platform = self.pick_platform()
        if role in ("secretary", "chair"):
            # One account per precinct officer: never reuse a handle another precinct owns,
            # on any platform (a registry maps a handle to one precinct, whatever the platform).
            base, n = handle, 1
            while self._units_of.get(handle, set()) - {unit.key, (None, None)}:
                n += 1
                handle = f"{base}{n}"
            return self.author(handle, platform, role, registered, unit)
        return self.author(handle, platform, role, registered)

    # -- truth -------------------------------------------------------------------------
    def record(self, p: PrecinctTrue, r: Rendered) -> tuple[TruthClaim, ...]:
        """Claims as the text states them; the posted truth keeps only true numbers."""
        claims = tuple(TruthClaim(p.unit.county, p.unit.name, rnd, dict(c)) for rnd, c in r.stated.items())
        truths = {"first": p.first, "final": p.final, "delegates": p.delegates, "sde": p.sde}
        if NOT_TALLY_MATERIAL & set(r.flaws):
            return claims
        for rnd, counts in r.stated.items():
            if rnd not in truths:
                continue  # no round named: the numbers cannot be placed in the tally
            true = {k: truths[rnd][k] for k in counts if k in truths[rnd]}
            # mixed numbers are not true for their labelled round: keep the others only
            for k in r.mixed.get(rnd, {}):
                true.pop(k, None)
            if true:
                self.posted.setdefault(p.key, {}).setdefault(rnd, {}).update(true)
        return claims

    # -- one precinct --------------------------------------------------------------------
    def render(self, p: PrecinctTrue, exclude: Sequence[str] = ()) -> Rendered:
        names = [n for n in RESULT_FORMATS if n not in exclude]
        weights = [RESULT_FORMATS[n][0] for n in names]
        for _ in range(20):
            out = RESULT_FORMATS[self.rng.choices(names, weights)[0]][1](p, self.namer, self.rng)
            if out is not None:
                return out
        return RESULT_FORMATS["final_dashes"][1](p, self.namer, self.rng)

    def precinct(self, p: PrecinctTrue) -> None:
        rng, cfg = self.rng, self.cfg
        ready = POST_START + timedelta(minutes=rng.uniform(40, 235))
        a = self.poster(p.unit)
        if rng.random() < cfg.thread_rate:
            self.thread(p, a, ready)
        elif rng.random() < cfg.correction_rate:
            self.correction(p, a, ready)
        else:
            r = self.render(p)
            if p.unit.name not in r.text and not a.registered:
                # Only a registered secretary/chair may post bare numbers (the source
                # registry knows their precinct); anybody else has to say where.
                r = replace(r, text=f"{precinct_ref(p.unit, rng)}: {r.text}")
            post = self.emit(a, r.text, ready, PostTruth("result", p.unit.county, p.unit.name, self.record(p, r),
                                                         r.flaws, mixed=r.mixed))
            self.echoes(post, a)
        if rng.random() < cfg.second_source_rate:
            b = self.poster(p.unit)
            r = self.render(p, exclude=("two_block_mixed",))
            if p.unit.name not in r.text and not b.registered:
                r = replace(r, text=f"{precinct_ref(p.unit, rng)}: {r.text}")
            post = self.emit(b, r.text, ready + timedelta(minutes=rng.uniform(2, 50)),
                             PostTruth("result", p.unit.county, p.unit.name, self.record(p, r), r.flaws, mixed=r.mixed))
            self.echoes(post, b)
        if rng.random() < cfg.photo_rate:
            self.mention(p, "photo", ready - timedelta(minutes=rng.uniform(0, 10)))
        if rng.random() < cfg.mention_rate:
            self.mention(p, rng.choice(["ranking", "agenda"]), ready - timedelta(minutes=rng.uniform(10, 60)))

    def mention(self, p: PrecinctTrue, fmt: str, at: datetime) -> None:
        r = MENTION_FORMATS[fmt][1](p, self.namer, self.rng)
        kind = "photo" if fmt == "photo" else "mention"
        self.emit(self.poster(p.unit), r.text, at, PostTruth(kind, p.unit.county, p.unit.name, flaws=(fmt,)))

    def echoes(self, post: GeneratedPost, a: AuthorInfo) -> None:
        """Retweets by bystanders and the author's own cross-post: same claims, not independent."""
        rng = self.rng
        if rng.random() < self.cfg.repost_rate:
            rt = self.author(f"@iowan{rng.randint(100, 99999)}", "x", "other", False)
            text = f"RT {post.author}: {post.text}"
            self.emit(rt, text, post.created_at + timedelta(minutes=rng.uniform(1, 30)),
                      replace(post.truth, repost_of=post.id, flaws=(*post.truth.flaws, "retweet")))
        if rng.random() < self.cfg.crosspost_rate:
            other = self.author(a.handle, rng.choice([p for p in PLATFORMS if p != a.platform]), a.role,
                                a.registered, None)
            self.emit(other, post.text, post.created_at + timedelta(minutes=rng.uniform(0, 3)),
                      replace(post.truth, repost_of=post.id, flaws=(*post.truth.flaws, "crosspost")))

    def thread(self, p: PrecinctTrue, a: AuthorInfo, at: datetime) -> None:
        """A head post naming the precinct; replies carry the numbers without naming it."""
        head = self.emit(a, f"Results from {precinct_ref(p.unit, self.rng)} #IACaucus 🧵", at,
                         PostTruth("mention", p.unit.county, p.unit.name, flaws=("thread_head",)))
        parent = head.id
        for i, (rnd, label) in enumerate((("first", "1st alignment"), ("final", "Final alignment"),
                                          ("delegates", "Delegates"))):
            counts = {"first": p.first, "final": p.final, "delegates": p.delegates}[rnd]
            style = self.namer.style(self.rng)
            body = ", ".join(f"{self.namer.name(k, style, self.rng)[0]} {v}"
                             for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            r = Rendered(f"{i + 1}/3 {label}: {body}", {rnd: dict(counts)})
            reply = self.emit(a, r.text, at + timedelta(minutes=i + 1),
                              PostTruth("result", p.unit.county, p.unit.name, self.record(p, r), ("thread_reply",)),
                              in_reply_to=parent)
            parent = reply.id

    def correction(self, p: PrecinctTrue, a: AuthorInfo, at: datetime) -> None:
        """A wrong number (typed digits swapped or off by ten), then 'CORRECTION:' from the same author."""
        rng = self.rng
        rnd = rng.choice(["final", "first"])
        true = p.final if rnd == "final" else p.first
        k = max(true, key=lambda c: (true[c], c))
        v = true[k]
        wrong_v = int(str(v)[::-1]) if v >= 10 and str(v)[::-1] != str(v) and str(v)[-1] != "0" else v + 10
        wrong = dict(true, **{k: wrong_v})
        label = "Final alignment" if rnd == "final" else "First alignment"
        body = lambda counts: ", ".join(f"{self.namer.name(c, 'surname', rng)[0]} {n}"  # noqa: E731
                                        for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        bad = self.emit(a, f"{precinct_ref(p.unit, rng)} {label}: {body(wrong)}", at,
                        PostTruth("result", p.unit.county, p.unit.name,
                                  (TruthClaim(p.unit.county, p.unit.name, rnd, wrong),), ("wrong_number",)))
        r = Rendered(f"CORRECTION: {precinct_ref(p.unit, rng)} {label.lower()} should read {body(true)}",
                     {rnd: dict(true)})
        self.emit(a, r.text, at + timedelta(minutes=rng.uniform(4, 40)),
                  PostTruth("result", p.unit.county, p.unit.name, self.record(p, r), ("correction",), corrects=bad.id))

    # -- the rest of the stream ----------------------------------------------------------
    def aggregates(self, rows: Sequence[ReleaseRow]) -> None:
        rng = self.rng
        cands = ("Sanders", "Buttigieg", "Warren", "Biden", "Klobuchar")
        for _ in range(self.cfg.aggregates):
            at = POST_START + timedelta(minutes=rng.uniform(60, 265))
            share = rng.choice([8, 12, 20, 25, 33, 40])
            sample = rng.sample(list(rows), max(1, len(rows) * share // 100))
            kind = rng.choice(["sde_pct", "popular", "county"])
            if kind == "county":
                county = rng.choice(sorted({r.county for r in rows if "Satellite" not in r.county}))
                crows = [r for r in rows if r.county == county]
                lines = [f"{self.namer.by_key[c].name} -- {sum(r.first[c] for r in crows)}, "
                         f"{sum(r.final[c] for r in crows)}, {round(sum(r.sde[c] for r in crows))}" for c in cands]
                text = f"{county.upper()}* / Democrats, first vote, final vote, delegates / " + " / ".join(lines)
            elif kind == "popular":
                tot = {c: sum(r.final[c] for r in sample) for c in cands}
                text = f"POPULAR VOTE with {share}% " + " ".join(f"{c} {v:,}" for c, v in sorted(tot.items(), key=lambda kv: -kv[1]))
            else:
                tot = {c: sum(r.sde[c] for r in sample) for c in cands}
                s = sum(tot.values()) or 1.0
                text = f"Statewide with {share}% reporting: " + " ".join(
                    f"{c} {100 * v / s:.1f}%" for c, v in sorted(tot.items(), key=lambda kv: -kv[1]))
            a = self.author(f"@{rng.choice(OUTLETS)}_desk", self.pick_platform(), "reporter", False)
            self.emit(a, text, at, PostTruth("aggregate", flaws=(kind,)))

    def predictions(self, units: Sequence[Precinct]) -> None:
        rng = self.rng
        for i in range(self.cfg.predictions):
            at = POST_START + timedelta(minutes=rng.uniform(0, 30))
            nums = sorted(rng.sample(range(8, 35), 4), reverse=True)
            names = ["Sanders", "Biden", "Pete", "Warren"]
            rng.shuffle(names)
            if i % 2:
                text = " / ".join(f"{n}- {v}" for n, v in zip(names, nums))
            else:
                unit = rng.choice(list(units))
                text = (f"My prediction for {precinct_ref(unit, rng)} tonight: "
                        + ", ".join(f"{n} {v * 4}" for n, v in zip(names, nums)))
            a = self.author(f"@iowan{rng.randint(100, 99999)}", self.pick_platform(), "other", False)
            self.emit(a, text, at, PostTruth("prediction"))

    def noise(self, units: Sequence[Precinct]) -> None:
        rng = self.rng
        texts = [
            "On hold with the IDP hotline for over an hour now, still can't phone in our results #iacaucus",
            "The app won't let me log in. Precinct chairs, anyone else? #IowaCaucus",
            "Doors are closed! Head count happening now at {P}",
            "Huge turnout at {P}, line out the door",
            "Remember: if your group isn't viable you can realign. Next largest fraction gets the extra delegate.",
            "Coin toss ends delegate tie at {P}! #IowaCaucuses",
            "Still no results from the party. What is going on? #IowaCaucus",
            "{P} is packed, 3 times the 2016 turnout",
        ]
        for _ in range(self.cfg.noise):
            at = POST_START + timedelta(minutes=rng.uniform(0, 269))
            text = rng.choice(texts)
            unit = rng.choice(list(units))
            truth = PostTruth("noise")
            if "{P}" in text:
                text = text.format(P=precinct_ref(unit, rng))
                truth = PostTruth("noise", unit.county, unit.name)
            a = self.author(f"@iowan{rng.randint(100, 99999)}", self.pick_platform(), "other", False)
            self.emit(a, text, at, truth)

    def injections(self) -> tuple[Injection, ...]:
        """Errors written into the releases for a seeded set of posted precincts (on fields the posts state)."""
        rng = self.rng
        keys = sorted(self.posted)
        chosen = rng.sample(keys, round(len(keys) * self.cfg.discrepancy_rate))
        out = []
        for key in chosen:
            rounds = self.posted[key]
            unit = self.e.precinct(*key)
            assert unit is not None
            options = [r for r in ("first", "final") if r in rounds]
            movable = rounds.get("delegates") or {}
            if len(movable) >= 2 or "sde" in rounds:
                options.append("sde")
            rnd = rng.choice(options) if options else None
            fixed = rng.random() < self.cfg.certified_fix_rate
            if rnd in ("first", "final"):
                k = rng.choice(sorted(rounds[rnd]))
                v = int(rounds[rnd][k])
                new = v + rng.choice([-10, -2, -1, 1, 2, 10]) if v > 10 else v + rng.choice([1, 2, 10])
                out.append(Injection(*key, rnd, {k: new}, f"{rnd} {k} {v} → {new}", fixed))
            elif rnd == "sde":
                groups = rounds.get("delegates") or {k: round(v / unit.sde_ratio) for k, v in rounds["sde"].items()}
                givers = sorted(k for k, v in groups.items() if v >= 1)
                takers = sorted(groups)
                if len(takers) < 2:
                    continue
                g = rng.choice(givers)
                t = rng.choice([k for k in takers if k != g])
                sde_g = round((groups[g] - 1) * unit.sde_ratio, 4)
                sde_t = round((groups[t] + 1) * unit.sde_ratio, 4)
                out.append(Injection(*key, "sde", {g: sde_g, t: sde_t},
                                     f"one delegate's SDE moved from {g} to {t}", fixed))
        return tuple(out)


def unit_slug(unit: Precinct) -> str:
    """The unit's part of a generated handle ("@storyames11_sec"): county and code, 14 characters."""
    return "".join(ch for ch in f"{unit.county}{unit.code or unit.name}" if ch.isalnum()).lower()[:14]


def truth_of(row: ReleaseRow, unit: Precinct) -> PrecinctTrue:
    """A unit's true numbers from a release row (zeros dropped; delegates implied from SDE)."""
    sde = _nz(row.sde)
    delegates = {k: round(v / unit.sde_ratio) for k, v in sde.items()} if unit.sde_ratio else {}
    return PrecinctTrue(unit, _nz(row.first), _nz(row.final), {k: v for k, v in delegates.items() if v}, sde)


def generate(config: ScenarioConfig = ScenarioConfig(), *, election: str = DEFAULT_ELECTION,
             truth_release: str = "100pct") -> Scenario:
    """Generate the scenario for ``election`` from its ``truth_release`` numbers. Deterministic in ``config``."""
    e = load_election(election)
    rows = load_release(election, truth_release)
    b = _Builder(e, config)
    truths = []
    for row in rows:
        unit = e.precinct(row.county, row.precinct)
        # A unit needs alignments and delegates to post (empty satellites, the all-zero
        # DES MOINES-80 first alignment and zero-ratio units have nothing to say).
        if unit is None or unit.sde_ratio <= 0 or not any(row.first.values()) or not any(row.final.values()):
            continue
        t = truth_of(row, unit)
        if t.delegates:
            truths.append(t)
    chosen = b.rng.sample(truths, round(len(truths) * config.share))
    for t in sorted(chosen, key=lambda t: t.key):
        b.precinct(t)
    rest = [t for t in truths if t.key not in {c.key for c in chosen}]
    for t in b.rng.sample(rest, round(len(rest) * config.photo_only_share)):
        b.mention(t, "photo", POST_START + timedelta(minutes=b.rng.uniform(40, 260)))
    units = [t.unit for t in truths]
    b.aggregates(rows)
    b.predictions(units)
    b.noise(units)
    injections = b.injections()
    posts = tuple(sorted(b.posts, key=lambda p: (p.created_at, p.id)))
    return Scenario(
        config=config, election=election, posts=posts,
        authors=tuple(sorted(b.authors.values(), key=lambda a: (a.handle, a.platform))),
        posted={k: {r: dict(c) for r, c in v.items()} for k, v in sorted(b.posted.items())},
        injections=injections, schedule=tuple((r.label, r.published_at) for r in e.releases),
    )

