"""The registry of source kinds: what each kind reads in ``shadowtally.toml``, and how it runs.

A kind declares its name, the config field that locates it, the other fields it
accepts, its **shape** and which collector family serves it:

    poll     one pass at a time on an interval job (X, feeds, official releases)
    stream   a long-running consumer that reconnects and resumes from its stored cursor

Config checking (:mod:`collectors.config`), the command line's ``sources add`` and the
scheduler all read this table, so adding a kind means adding one :class:`SourceKind`
here (or calling :func:`register_kind`), never an if/elif elsewhere. Whatever a kind
fetches goes through one store-then-hand-off tail (:func:`collectors.pipeline.keep`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Literal

from shadowtally.collectors.http import DEFAULT_TIMEOUT, Backoff
from shadowtally.errors import ConfigError
from shadowtally.settings import DEFAULT_ELECTION

if TYPE_CHECKING:
    from shadowtally.collectors.base import Collector
    from shadowtally.collectors.config import Config
    from shadowtally.collectors.pipeline import Handoff

Shape = Literal["poll", "stream"]

# Fields every kind accepts, beside its locator and its own fields.
COMMON_FIELDS = frozenset({"kind", "precinct", "role", "interval", "label", "platform", "trust", "jitter"})


@dataclass(frozen=True)
class Settings:
    """How collectors reach the world. The token is never stored or printed."""

    x_api_url: str
    election: str = DEFAULT_ELECTION
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    backoff_base: float = 0.5
    backoff_attempts: int = 4
    x_page_size: int = 100
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: "Config", **overrides: Any) -> "Settings":
        page = config.extra.get("x_page_size", 100)
        if not isinstance(page, int) or not 5 <= page <= 100:
            raise ConfigError(f"x_page_size must be a whole number from 5 to 100 (got {page!r})")
        base = config.extra.get("retry_base", 0.5)
        if not isinstance(base, (int, float)) or isinstance(base, bool) or not 0 <= base <= 60:
            raise ConfigError(f"retry_base must be a number of seconds from 0 to 60 (got {base!r})")
        return replace(cls(x_api_url=config.x_api_url, election=config.election, x_page_size=page,
                           backoff_base=float(base)), **overrides)

    @property
    def backoff(self) -> Backoff:
        return Backoff(attempts=self.backoff_attempts, base=self.backoff_base)


Builder = Callable[[Settings, "Handoff | None"], "Collector"]


@dataclass(frozen=True)
class SourceKind:
    """One kind of source, as ``[[source]] kind = "<name>"`` names it."""

    name: str
    locator_field: str                 # the field that says which account, list, query or URL
    family: str                        # kinds of one family share a collector (and its HTTP session)
    build: Builder
    shape: Shape = "poll"
    fields: frozenset[str] = frozenset()   # fields of its own, beside COMMON_FIELDS and the locator
    pool: str = "default"              # the scheduler's worker pool for its polls
    platform: str | None = None        # the platform its posts come from, when the kind fixes it
    doc: str = ""

    @property
    def known_fields(self) -> frozenset[str]:
        return COMMON_FIELDS | self.fields | {self.locator_field}


def _x(settings: Settings, handoff: "Handoff | None") -> "Collector":
    from shadowtally.collectors.x import XCollector  # noqa: PLC0415 - x imports config, which imports this

    return XCollector(base_url=settings.x_api_url, token=settings.token, timeout=settings.timeout,
                      backoff=settings.backoff, handoff=handoff, page_size=settings.x_page_size)


def _feed(settings: Settings, handoff: "Handoff | None") -> "Collector":
    from shadowtally.collectors.feeds import FeedCollector  # noqa: PLC0415

    return FeedCollector(timeout=settings.timeout, backoff=settings.backoff, handoff=handoff)


def _official(settings: Settings, handoff: "Handoff | None") -> "Collector":
    from shadowtally.collectors.official import OfficialCollector  # noqa: PLC0415

    return OfficialCollector(timeout=settings.timeout, backoff=settings.backoff, election=settings.election)


KINDS: dict[str, SourceKind] = {}


def register_kind(kind: SourceKind) -> SourceKind:
    """Add (or replace) a kind; config checking and the scheduler see it at once."""
    KINDS[kind.name] = kind
    return kind


for _kind in (
    SourceKind("feed", "url", "feed", _feed, pool="feeds", doc="an RSS or Atom feed (Mastodon, Bluesky, a site)"),
    SourceKind("x_account", "handle", "x", _x, platform="x", doc="one X account's posts"),
    SourceKind("x_list", "list_id", "x", _x, platform="x", doc="an X list's timeline"),
    SourceKind("x_search", "query", "x", _x, platform="x", fields=frozenset({"handles"}),
               doc="an X recent search (or handles = [...], packed into queries)"),
    SourceKind("official", "url", "official", _official, platform="idp", doc="the party's result releases"),
):
    register_kind(_kind)


def kind_names() -> tuple[str, ...]:
    return tuple(KINDS)
