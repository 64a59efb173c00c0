"""One HTTP fetch the way every collector needs it.

Timeouts on connect and read, a cap on the body size (read in chunks, so a 50 MB feed
costs at most the cap), a redirect limit (a loop ends as :class:`Unavailable`), a
conditional GET (ETag / Last-Modified), and retries with exponential backoff and full
jitter for 5xx, timeouts and cut-off bodies. A 429 is never retried here: it becomes
:class:`RateLimited` so the scheduler can come back at the reset.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, TypeVar

import requests

from shadowtally.collectors.base import RateLimited, Rejected, Unavailable

T = TypeVar("T")

DEFAULT_TIMEOUT = (5.0, 20.0)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5
USER_AGENT = "ShadowTally/0.1 (+unofficial caucus tally)"


@dataclass
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap, self.base * (2 ** attempt)))


TRANSIENT = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
             requests.exceptions.ContentDecodingError)


class TransientStatus(Exception):
    """A 5xx answer, worth retrying."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


def with_retries(call: Callable[[], T], backoff: Backoff, *, what: str,
                 transient: tuple[type[BaseException], ...] = ()) -> T:
    """Run ``call``; retry transient failures with backoff; raise :class:`Unavailable` at the end."""
    kinds = TRANSIENT + (TransientStatus,) + transient
    last: BaseException | None = None
    for attempt in range(backoff.attempts):
        try:
            return call()
        except requests.TooManyRedirects as exc:
            raise Unavailable(f"{what}: too many redirects ({exc})",
                              hint="the URL redirects in a loop; fix the source's url") from None
        except kinds as exc:
            last = exc
            if attempt + 1 < backoff.attempts:
                backoff.sleep(backoff.delay(attempt))
    raise Unavailable(f"{what}: gave up after {backoff.attempts} attempts: {_describe(last)}",
                      hint="the source is down or slow; the next scheduled pass will try again")


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, requests.Timeout):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the body was cut off"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


@dataclass(frozen=True)
class Fetched:
    """A fetched response: final URL, status, lowercase headers and the body (empty on 304)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def new_session(max_redirects: int = DEFAULT_MAX_REDIRECTS) -> requests.Session:
    s = requests.Session()
    s.max_redirects = max_redirects
    s.headers["User-Agent"] = USER_AGENT
    return s


def retry_at_from(headers: dict[str, str], now: datetime, default_s: float = 60.0) -> datetime:
    """When to come back after a 429: ``x-rate-limit-reset`` / ``retry-after``, else ``default_s``."""
    reset = headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        return datetime.fromtimestamp(int(reset), tz=timezone.utc)
    after = headers.get("retry-after")
    if after and after.strip().isdigit():
        return now + timedelta(seconds=int(after))
    return now + timedelta(seconds=default_s)


def fetch(url: str, *, session: requests.Session | None = None, etag: str | None = None,
          last_modified: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
          max_bytes: int = DEFAULT_MAX_BYTES, backoff: Backoff | None = None,
          now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Fetched:
    """GET ``url`` once (with retries); see the module docstring for what is guarded.

    Raises :class:`RateLimited` on 429, :class:`Rejected` for a body over ``max_bytes`` or a
    4xx, :class:`Unavailable` when retries run out.
    """
    http = session or new_session()
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    def once() -> Fetched:
        with http.get(url, headers=headers, timeout=timeout, stream=True) as resp:
            lower = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code == 429:
                raise RateLimited(f"{url}: HTTP 429", retry_at_from(lower, now()))
            if resp.status_code >= 500:
                raise TransientStatus(resp.status_code, url)
            if resp.status_code == 304:
                return Fetched(resp.url, 304, lower, b"", now())
            if resp.status_code >= 400:
                raise Rejected(f"{url}: HTTP {resp.status_code}",
                               hint="check the source's url (403 can mean the account hides from logged-out readers)")
            declared = lower.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise Rejected(f"{url}: body of {int(declared):,} bytes is over the {max_bytes:,}-byte cap")
            chunks, size = [], 0
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise Rejected(f"{url}: body is over the {max_bytes:,}-byte cap; stopped reading")
                chunks.append(chunk)
            return Fetched(resp.url, resp.status_code, lower, b"".join(chunks), now())

    return with_retries(once, backoff or Backoff(), what=url)
