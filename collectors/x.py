"""X (API v2) through tweepy 4.17: accounts, lists and searches, polled.

tweepy's host is a local variable inside ``BaseClient.request``, so the configured
``x_api_url`` is applied by :class:`PrefixSession`, a ``requests.Session`` that rewrites
the URL prefix (and adds a timeout, and keeps the rate-limit headers of the last answer).
``return_type=dict`` keeps the raw JSON for the archive.

Cursor rules: ``since_id`` (accounts, searches) or the newest id seen (lists, which have
no ``since_id``) is written only after every page of the pass is stored, in the same
transaction. A 429 raises :class:`RateLimited` with the reset time (no retry loop here);
5xx, timeouts, cut bodies and malformed JSON are retried with backoff and jitter.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import requests
import tweepy
from sqlmodel import Session

from shadowtally.collectors.base import Clock, CollectError, Disabled, PassResult, RateLimited, Rejected
from shadowtally.collectors.config import DEFAULT_X_API_URL, TOKEN_ENV
from shadowtally.collectors.http import DEFAULT_TIMEOUT, Backoff, with_retries
from shadowtally.collectors.pipeline import Handoff, keep
from shadowtally.store.models import Source
from shadowtally.store.sources import set_cursor
from shadowtally.store.validate import PostIn

TWEEPY_HOST = "https://api.twitter.com"
EXPANSIONS = ["author_id", "attachments.media_keys", "referenced_tweets.id"]
TWEET_FIELDS = ["created_at", "author_id", "note_tweet", "edit_history_tweet_ids", "referenced_tweets",
                "attachments", "conversation_id", "entities"]
USER_FIELDS = ["username", "name"]
MEDIA_FIELDS = ["url", "type", "preview_image_url"]
DEFAULT_RATE_RETRY_S = 900.0  # no reset header: wait out a whole 15-minute window
MAX_LIST_PAGES = 8            # lists return at most the newest 800 posts


class _RedactBearer(logging.Filter):
    """tweepy logs request headers at DEBUG; the bearer token must never reach a log."""

    pattern = re.compile(r"Bearer [^'\"\s,}]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "Bearer" in record.msg:
            record.msg = self.pattern.sub("Bearer [redacted]", record.msg)
        return True


logging.getLogger("tweepy.client").addFilter(_RedactBearer())


class PrefixSession(requests.Session):
    """Sends tweepy's ``https://api.twitter.com/...`` requests to ``base_url`` instead."""

    def __init__(self, base_url: str = DEFAULT_X_API_URL, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}
        self.requests = 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith(TWEEPY_HOST):
            url = self.base_url + url[len(TWEEPY_HOST):]
        kwargs.setdefault("timeout", self.timeout)
        self.requests += 1
        resp = super().request(method, url, *args, **kwargs)
        self.last_headers = {k.lower(): v for k, v in resp.headers.items()}
        return resp


