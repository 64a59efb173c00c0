"""The simulator's HTTP server: stdlib ``ThreadingHTTPServer`` in a background thread.

Routes (``{base}`` is ``http://127.0.0.1:PORT``):

    X API v2     /2/users/by  /2/users/:id/tweets  /2/lists/:id/tweets  /2/tweets/search/recent
    Mastodon     /@handle.rss
    Bluesky      /profile/handle/rss  -> 302 ->  /profile/did:plc:…/rss
    County site  /site/county.atom
    Releases     /idp/results.json  /idp/full.csv  /idp/long.csv   (?label= pins a release)
    Faults       /fault/redirect-loop

Every X endpoint group has its own rate-limit window (``x-rate-limit-*`` headers, 429 when
spent). :class:`Faults` holds rules matched by path prefix, each used ``times`` times
(or forever): ``500``, ``429``, ``429-noreset``, ``slow``, ``truncate``, ``bad-json``,
``bad-xml``, ``huge``, ``changing-guids``, ``drop-counties``.
"""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import shadowtally.elections as defs
from shadowtally.simulator.scenario import Scenario, SimClock, SimPost

SEARCH_QUERY_LIMIT = 512


@dataclass
class Fault:
    kind: str
    prefix: str = "/"
    times: int | None = None      # None: until removed
    delay: float = 2.0            # for "slow"
    size: int = 50 * 1024 * 1024  # for "huge"


@dataclass
class Faults:
    rules: list[Fault] = field(default_factory=list)
    page_delay: float = 0.0       # added to every X API response (to catch a pass mid-run)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, prefix: str = "/", times: int | None = None, **kw: Any) -> Fault:
        f = Fault(kind, prefix, times, **kw)
        with self._lock:
            self.rules.append(f)
        return f

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def take(self, path: str, kinds: tuple[str, ...]) -> Fault | None:
        with self._lock:
            for f in self.rules:
                if f.kind in kinds and path.startswith(f.prefix) and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return f
        return None

    def active(self, path: str, kind: str) -> bool:
        with self._lock:
            return any(f.kind == kind and path.startswith(f.prefix) and (f.times is None or f.times > 0)
                       for f in self.rules)


@dataclass
class Window:
    """One rate-limit window: ``limit`` requests per ``seconds`` of wall time."""

    limit: int
    seconds: float
    used: int = 0
    reset: float = 0.0

    def take(self) -> tuple[bool, int, int]:
        now = time.time()
        if now >= self.reset:
            self.used, self.reset = 0, now + self.seconds
        if self.used >= self.limit:
            return False, 0, int(self.reset) + 1
        self.used += 1
        return True, self.limit - self.used, int(self.reset) + 1


DEFAULT_LIMITS = {"timeline": (1500, 900.0), "list": (900, 900.0), "search": (450, 900.0), "users": (300, 900.0)}


def _candidate_json_key(c: defs.Candidate) -> str:
    if c.key in ("Other", "Uncommitted"):
        return c.key.lower()
    return c.key.lower() + c.name.split()[0][0].lower()


def _tweet_time(seconds: float, clock: SimClock) -> str:
    return clock.datetime(seconds).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout, a cut-off download) is normal here, not a traceback on stderr."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, TimeoutError)):
            super().handle_error(request, client_address)


