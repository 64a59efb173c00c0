"""RSS and Atom feeds through feedparser 6: Mastodon, Bluesky, county and party sites.

We fetch (timeouts, size cap, redirect limit, conditional GET) and hand feedparser the
bytes with lowercase headers; feedparser never touches the network. A 304 means there
is nothing to parse. ``bozo`` is a warning, not a failure: feedparser's loose parser
still returns what it could read. HTML is turned into plain text for the parser.

Identity: posts are deduplicated by guid. A feed that rewrites its guids on every fetch
would otherwise duplicate every item, so an item whose link (or, without a link, whose
time and text) matches a post already stored from this source reuses that post's id.
Bluesky: a handle URL redirects to the DID URL; the DID is stored and used from then on.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

import feedparser
import requests
from sqlmodel import Session, select

from shadowtally.collectors.base import Clock, PassResult
from shadowtally.collectors.http import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Backoff, fetch, new_session
from shadowtally.collectors.pipeline import Handoff, keep
from shadowtally.store.models import Post, Source
from shadowtally.store.sources import set_cursor
from shadowtally.store.validate import PostIn

DID_URL = re.compile(r"/profile/(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)/rss")


class _Text(HTMLParser):
    BLOCK = {"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, paragraphs as lines."""
    p = _Text()
    p.feed(html)
    p.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(p.parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    return None


def _entry_text(entry: Any) -> str:
    if entry.get("content"):
        value = entry["content"][0].get("value", "")
    else:
        value = entry.get("summary") or entry.get("description") or ""
    text = html_to_text(value)
    title = html_to_text(entry.get("title", "") or "")
    if title and not text.startswith(title) and not title.startswith(text[:40] or "\0"):
        text = f"{title}\n{text}" if text else title
    return text


@dataclass
class FeedCollector:
    """Collector for ``feed`` sources."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    backoff: Backoff = field(default_factory=Backoff)
    handoff: Handoff | None = None   # parses what is stored; None stores only
    http: requests.Session = field(default_factory=new_session)

    def collect(self, session: Session, source: Source, *, now: Clock) -> PassResult:
        cursor = dict(source.cursor or {})
        url = cursor.get("resolved_url") or source.locator
        got = fetch(url, session=self.http, etag=cursor.get("etag"), last_modified=cursor.get("last_modified"),
                    timeout=self.timeout, max_bytes=self.max_bytes, backoff=self.backoff, now=now)
        result = PassResult(requests=1)
        if got.not_modified:
            result.not_modified = True
            return result
        headers = dict(got.headers)
        headers.setdefault("content-location", got.url)
        parsed = feedparser.parse(got.body, response_headers=headers)
        if parsed.get("bozo"):
            result.warnings.append(f"feed is not well-formed ({type(parsed.get('bozo_exception')).__name__}: "
                                   f"{str(parsed.get('bozo_exception'))[:120]}); read what could be read")
        updates: dict[str, Any] = {"etag": got.headers.get("etag"), "last_modified": got.headers.get("last-modified")}
        did = DID_URL.search(got.url)
        if source.platform == "bluesky" and did:
            updates["did"] = did.group(1)
            updates["resolved_url"] = got.url
        author = parsed.feed.get("title", "") or source.label
        if source.platform == "bluesky":
            author = updates.get("did") or cursor.get("did") or author
        fetched = got.fetched_at
        # Feeds list newest first; store in publication order (undated entries first, in
        # reverse feed order), so a reply or a correction finds the post it follows.
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        order = sorted(range(len(parsed.entries)), key=lambda i: (_entry_time(parsed.entries[i]) or epoch, -i))
        for i in order:
            self._store_entry(session, source, parsed.entries[i], author=author, fetched=fetched, result=result)
        set_cursor(session, source, **updates)
        return result

    def _known_id(self, session: Session, source: Source, link: str, created: datetime | None, text: str) -> str | None:
        """The id of a post from this source that is this entry under another guid."""
        q = select(Post.external_id).where(Post.platform == source.platform, Post.source_id == source.id)
        if link:
            return session.exec(q.where(Post.url == link)).first()
        if created is not None:
            return session.exec(q.where(Post.created_at == created, Post.text == text)).first()
        return None

    def _store_entry(self, session: Session, source: Source, entry: Any, *, author: str, fetched: datetime,
                     result: PassResult) -> None:
        link = entry.get("link", "") or ""
        guid = entry.get("id") or link
        text = _entry_text(entry)
        created = _entry_time(entry)
        if not guid:
            result.warnings.append(f"skipped an entry with neither guid nor link: {text[:60]!r}")
            return
        existing = session.exec(select(Post.id).where(Post.platform == source.platform,
                                                      Post.external_id == guid)).first()
        if existing is None:
            guid = self._known_id(session, source, link, created, text) or guid
        media = [m.get("url") for m in entry.get("media_content", []) if m.get("url")]
        raw = {"entry": {k: dict.get(entry, k) for k in ("id", "link", "title", "summary", "published", "updated",
                                                    "author", "tags")},
               "media": media, "feed_url": source.locator}
        keep(session, PostIn.of(
            platform=source.platform, external_id=guid, author=entry.get("author") or author, url=link, text=text,
            created_at=created or fetched, fetched_at=fetched, raw=_plain(raw), source_id=source.id,
        ), result, self.handoff, now=fetched)


def _plain(value: Any) -> Any:
    """feedparser's dict subclasses and struct_times as plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
