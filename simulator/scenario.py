"""A timed caucus-night scenario: who posts what, where and when, and when releases land.

Times are seconds after the scenario's start. A :class:`SimClock` maps wall time to
scenario time at a chosen speed (``speed=60``: one real second is one scenario minute),
or can be set by hand, so tests and the replay demo see the same story.
"""

from __future__ import annotations

from shadowtally.settings import DEFAULT_ELECTION
import random
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable

import shadowtally.elections as defs
START = datetime(2020, 2, 4, 1, 0, tzinfo=timezone.utc)  # 7 pm CST, Mon 3 Feb: doors close
FIRST_ID = 1_224_500_000_000_000_000


@dataclass(frozen=True)
class SimAccount:
    handle: str
    user_id: str
    name: str
    platform: str = "x"              # x | mastodon | bluesky | web
    did: str = ""                    # Bluesky only


@dataclass(frozen=True)
class SimPost:
    """One post. On X an edit is a new post whose ``edit_of`` names the original's id."""

    id: str
    handle: str
    text: str
    at: float
    platform: str = "x"
    long_text: str = ""              # served as note_tweet; ``text`` is then the truncated form
    edit_of: str = ""
    reply_to: str = ""
    quote_of: str = ""
    media: tuple[str, ...] = ()

    @property
    def original_id(self) -> str:
        return self.edit_of or self.id


@dataclass(frozen=True)
class SimRelease:
    label: str
    at: float


@dataclass
class SimClock:
    """Scenario seconds: ``speed`` x wall seconds since ``started``, unless ``fixed`` is set."""

    speed: float = 1.0
    offset: float = 0.0
    fixed: float | None = None
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def seconds(self) -> float:
        with self._lock:
            if self.fixed is not None:
                return self.fixed
            return self.offset + (time.monotonic() - self.started) * self.speed

    def set(self, seconds: float) -> None:
        with self._lock:
            self.fixed = seconds

    def datetime(self, seconds: float | None = None) -> datetime:
        at = self.seconds() if seconds is None else seconds
        if at == float("inf"):
            at = 7 * 86_400.0  # "all at once" reads as a week later
        return START + timedelta(seconds=at)