class SimServer:
    """Serve ``scenario`` on 127.0.0.1 (ephemeral port unless given). Use as a context manager."""

    def __init__(self, scenario: Scenario, *, clock: SimClock | None = None, faults: Faults | None = None,
                 limits: dict[str, tuple[int, float]] | None = None, port: int = 0,
                 bearer_token: str | None = None) -> None:
        self.scenario = scenario
        self.clock = clock or SimClock(fixed=float("inf"))
        self.faults = faults or Faults()
        self.windows = {k: Window(*v) for k, v in {**DEFAULT_LIMITS, **(limits or {})}.items()}
        self.bearer_token = bearer_token
        self.log: list[tuple[str, int]] = []
        self._log_lock = threading.Lock()
        self._fetches = 0
        handler = type("Handler", (_Handler,), {"sim": self})
        self.httpd = _QuietServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="simulator", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SimServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "SimServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, path: str, status: int) -> None:
        with self._log_lock:
            self.log.append((path, status))

    def count(self, prefix: str = "/", status: int | None = None) -> int:
        with self._log_lock:
            return sum(1 for p, s in self.log if p.startswith(prefix) and (status is None or s == status))

    def next_fetch(self) -> int:
        with self._log_lock:
            self._fetches += 1
            return self._fetches

    # ---- X API v2 -------------------------------------------------------------------------------

    def tweet_json(self, p: SimPost, fields: set[str]) -> dict[str, Any]:
        t: dict[str, Any] = {"id": p.id, "text": p.text, "edit_history_tweet_ids": self.scenario.history(p.original_id)}
        acc = self.scenario.account(p.handle)
        if "author_id" in fields and acc:
            t["author_id"] = acc.user_id
        if "created_at" in fields:
            t["created_at"] = _tweet_time(p.at, self.clock)
        if "note_tweet" in fields and p.long_text:
            t["note_tweet"] = {"text": p.long_text}
        if "referenced_tweets" in fields:
            refs = [{"type": "replied_to", "id": p.reply_to}] if p.reply_to else []
            refs += [{"type": "quoted", "id": p.quote_of}] if p.quote_of else []
            if refs:
                t["referenced_tweets"] = refs
        if "attachments" in fields and p.media:
            t["attachments"] = {"media_keys": [f"3_{p.id}_{i}" for i in range(len(p.media))]}
        if p.reply_to:
            t["in_reply_to_user_id"] = "0"
        return t

    def page(self, posts: list[SimPost], q: dict[str, str], *, max_default: int = 10,
             honour_since: bool = True) -> dict[str, Any]:
        try:
            max_results = int(q.get("max_results", max_default))
        except ValueError:
            max_results = max_default
        since = q.get("since_id")
        token = q.get("pagination_token") or q.get("next_token")
        if since and honour_since:
            posts = [p for p in posts if int(p.id) > int(since)]
        if token:
            below = int(token.removeprefix("p"))
            posts = [p for p in posts if int(p.id) < below]
        chunk, rest = posts[:max_results], posts[max_results:]
        fields = set(q.get("tweet.fields", "").split(","))
        expansions = set(q.get("expansions", "").split(","))
        data = [self.tweet_json(p, fields) for p in chunk]
        meta: dict[str, Any] = {"result_count": len(chunk)}
        if chunk:
            meta["newest_id"], meta["oldest_id"] = chunk[0].id, chunk[-1].id
        if chunk and rest:
            meta["next_token"] = f"p{chunk[-1].id}"
        body: dict[str, Any] = {"meta": meta}
        if data:
            body["data"] = data
        includes: dict[str, Any] = {}
        if "author_id" in expansions:
            seen: dict[str, Any] = {}
            for p in chunk:
                a = self.scenario.account(p.handle)
                if a:
                    seen[a.user_id] = {"id": a.user_id, "name": a.name, "username": a.handle}
            includes["users"] = list(seen.values())
        if "attachments.media_keys" in expansions:
            media = [{"media_key": f"3_{p.id}_{i}", "type": "photo", "url": u}
                     for p in chunk for i, u in enumerate(p.media)]
            if media:
                includes["media"] = media
        if "referenced_tweets.id" in expansions:
            by_id = {p.id: p for p in self.scenario.posts}
            refs = [by_id[r] for p in chunk for r in (p.reply_to, p.quote_of) if r and r in by_id]
            if refs:
                includes["tweets"] = [self.tweet_json(r, {"author_id", "created_at"}) for r in refs]
        if includes:
            body["includes"] = includes
        return body

    def x_route(self, path: str, q: dict[str, str]) -> tuple[str, int, dict[str, Any]]:
        """(window name, status, body) for an X API path."""
        now = self.clock.seconds()
        parts = path.strip("/").split("/")
        if parts[:3] == ["2", "users", "by"]:
            names = [n for n in q.get("usernames", "").split(",") if n]
            found = [self.scenario.account(n) for n in names]
            data = [{"id": a.user_id, "name": a.name, "username": a.handle} for a in found if a and a.platform == "x"]
            body: dict[str, Any] = {"data": data} if data else {}
            missing = [n for n, a in zip(names, found) if a is None or a.platform != "x"]
            if missing:
                body["errors"] = [{"value": n, "detail": f"Could not find user with usernames: [{n}].",
                                   "title": "Not Found Error", "resource_type": "user",
                                   "type": "https://api.twitter.com/2/problems/resource-not-found"}
                                  for n in missing]
            return "users", 200, body
        if len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] == "tweets":
            acc = next((a for a in self.scenario.accounts if a.user_id == parts[2]), None)
            if acc is None:
                return "timeline", 404, {"title": "Not Found Error", "detail": "no such user"}
            posts = [p for p in self.scenario.visible(now) if p.handle == acc.handle]
            return "timeline", 200, self.page(posts, q)
        if len(parts) == 4 and parts[:2] == ["2", "lists"] and parts[3] == "tweets":
            members = {h.lower() for h in self.scenario.lists.get(parts[2], [])}
            if parts[2] not in self.scenario.lists:
                return "list", 404, {"title": "Not Found Error", "detail": "no such list"}
            posts = [p for p in self.scenario.visible(now) if p.handle.lower() in members]
            return "list", 200, self.page(posts, q, max_default=100, honour_since=False)
        if parts[:4] == ["2", "tweets", "search", "recent"]:
            query = q.get("query", "")
            if len(query) > SEARCH_QUERY_LIMIT:
                return "search", 400, {"title": "Invalid Request",
                                       "errors": [{"message": f"query length {len(query)} > {SEARCH_QUERY_LIMIT}"}]}
            authors, words = set(), []
            for term in query.split(" OR "):
                term = term.strip().strip("()")
                if term.startswith("from:"):
                    authors.add(term[5:].lower())
                elif term:
                    words.append(term.lower())
            posts = [p for p in self.scenario.visible(now)
                     if p.handle.lower() in authors or any(w in p.text.lower() for w in words)]
            return "search", 200, self.page(posts, q)
        return "users", 404, {"title": "Not Found Error", "detail": f"no route {path}"}

    # ---- feeds -----------------------------------------------------------------------------------

    def rss_tag(self, tag: str, limit: int) -> str:
        """Mastodon ``/tags/TAG.rss``: the newest posts of any account; every simulated toot carries #IACaucus."""
        posts = self.scenario.visible(self.clock.seconds(), "mastodon")
        if tag != "iacaucus":
            posts = [p for p in posts if f"#{tag}" in p.text.lower()]
        items = self._rss_items(posts[:limit], "mastodon", False)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                f"<title>#{escape(tag)}</title><link>{self.url}/tags/{escape(tag)}</link>"
                f"<description>Public posts tagged #{escape(tag)}</description>{''.join(items)}</channel></rss>")

    def rss(self, handle: str, platform: str, limit: int, changing: bool, *, did: str = "") -> str:
        now = self.clock.seconds()
        posts = [p for p in self.scenario.visible(now, platform) if p.handle == handle][:limit]
        items = self._rss_items(posts, platform, changing, did=did)
        title = f"{handle}" if platform == "mastodon" else f"@{handle} - Bluesky"
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                f"<title>{escape(title)}</title><link>{self.url}/@{handle}</link>"
                f"<description>Public posts from @{escape(handle)}</description>{''.join(items)}</channel></rss>")

    def _rss_items(self, posts: list[SimPost], platform: str, changing: bool, *, did: str = "") -> list[str]:
        fetch_no = self.next_fetch() if changing else 0
        items = []
        for p in posts:
            handle = p.handle
            if platform == "mastodon":
                link = f"{self.url}/@{handle}/{p.id}"
                guid = link if not changing else f"{link}?v={fetch_no}"
                when = email.utils.format_datetime(self.clock.datetime(p.at))
                desc = escape(f"<p>{escape(p.text)} <a href=\"{self.url}/tags/IACaucus\" class=\"hashtag\">#<span>IACaucus</span></a></p>")
                items.append(f"<item><guid isPermaLink=\"true\">{guid}</guid><link>{link}</link>"
                             f"<pubDate>{when}</pubDate><description>{desc}</description>"
                             f"<dc:creator>{escape(handle)}</dc:creator><category>iacaucus</category></item>")
            else:
                rkey = p.id.rsplit("-", 1)[-1]
                link = f"https://bsky.app/profile/{did}/post/{rkey}"
                guid = f"at://{did}/app.bsky.feed.post/{rkey}" + (f"v{fetch_no}" if changing else "")
                when = self.clock.datetime(p.at).strftime("%d %b %Y %H:%M +0000")
                items.append(f"<item><link>{link}</link><description>{escape(p.text)}</description>"
                             f"<pubDate>{when}</pubDate><guid isPermaLink=\"false\">{guid}</guid></item>")
        return items

    def atom_site(self, county: str) -> str:
        now = self.clock.seconds()
        entries = []
        for r in self.scenario.releases:
            if r.at <= now:
                when = self.clock.datetime(r.at).strftime("%Y-%m-%dT%H:%M:%SZ")
                entries.append(f"<entry><id>tag:{county}.iowadems.example,2020:{r.label}</id>"
                               f"<title>Results update {r.label}</title><updated>{when}</updated>"
                               f"<link href=\"{self.url}/idp/results.json?label={r.label}\"/>"
                               f"<content type=\"html\">&lt;p&gt;The party published the &lt;b&gt;{r.label}&lt;/b&gt; "
                               f"results for {escape(county)} County.&lt;/p&gt;</content></entry>")
        return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{escape(county)} County Democrats</title><id>tag:{county}.iowadems.example,2020</id>"
                f"<updated>{self.clock.datetime().strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>{''.join(entries)}</feed>")

    # ---- official releases ---------------------------------------------------------------------

    def release_rows(self, label: str, drop_counties: bool) -> list[defs.ReleaseRow]:
        source = self.scenario.release_source
        rows = source(label) if source is not None else defs.load_release(self.scenario.election, label)
        if drop_counties:
            gone = sorted({r.county for r in rows})[:3]
            rows = [r for r in rows if r.county not in gone]
        return rows

    def release_body(self, kind: str, label: str, drop: bool) -> tuple[str, str]:
        e = defs.load_election(self.scenario.election)
        rows = self.release_rows(label, drop)
        keys = e.candidate_keys
        if kind == "json":
            jkeys = {c.key: _candidate_json_key(c) for c in e.candidates}
            out = []
            for r in rows:
                p = e.precinct(r.county, r.precinct)
                out.append({
                    "precinct": (p.code if p and p.code else r.precinct), "locality_name": r.county,
                    "locality_type": "county", "is_complete": True,
                    "precinct_id": str(p.idp_id) if p and p.idp_id else "",
                    "results_align1": {jkeys[k]: r.first[k] for k in keys},
                    "results_alignfinal": {jkeys[k]: r.final[k] for k in keys},
                    "results": {jkeys[k]: r.sde[k] for k in keys},
                })
            total = len(self.release_rows(label, False))
            meta = {"state": "ia", "race_id": "ia-17275-2020-02-03", "precincts_reporting": total, "label": label,
                    "total_precincts": len(e.precincts)}
            return "application/json", json.dumps({"meta": meta, "precincts": out}, indent=1)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if kind == "csv":
            w.writerow(["", ""] + ["First Expression"] * len(keys) + ["Final Expression"] * len(keys) + ["SDE"] * len(keys))
            w.writerow(["", ""] + list(keys) * 3)
            w.writerow(["County", "Precinct"] + [""] * (3 * len(keys)))
            for r in rows:
                w.writerow([r.county, r.precinct] + [r.first[k] for k in keys] + [r.final[k] for k in keys]
                           + [r.sde[k] for k in keys])
        else:
            w.writerow(["county", "precinct", "candidate", "measure", "value"])
            for r in rows:
                for k in keys:
                    w.writerow([r.county, r.precinct, k, "first", r.first[k]])
                    w.writerow([r.county, r.precinct, k, "final", r.final[k]])
                    w.writerow([r.county, r.precinct, k, "sde", r.sde[k]])
        return "text/csv; charset=utf-8", buf.getvalue()


