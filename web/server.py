"""The live page's HTTP server: the page, a JSON API, Server-Sent Events and the exports.

Effects only: what is shown comes from :mod:`web.views` through a
:class:`web.live.LiveTally`, which the handlers share through :class:`web.app.App`.
Standard library only (``ThreadingHTTPServer``), so serving adds no dependency.

    GET /                     the page (web/static/index.html)
    GET /static/<file>        app.js, style.css
    GET /api/summary          coverage, latest release, statewide shadow vs official
    GET /api/precincts        ?status=match|mismatch|social_only|official_only|unresolved &county=Polk
                              &limit=N (rows sent; ``count`` is all that match)
    GET /api/discrepancies    fields where posts and the latest release disagree
    GET /api/gaps             units posted but missing from the latest release
    GET /api/findings         ?limit=50: open findings, most recently seen first
    GET /events               Server-Sent Events: ``summary`` when the store changes,
                              ``unavailable`` while there is nothing to show
    GET /findings.atom        the Atom feed of open findings (?include_resolved=1)
    GET /export.csv|.json     tidy rows, each with its URL (?what=shadow|official|all &release=L
                              &include_review=1); the JSON is one array of the CSV's rows

A bad query parameter is answered 400, a missing store or an election not loaded
503, both with ``{"error", "hint"}``. Anything unexpected is logged to stderr and
answered 500 with no detail: a stack trace is for the operator, not the reader.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from itertools import chain
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

from shadowtally.services.feed import findings_feed
from shadowtally.services.exports import EXPORT_COLUMNS, feed_entries, official_rows, shadow_rows
from shadowtally.errors import ConfigError, NotFound, ShadowTallyError
from shadowtally.store.models import OfficialRelease
from shadowtally.web import views
from shadowtally.web.app import App, error_body
from shadowtally.web.live import LiveTally

Params = dict[str, str]

_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
# The page loads nothing from elsewhere and runs no inline script; links to posts still open.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class BadRequest(Exception):  # noqa: N818  (named for the HTTP status it becomes)
    """A query parameter the server cannot honour; answered 400 with the wrapped error."""

    def __init__(self, error: ShadowTallyError) -> None:
        super().__init__(str(error))
        self.error = error


class LiveServer(ThreadingHTTPServer):
    """A threading HTTP server that carries the :class:`App`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, Handler)
        self.app = app

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else (f"[{host}]" if ":" in host else host)
        return f"http://{shown}:{port}/"


def _flag(params: Params, name: str) -> bool:
    value = params.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadRequest(ConfigError(f"{name}={value!r} is not a yes/no value", hint=f"use {name}=1 or {name}=0"))