def make_client(token: str, base_url: str, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
    client.session = PrefixSession(base_url, timeout)
    return client


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def post_from_tweet(t: dict[str, Any], includes: dict[str, Any], *, fetched_at: datetime,
                    source_id: int | None) -> PostIn:
    """One API tweet (plus the page's includes) as a raw post. An edit keeps the original's id."""
    users = {u["id"]: u for u in includes.get("users", [])}
    media = {m["media_key"]: m for m in includes.get("media", [])}
    refs = {r["id"]: r for r in includes.get("tweets", [])}
    history = t.get("edit_history_tweet_ids") or [t["id"]]
    original = str(history[0])
    text = (t.get("note_tweet") or {}).get("text") or t.get("text", "")
    author = users.get(t.get("author_id", ""), {})
    handle = author.get("username", "")
    created = _parse_time(t.get("created_at")) or fetched_at
    referenced = t.get("referenced_tweets") or []
    reply_to = next((str(r["id"]) for r in referenced if r.get("type") == "replied_to"), None)
    raw = {
        "api": "x/v2", "tweet": t, "author": author or None,
        "media": [media[k] for k in (t.get("attachments") or {}).get("media_keys", []) if k in media],
        "referenced": [refs[r["id"]] for r in referenced if r.get("id") in refs],
    }
    return PostIn.of(
        platform="x", external_id=original, author=handle, url=f"https://x.com/{handle or 'i'}/status/{t['id']}",
        text=text, in_reply_to=reply_to, created_at=created, fetched_at=fetched_at,
        edited_at=created if str(t["id"]) != original else None, raw=raw, source_id=source_id,
    )


@dataclass
class XCollector:
    """Collector for ``x_account``, ``x_list`` and ``x_search`` sources."""

    base_url: str = DEFAULT_X_API_URL
    token: str | None = None
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    backoff: Backoff = field(default_factory=Backoff)
    page_size: int = 100
    handoff: Handoff | None = None   # parses what is stored; None stores only
    _client: tweepy.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.token is None:
            self.token = os.environ.get(TOKEN_ENV) or None

    @property
    def client(self) -> tweepy.Client:
        if not self.token:
            raise Disabled(f"X collector disabled: {TOKEN_ENV} is not set",
                           hint=f"export {TOKEN_ENV}=… to collect from X; other sources still run")
        if self._client is None:
            self._client = make_client(self.token, self.base_url, self.timeout)
        return self._client

    @property
    def session(self) -> PrefixSession:
        return self.client.session  # type: ignore[no-any-return]

    def rate(self) -> dict[str, Any]:
        h = self.session.last_headers if self._client else {}
        out: dict[str, Any] = {}
        if h.get("x-rate-limit-remaining", "").isdigit():
            out["rate_remaining"] = int(h["x-rate-limit-remaining"])
        if h.get("x-rate-limit-limit", "").isdigit():
            out["rate_limit"] = int(h["x-rate-limit-limit"])
        if h.get("x-rate-limit-reset", "").isdigit():
            out["rate_reset"] = datetime.fromtimestamp(int(h["x-rate-limit-reset"]), tz=timezone.utc).isoformat()
        return out

    def _call(self, method: Callable[..., Any], now: Clock, **params: Any) -> dict[str, Any]:
        def once() -> dict[str, Any]:
            try:
                return method(**params)  # type: ignore[no-any-return]
            except tweepy.TooManyRequests as exc:
                reset = getattr(exc, "reset_time", None)
                at = (datetime.fromtimestamp(reset, tz=timezone.utc) if reset
                      else now() + timedelta(seconds=DEFAULT_RATE_RETRY_S))
                raise RateLimited(f"X rate limit reached; next try at {at.isoformat()}", at) from None
            except tweepy.Unauthorized:
                raise CollectError("X rejected the bearer token (401)", hint=f"check {TOKEN_ENV}") from None
            except (tweepy.NotFound, tweepy.Forbidden, tweepy.BadRequest) as exc:
                raise Rejected(f"X refused {method.__name__}: {exc}") from None

        return with_retries(once, self.backoff, what=f"X {method.__name__}",
                            transient=(tweepy.TwitterServerError, requests.exceptions.JSONDecodeError))

    def _store_page(self, session: Session, source: Source, page: dict[str, Any], *, now: Clock,
                    result: PassResult, above: int | None = None) -> None:
        fetched = now()
        includes = page.get("includes") or {}
        # X pages run newest first; store oldest first, so a reply finds its thread's head
        # and a correction the post it corrects (snowflake ids grow with time).
        for t in sorted(page.get("data") or [], key=lambda t: int(t["id"])):
            if above is not None and int(t["id"]) <= above:
                continue
            keep(session, post_from_tweet(t, includes, fetched_at=fetched, source_id=source.id), result,
                 self.handoff, now=fetched)
        for err in page.get("errors") or []:
            result.warnings.append(str(err.get("detail") or err))

    def _fields(self) -> dict[str, Any]:
        return {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS,
                "media_fields": MEDIA_FIELDS, "max_results": self.page_size}

    def collect(self, session: Session, source: Source, *, now: Clock) -> PassResult:
        """One pass over an X source; see the module docstring for the cursor rules."""
        client = self.client
        before = self.session.requests
        result = PassResult()
        try:
            if source.kind == "x_account":
                self._timeline(session, source, now, result)
            elif source.kind == "x_search":
                self._search(session, source, now, result)
            elif source.kind == "x_list":
                self._list(session, source, now, result)
            else:
                raise CollectError(f"XCollector cannot collect a {source.kind} source")
        finally:
            result.requests = self.session.requests - before
            result.rate = self.rate()
        del client
        return result

    def _paged(self, session: Session, source: Source, now: Clock, result: PassResult,
               method: Callable[..., Any], token_name: str, **params: Any) -> str | None:
        """Read every page newer than ``since_id``; returns the first page's ``newest_id``."""
        newest: str | None = None
        token: str | None = None
        while True:
            kwargs = dict(params, **self._fields())
            if token:
                kwargs[token_name] = token
            page = self._call(method, now, **kwargs)
            meta = page.get("meta") or {}
            if newest is None and meta.get("newest_id"):
                newest = str(meta["newest_id"])
            self._store_page(session, source, page, now=now, result=result)
            token = meta.get("next_token")
            if not token:
                return newest

    def _timeline(self, session: Session, source: Source, now: Clock, result: PassResult) -> None:
        cursor = dict(source.cursor or {})
        user_id = cursor.get("user_id")
        if not user_id:
            found = self._call(self.client.get_users, now, usernames=[source.locator], user_fields=USER_FIELDS)
            data = found.get("data") or []
            if not data:
                raise Rejected(f"no X account @{source.locator}", hint="check the handle in shadowtally.toml")
            user_id = str(data[0]["id"])
            set_cursor(session, source, user_id=user_id)
        params: dict[str, Any] = {"id": user_id}
        if cursor.get("since_id"):
            params["since_id"] = cursor["since_id"]
        newest = self._paged(session, source, now, result, self.client.get_users_tweets, "pagination_token", **params)
        if newest:
            set_cursor(session, source, since_id=newest)

    def _search(self, session: Session, source: Source, now: Clock, result: PassResult) -> None:
        params: dict[str, Any] = {"query": source.locator}
        since = (source.cursor or {}).get("since_id")
        if since:
            params["since_id"] = since
        newest = self._paged(session, source, now, result, self.client.search_recent_tweets, "next_token", **params)
        if newest:
            set_cursor(session, source, since_id=newest)

    def _list(self, session: Session, source: Source, now: Clock, result: PassResult) -> None:
        seen = (source.cursor or {}).get("newest_id")
        floor = int(seen) if seen else None
        newest: int | None = None
        token: str | None = None
        for _ in range(MAX_LIST_PAGES):
            kwargs: dict[str, Any] = dict(id=source.locator, **self._fields())
            if token:
                kwargs["pagination_token"] = token
            page = self._call(self.client.get_list_tweets, now, **kwargs)
            ids = [int(t["id"]) for t in page.get("data") or []]
            if ids and newest is None:
                newest = max(ids)
            self._store_page(session, source, page, now=now, result=result, above=floor)
            token = (page.get("meta") or {}).get("next_token")
            if not token or (floor is not None and ids and min(ids) <= floor):
                break
        if newest is not None and (floor is None or newest > floor):
            set_cursor(session, source, newest_id=str(newest))