def _q(query: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}


class _Handler(BaseHTTPRequestHandler):
    sim: SimServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        pass

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None,
              path: str = "") -> None:
        fault = self.sim.faults.take(path, ("truncate",)) if status == 200 else None
        # Logged before the response goes out: a client that has its answer must find the
        # request in the log (tests count requests right after a call returns).
        self.sim.record(path, status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if fault:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if fault else body)
        if fault:
            self.wfile.flush()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None, path: str = "") -> None:
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8", headers, path)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        path, q = unquote(parts.path), _q(parts.query)
        sim = self.sim
        try:
            self._route(path, q)
        except (BrokenPipeError, ConnectionResetError):
            sim.record(path, 499)  # after the response's own entry: the client left before it arrived
        except Exception as exc:  # a simulator bug must show up as a 500, not a dropped connection
            self._json(500, {"title": "simulator error", "detail": repr(exc)}, path=path)

    def _route(self, path: str, q: dict[str, str]) -> None:
        sim = self.sim
        slow = sim.faults.take(path, ("slow",))
        if slow:
            time.sleep(slow.delay)
        if sim.faults.take(path, ("500",)):
            return self._json(500, {"title": "Internal Server Error", "detail": "simulated"}, path=path)
        if path.startswith("/fault/redirect-loop"):
            nxt = "/fault/redirect-loop-b" if not path.endswith("-b") else "/fault/redirect-loop"
            return self._send(302, b"", "text/plain", {"Location": nxt}, path)
        if path.startswith("/2/"):
            return self._x(path, q)
        huge = sim.faults.take(path, ("huge",))
        if huge:
            return self._huge(huge.size, path)
        if path.startswith("/@") and path.endswith(".rss"):
            handle = path[2:-4]
            acc = sim.scenario.account(handle)
            if acc is None or acc.platform != "mastodon":
                return self._send(404, b"not found", "text/plain", path=path)
            limit = min(200, int(q.get("limit", "20") or 20))
            body = sim.rss(handle, "mastodon", limit, sim.faults.active(path, "changing-guids"))
            return self._feed(body, "application/rss+xml; charset=utf-8", path)
        if path.startswith("/tags/") and path.endswith(".rss"):
            # Mastodon's public hashtag feed: every account's posts that carry the tag.
            tag = path[len("/tags/"):-len(".rss")].lower()
            limit = min(200, int(q.get("limit", "40") or 40))
            body = sim.rss_tag(tag, limit)
            return self._feed(body, "application/rss+xml; charset=utf-8", path)
        if path.startswith("/profile/") and path.endswith("/rss"):
            who = path[len("/profile/"):-len("/rss")]
            acc = sim.scenario.account(who)
            if acc is None or acc.platform != "bluesky":
                return self._send(404, b"not found", "text/plain", path=path)
            if who != acc.did:
                return self._send(302, b"", "text/plain", {"Location": f"/profile/{acc.did}/rss"}, path)
            body = sim.rss(acc.handle, "bluesky", 30, sim.faults.active(path, "changing-guids"), did=acc.did)
            return self._feed(body, "application/rss+xml; charset=utf-8", path)
        if path.startswith("/site/") and path.endswith(".atom"):
            return self._feed(sim.atom_site(path[6:-5]), "application/atom+xml; charset=utf-8", path)
        if path.startswith("/idp/"):
            kind = {"/idp/results.json": "json", "/idp/full.csv": "csv", "/idp/long.csv": "long"}.get(path)
            label = q.get("label") or (r.label if (r := sim.scenario.release_at(sim.clock.seconds())) else "")
            if kind is None:
                return self._send(404, b"not found", "text/plain", path=path)
            if not label:
                return self._json(404, {"error": "no results published yet"}, path=path)
            ctype, text = sim.release_body(kind, label, sim.faults.active(path, "drop-counties"))
            if kind == "json" and sim.faults.take(path, ("bad-json",)):
                text = text[: len(text) // 3]
            published = next((r.at for r in sim.scenario.releases if r.label == label), None)
            return self._conditional(text.encode(), ctype, path, modified_at=published)
        return self._send(404, b"not found", "text/plain", path=path)

    def _feed(self, text: str, ctype: str, path: str) -> None:
        if self.sim.faults.take(path, ("bad-xml",)):
            # An unescaped ampersand and an unclosed element: feedparser flags bozo, then recovers.
            text = text.replace("</title>", " & friends</title>", 1).replace("</channel></rss>", "<broken></channel></rss>")
        return self._conditional(text.encode(), ctype, path)

    def _conditional(self, body: bytes, ctype: str, path: str, modified_at: float | None = None) -> None:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = email.utils.format_datetime(self.sim.clock.datetime(modified_at), usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self.sim.record(path, 304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, body, ctype, {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=60"}, path)

    def _huge(self, size: int, path: str) -> None:
        self.sim.record(path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        item = b"<item><title>x</title><description>" + b"y" * 4000 + b"</description></item>"
        self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>')
        sent = 0
        while sent < size:
            self.wfile.write(item * 16)
            sent += len(item) * 16
        self.wfile.write(b"</channel></rss>")

    def _x(self, path: str, q: dict[str, str]) -> None:
        sim = self.sim
        if sim.faults.page_delay:
            time.sleep(sim.faults.page_delay)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or (sim.bearer_token and auth != f"Bearer {sim.bearer_token}"):
            return self._json(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"}, path=path)
        forced = sim.faults.take(path, ("429", "429-noreset"))
        window_name = ("timeline" if "/tweets" in path and "/users/" in path else
                       "list" if "/lists/" in path else "search" if "/search/" in path else "users")
        window = sim.windows[window_name]
        ok, remaining, reset = window.take()
        headers = {"x-rate-limit-limit": str(window.limit), "x-rate-limit-remaining": str(remaining),
                   "x-rate-limit-reset": str(reset)}
        if forced or not ok:
            if forced and forced.kind == "429-noreset":
                headers = {}
            elif forced:
                headers["x-rate-limit-remaining"] = "0"
                headers["x-rate-limit-reset"] = str(int(time.time()) + int(forced.delay))
            return self._json(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
                              headers, path)
        _, status, body = sim.x_route(path, q)
        if status == 200 and sim.faults.take(path, ("bad-json",)):
            raw = json.dumps(body).encode()
            return self._send(200, raw[: max(1, len(raw) // 2)] + b"}{", "application/json", headers, path)
        return self._json(status, body, headers, path)