def _limit(params: Params, default: int | None = 50, most: int = 1000) -> int | None:
    raw = params.get("limit", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise BadRequest(ConfigError(f"limit={raw!r} is not a number from 1 to {most}", hint="e.g. limit=50"))
    return int(raw)


class Handler(BaseHTTPRequestHandler):
    """Routes GET (and HEAD) requests; see the module docstring for the routes."""

    server: LiveServer
    protocol_version = "HTTP/1.1"  # keep-alive for the polling fallback; SSE closes its own connection
    timeout = 120  # an idle keep-alive socket must not hold a thread forever
    _head = False

    # -- plumbing --------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        self._head = False  # one handler serves every request of a keep-alive connection
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._head = True
        self._dispatch()

    def _refuse(self) -> None:
        self._head = False
        self.close_connection = True  # the request's body is left unread, so this connection is done
        self._json({"error": f"{self.command} is not supported here", "hint": "this server only reads: use GET"},
                   HTTPStatus.METHOD_NOT_ALLOWED, extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Successful requests (and every poll) are not news; errors are.
        if isinstance(code, int) and code >= 400:
            self.server.app.log(f"{self.address_string()} {self.requestline!r} -> {code}")

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        self.server.app.log(format % args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not self._head:
            self.wfile.write(body)

    def _json(self, body: Any, status: int = HTTPStatus.OK, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        self._send(status, data, "application/json; charset=utf-8", extra)

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        route = _ROUTES.get(url.path)
        try:
            if route is not None:
                route(self, params)
            elif url.path.startswith("/static/"):
                self._static(url.path.removeprefix("/static/"))
            else:
                self._json({"error": f"no page at {url.path}", "hint": "the page is at /; the API under /api/"},
                           HTTPStatus.NOT_FOUND)
        except BadRequest as exc:
            self._json(error_body(exc.error), HTTPStatus.BAD_REQUEST)
        except ShadowTallyError as exc:
            self._json(error_body(exc), HTTPStatus.SERVICE_UNAVAILABLE, extra={"Retry-After": "5"})
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # the reader left (or stopped reading); nothing to answer
        except Exception:  # noqa: BLE001
            self.server.app.log(f"live page: {self.requestline!r} failed:\n{traceback.format_exc()}")
            self.close_connection = True
            try:
                self._json({"error": "internal error", "hint": "the server's log says what went wrong"},
                           HTTPStatus.INTERNAL_SERVER_ERROR)
            except OSError:
                pass

    # -- routes ----------------------------------------------------------------------

    def _static(self, name: str) -> None:
        files = resources.files("shadowtally.web") / "static"
        known = {f.name: f for f in files.iterdir() if f.is_file()}
        if name not in known:  # only the files that ship, never a path the client builds
            self._json({"error": f"no static file {name!r}"}, HTTPStatus.NOT_FOUND)
            return
        suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        self._send(HTTPStatus.OK, known[name].read_bytes(), _TYPES.get(suffix, "application/octet-stream"),
                   {"Content-Security-Policy": _CSP})

    def page(self, params: Params) -> None:
        self._static("index.html")

    def summary(self, params: Params) -> None:
        self._json(self.server.app.live.snapshot().summary)

    def precincts(self, params: Params) -> None:
        live = self.server.app.live
        try:
            filters = views.parse_filters(params, live.election)
        except ShadowTallyError as exc:
            raise BadRequest(exc) from None
        limit = _limit(params, default=None, most=100_000)
        snap = live.snapshot()
        rows = snap.precincts(filters)
        self._json({"version": snap.version, "release": _label(snap), "release_urls": snap.release_urls,
                    "status": filters.status, "county": filters.county, "count": len(rows), "rows": rows[:limit]})

    def discrepancies(self, params: Params) -> None:
        snap = self.server.app.live.snapshot()
        self._json({"version": snap.version, "release": _label(snap), "count": len(snap.discrepancies),
                    "rows": snap.discrepancies})

    def gaps(self, params: Params) -> None:
        snap = self.server.app.live.snapshot()
        self._json({"version": snap.version, "release": _label(snap), "count": len(snap.gaps), "rows": snap.gaps})

    def findings(self, params: Params) -> None:
        limit = _limit(params)
        snap = self.server.app.live.snapshot()
        self._json({"version": snap.version, "count": len(snap.findings),
                    "rows": views.findings(snap.findings, releases=snap.releases, limit=limit)})

    def feed(self, params: Params) -> None:
        include_resolved = _flag(params, "include_resolved")
        with self.server.app.live.session() as session:
            entries = feed_entries(session, include_resolved=include_resolved)
        host = self.headers.get("Host") or "localhost"
        text = findings_feed(entries, feed_id="tag:shadowtally,2020:findings", title="ShadowTally findings",
                             self_url=f"http://{host}/findings.atom", generated_at=datetime.now(timezone.utc))
        self._send(HTTPStatus.OK, text.encode(), "application/atom+xml; charset=utf-8")

    def _export_rows(self, params: Params) -> list[dict[str, Any]]:
        what = params.get("what", "all").strip() or "all"
        if what not in ("shadow", "official", "all"):
            raise BadRequest(ConfigError(f"what={what!r} is not shadow, official or all", hint="e.g. what=shadow"))
        include_review = _flag(params, "include_review")
        label = params.get("release", "").strip() or None
        with self.server.app.live.session() as session:
            if label is not None:
                known = sorted(set(session.exec(select(OfficialRelease.label))))
                if label not in known:
                    raise BadRequest(NotFound(f"no stored release {label!r}",
                                              hint=f"stored releases: {', '.join(known) or 'none yet'}"))
            streams = []
            if what in ("shadow", "all"):
                streams.append(shadow_rows(session, include_review=include_review))
            if what in ("official", "all"):
                streams.append(official_rows(session, label))
            return list(chain.from_iterable(streams))

    def export_csv(self, params: Params) -> None:
        rows = self._export_rows(params)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        self._send(HTTPStatus.OK, out.getvalue().encode(), "text/csv; charset=utf-8")

    def export_json(self, params: Params) -> None:
        self._json(self._export_rows(params))

    def events(self, params: Params) -> None:
        app = self.server.app
        self.close_connection = True  # the stream ends with the connection
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        if self._head:
            return
        self.wfile.write(b"retry: 3000\n\n")
        generation, sent = app.generation, None
        while not app.stopping.is_set():
            event, data = app.current()
            key = (event, data.get("version") if event == "summary" else data.get("error"))
            if key != sent:
                sent = key
                ident = f"id: {data['version']}\n" if event == "summary" else ""
                payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
                self.wfile.write(f"{ident}event: {event}\ndata: {payload}\n\n".encode())
            else:
                self.wfile.write(b": keepalive\n\n")  # lets proxies and the reader see we are alive
            self.wfile.flush()
            generation = app.wait(generation, app.heartbeat)


def _label(snap: Any) -> str | None:
    rec = snap.state.latest
    return rec.label if rec is not None else None


_ROUTES: dict[str, Callable[[Handler, Params], None]] = {
    "/": Handler.page, "/index.html": Handler.page,
    "/api/summary": Handler.summary, "/api/precincts": Handler.precincts,
    "/api/discrepancies": Handler.discrepancies, "/api/gaps": Handler.gaps, "/api/findings": Handler.findings,
    "/events": Handler.events, "/findings.atom": Handler.feed,
    "/export.csv": Handler.export_csv, "/export.json": Handler.export_json,
}


def make_server(live: LiveTally, host: str = "127.0.0.1", port: int = 8000, **app_options: Any) -> LiveServer:
    """Bind the server (port 0 picks a free one); :func:`serve` or :func:`running` runs it."""
    return LiveServer((host, port), App(live, **app_options))


def serve(server: LiveServer) -> None:
    """Serve until interrupted, then stop the watcher and close the store."""
    server.app.start()
    try:
        server.serve_forever(poll_interval=0.25)
    finally:
        server.app.stop()
        server.server_close()


@contextmanager
def running(live: LiveTally, host: str = "127.0.0.1", port: int = 0, **app_options: Any) -> Iterator[LiveServer]:
    """The server running in a background thread for the block (tests, ``serve --get``)."""
    server = make_server(live, host, port, **app_options)
    thread = threading.Thread(target=serve, args=(server,), name="shadowtally-serve", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
