"""The small interface every collector implements, and the errors a pass can end with.

    CollectError            a pass over one source failed; the source's health records it
    ├── Disabled            the collector cannot run here (no X token): one line, no crash
    ├── RateLimited         the API said 429; ``retry_at`` is when to come back
    ├── Unavailable         network trouble that survived the retries (5xx, timeout, loop)
    └── Rejected            the payload was malformed or partial; nothing of it was stored
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

from sqlmodel import Session

from shadowtally.errors import ShadowTallyError
from shadowtally.store.models import Source

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RawItem:
    """One fetched payload, exactly as it arrived."""

    source: str
    url: str
    fetched_at: datetime
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class PassResult:
    """What one pass over one source did."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    releases: int = 0
    requests: int = 0
    not_modified: bool = False
    warnings: list[str] = field(default_factory=list)
    rate: dict[str, Any] = field(default_factory=dict)

    @property
    def quiet(self) -> bool:
        """Nothing stored or revised and nothing to warn about: the pass only confirmed the source is up."""
        return not (self.new or self.revised or self.releases or self.warnings)

    def summary(self) -> str:
        parts = [f"{self.new} new", f"{self.revised} revised", f"{self.unchanged} unchanged"]
        if self.releases:
            parts.append(f"{self.releases} release(s)")
        if self.not_modified:
            parts.append("not modified")
        return ", ".join(parts)


class Collector(Protocol):
    """One source kind. A pass fetches what is new, stores it raw, hands it on, moves the cursor."""

    def collect(self, session: Session, source: Source, *, now: Clock) -> PassResult:
        """Make one pass over ``source``; write through ``session`` (the caller commits).

        Raises :class:`CollectError` subclasses; whatever was stored before the error is
        kept only if the collector committed it, and the cursor never moves past data
        that was not stored.
        """
        ...


class StreamCollector(Protocol):
    """A long-running consumer (the ``stream`` shape): it holds a connection open and stores
    what arrives as it arrives, moving the source's cursor with each stored item."""

    def stream(self, engine: Any, source_id: int, *, stop: Any, now: Clock) -> None:
        """Consume until ``stop`` (a ``threading.Event``) is set or the connection ends.

        Returns normally when the server closes; raises a :class:`CollectError` for a
        failure worth recording. Either way the runner reconnects with backoff, and the
        collector resumes from the stored cursor, so nothing is lost or stored twice."""
        ...


class CollectError(ShadowTallyError):
    """A pass over one source failed."""


class Disabled(CollectError):
    """The collector cannot run in this environment (for example, no X bearer token)."""


class RateLimited(CollectError):
    """The API refused with 429; come back at ``retry_at`` (aware UTC)."""

    def __init__(self, message: str, retry_at: datetime, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.retry_at = retry_at


class Unavailable(CollectError):
    """Transient trouble that survived the retries: 5xx, timeouts, redirect loops, cut bodies."""


class Rejected(CollectError):
    """The payload is malformed or partial; it was rejected whole."""