@dataclass
class Scenario:
    accounts: list[SimAccount]
    posts: list[SimPost]
    releases: list[SimRelease] = field(default_factory=list)
    lists: dict[str, list[str]] = field(default_factory=dict)   # list id -> handles
    election: str = DEFAULT_ELECTION
    # The rows each release serves; the bundled official rows when None (the replay
    # demo passes rows with its injected errors).
    release_source: Callable[[str], list[defs.ReleaseRow]] | None = None

    def account(self, handle: str) -> SimAccount | None:
        for a in self.accounts:
            if a.handle.lower() == handle.lower() or a.did == handle:
                return a
        return None

    def visible(self, at: float, platform: str = "x") -> list[SimPost]:
        """Posts published by ``at``; on X an edited post shows only its latest version."""
        shown = [p for p in self.posts if p.at <= at and p.platform == platform]
        latest: dict[str, SimPost] = {}
        for p in shown:
            cur = latest.get(p.original_id)
            if cur is None or _order(p) > _order(cur):
                latest[p.original_id] = p
        return sorted(latest.values(), key=_order, reverse=True)

    def history(self, original_id: str) -> list[str]:
        return sorted((p.id for p in self.posts if p.original_id == original_id), key=int)

    def release_at(self, at: float) -> SimRelease | None:
        out = [r for r in self.releases if r.at <= at]
        return max(out, key=lambda r: r.at) if out else None

    def expected_posts(self, platform: str = "x", at: float = float("inf")) -> set[str]:
        """Distinct stored ids a complete collection must hold: one per original post."""
        return {p.original_id for p in self.posts if p.platform == platform and p.at <= at}

    @classmethod
    def generate(cls, *, accounts: int = 10, posts: int = 200, duration: float = 3600.0, seed: int = 2020,
                 feed_accounts: int = 2, with_edits: bool = True, with_releases: bool = True,
                 list_size: int = 0) -> "Scenario":
        """A synthetic but plausible night: precinct secretaries posting alignments."""
        rng = random.Random(seed)
        election = defs.load_election(DEFAULT_ELECTION)
        units = [p for p in election.precincts if not p.satellite]
        cands = [c.key for c in election.candidates if c.key not in ("Other", "Uncommitted")]
        accs = [SimAccount(f"sec_{i:04d}", str(10_000 + i), f"Secretary {i}") for i in range(accounts)]
        accs += [SimAccount(f"mast{i}", str(90_000 + i), f"Mastodon {i}", platform="mastodon")
                 for i in range(feed_accounts)]
        accs += [SimAccount(f"bsky{i}.bsky.social", str(95_000 + i), f"Bluesky {i}", platform="bluesky",
                            did=f"did:plc:sim{i:020d}") for i in range(feed_accounts)]
        x_accounts = [a for a in accs if a.platform == "x"]
        feed_accs = [a for a in accs if a.platform != "x"]
        times = sorted(rng.uniform(0, duration) for _ in range(posts))
        out: list[SimPost] = []
        next_id = FIRST_ID
        for n, at in enumerate(times):
            unit = rng.choice(units)
            picks = rng.sample(cands, 4)
            counts = ", ".join(f"{c} {rng.randint(3, 60)}" for c in picks)
            text = f"{unit.county} {unit.name} first alignment: {counts} #IACaucus"
            use_feed = feed_accs and n % 10 == 9
            acc = rng.choice(feed_accs) if use_feed else rng.choice(x_accounts or feed_accs)
            next_id += rng.randint(1_000, 50_000)
            kwargs: dict[str, object] = {}
            if acc.platform == "x" and n % 25 == 7:
                kwargs["long_text"] = text + " | " + " ".join(["details"] * 60)
                text = kwargs["long_text"][:277] + "…"  # type: ignore[index]
            if acc.platform == "x" and n % 13 == 5:
                kwargs["media"] = (f"https://pbs.twimg.com/media/sim{n}.jpg",)
            if acc.platform == "x" and out and n % 17 == 3:
                kwargs["reply_to"] = out[-1].id if out[-1].platform == "x" else ""
            pid = str(next_id) if acc.platform == "x" else f"{acc.handle}-{n}"
            out.append(SimPost(pid, acc.handle, text, at, platform=acc.platform, **kwargs))  # type: ignore[arg-type]
        if with_edits:
            for p in [p for p in out if p.platform == "x"][3::40]:
                next_id += 1_000
                edit_at = p.at + 30
                out.append(replace(p, id=str(next_id), text=p.text.replace("first", "final"), at=edit_at,
                                   edit_of=p.id, long_text="", reply_to="", quote_of=""))
        out.sort(key=lambda p: p.at)
        # ids must grow with time, as snowflakes do
        renumber: dict[str, str] = {}
        nid = FIRST_ID
        final: list[SimPost] = []
        for p in out:
            if p.platform == "x":
                nid += rng.randint(1_000, 50_000)
                renumber[p.id] = str(nid)
        for p in out:
            if p.platform == "x":
                p = replace(p, id=renumber[p.id], edit_of=renumber.get(p.edit_of, ""),
                            reply_to=renumber.get(p.reply_to, ""))
            final.append(p)
        releases = []
        if with_releases:
            labels = [r.label for r in election.releases]
            for i, label in enumerate(labels[:3]):
                releases.append(SimRelease(label, duration * (i + 1) / 4))
        lists = {}
        if list_size:
            lists["1500000000000000001"] = [a.handle for a in x_accounts[:list_size]]
        return cls(accs, final, releases, lists)

    def handles(self, platform: str = "x") -> list[str]:
        return [a.handle for a in self.accounts if a.platform == platform]


def _order(p: SimPost) -> tuple[float, int]:
    return (0.0, int(p.id)) if p.platform == "x" else (p.at, 0)


def ids(posts: Iterable[SimPost]) -> list[str]:
    return [p.id for p in posts]
