"""The real server on a free port, over real sockets: the API, errors, the SSE stream, the feed and the exports."""

from __future__ import annotations

import csv
import http.client
import io
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner
from web_helpers import BIDEN_ERROR, RELEASE_URL, Night, StartServer, add_post, nonzero, release_row

from shadowtally.app import cli
from shadowtally.store.db import open_store
from shadowtally.web import views


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(url: str) -> tuple[int, Any]:
    status, headers, body = fetch(url)
    assert headers["Content-Type"].startswith("application/json")
    return status, json.loads(body)


def test_summary_matches_the_store(night: Night, start_server: StartServer) -> None:
    """Normal case: /api/summary has the coverage and the release, and the statewide numbers the data implies."""
    server = start_server(night.url)
    status, s = get_json(server.url + "api/summary")
    assert status == 200
    assert s["coverage"]["precincts_posted"] == 3
    assert s["release"]["urls"] == [RELEASE_URL]
    sanders = next(r for r in s["statewide"] if r["candidate"] == "Sanders")
    assert sanders["shadow"]["first"]["value"] == night.ames.first["Sanders"] + night.webster.first["Sanders"]
    assert sanders["official"]["final"]["value"] == sum(final["Sanders"] for _, final in night.released)


def test_precincts_filtered_by_status_and_county(sqlite_night: Night, start_server: StartServer) -> None:
    """Filter case: ?status= and ?county= narrow the rows; ?limit= caps the rows sent, not the count."""
    night = sqlite_night
    base = start_server(night.url).url
    status, body = get_json(base + "api/precincts?status=mismatch")
    assert status == 200 and [r["precinct"] for r in body["rows"]] == [night.adair.precinct]
    assert body["release_urls"] == [RELEASE_URL]
    _, body = get_json(base + "api/precincts?county=polk")
    assert body["county"] == "Polk" and body["count"] == 2
    _, body = get_json(base + "api/precincts?limit=1")
    assert body["count"] == 5 and len(body["rows"]) == 1


BAD_PARAMETERS = [
    ("api/precincts?status=lost", "status"),
    ("api/precincts?county=Atlantis", "county"),
    ("api/precincts?limit=-3", "limit"),
    ("api/findings?limit=many", "limit"),
    ("export.csv?what=everything", "what"),
    ("export.json?include_review=maybe", "include_review"),
    ("export.csv?release=999pct", "999pct"),
    ("findings.atom?include_resolved=perhaps", "include_resolved"),
]


def test_bad_parameter_is_400_with_a_json_message(sqlite_night: Night, start_server: StartServer) -> None:
    """Bad parameter case: each one is a 400 with a JSON error naming the parameter, and a hint."""
    base = start_server(sqlite_night.url).url
    for query, word in BAD_PARAMETERS:
        status, body = get_json(base + query)
        assert status == 400, query
        assert word in body["error"] and body["hint"], query


def test_discrepancies_and_gaps(sqlite_night: Night, start_server: StartServer) -> None:
    """Normal case: the wrong Biden final with both numbers and URLs; the gap with its post."""
    night = sqlite_night
    base = start_server(night.url).url
    _, d = get_json(base + "api/discrepancies")
    posted = [r for r in d["rows"] if not r["shadow"]["derived"]]
    assert [(r["candidate"], r["shadow"]["value"], r["official"]["value"]) for r in posted] == [
        ("Biden", night.adair.final["Biden"], night.adair.final["Biden"] + BIDEN_ERROR)]
    assert posted[0]["shadow"]["urls"] == [night.urls["adair_final"]] and posted[0]["official"]["urls"] == [RELEASE_URL]
    _, g = get_json(base + "api/gaps")
    assert [(r["precinct"], r["urls"]) for r in g["rows"]] == [(night.webster.precinct, [night.urls["webster_first"]])]


def test_findings_api_and_atom_feed(night: Night, start_server: StartServer) -> None:
    """Normal case: the findings the store holds, as JSON and as a valid Atom feed linking the posts."""
    base = start_server(night.url).url
    _, f = get_json(base + "api/findings")
    rules = {(r["rule"], r["precinct"]) for r in f["rows"]}
    assert ("recon_gap", night.webster.precinct) in rules and ("recon_mismatch", night.adair.precinct) in rules
    status, headers, body = fetch(base + "findings.atom")
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo and len(feed.entries) == f["count"]
    related = {link.href for e in feed.entries for link in e.links if link.rel == "related"}
    assert {night.urls["adair_final"], night.urls["webster_first"]} <= related


def test_exports_are_the_cli_export(night: Night, start_server: StartServer) -> None:
    """Export case: /export.csv is byte for byte `shadowtally export`; /export.json is its rows as one array."""
    base = start_server(night.url).url
    cli_out = CliRunner().invoke(cli, ["export", "--db", night.url])
    assert cli_out.exit_code == 0
    status, headers, body = fetch(base + "export.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.decode() == cli_out.stdout
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert rows and all(r["url"] for r in rows)
    _, as_json = get_json(base + "export.json?what=shadow")
    cli_json = CliRunner().invoke(cli, ["export", "--db", night.url, "--what", "shadow", "--format", "json"])
    assert as_json == [json.loads(line) for line in cli_json.stdout.splitlines()]


def test_missing_store_is_503_with_a_hint_and_the_page_still_loads(tmp_path: Path, start_server: StartServer) -> None:
    """Missing store case: every API answers 503 with a next step; / still serves the page that explains it."""
    base = start_server(str(tmp_path / "nowhere.db")).url
    for path in ("api/summary", "api/precincts", "api/gaps", "api/discrepancies", "api/findings", "export.csv",
                 "findings.atom"):
        status, headers, body = fetch(base + path)
        assert status == 503, path
        assert json.loads(body)["hint"] and headers["Retry-After"]
    status, headers, body = fetch(base)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"/static/app.js" in body


def test_election_not_loaded_is_503_saying_run_init(sqlite_url: str, start_server: StartServer) -> None:
    """Election not loaded case: the store exists but has no election: 503 naming `shadowtally init`."""
    open_store(sqlite_url).dispose()
    status, body = get_json(start_server(sqlite_url).url + "api/summary")
    assert status == 503 and "shadowtally init" in body["hint"]


def test_unexpected_error_is_500_without_a_stack_trace(sqlite_night: Night, start_server: StartServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug case: an exception inside a view is logged for the operator; the client gets no traceback."""
    logged: list[str] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(views, "gaps", broken)
    base = start_server(sqlite_night.url, log=logged.append).url
    status, headers, body = fetch(base + "api/gaps")
    assert status == 500
    assert b"secret detail" not in body and b"Traceback" not in body and json.loads(body)["error"]
    assert any("secret detail" in line for line in logged)


def test_unknown_paths_and_methods(sqlite_night: Night, start_server: StartServer) -> None:
    """Routing case: unknown path 404, a path out of static/ 404, a write method 405; static files are typed."""
    base = start_server(sqlite_night.url).url
    assert fetch(base + "nope")[0] == 404
    conn = http.client.HTTPConnection(base.split("//")[1].rstrip("/"), timeout=10)
    conn.request("GET", "/static/../server.py")
    assert conn.getresponse().status == 404
    conn.close()
    assert fetch(base + "api/summary", method="POST")[0] == 405
    status, headers, body = fetch(base + "static/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript") and b"EventSource" in body
    assert "script-src 'self'" in fetch(base)[1]["Content-Security-Policy"]


class EventStream:
    """A minimal Server-Sent Events reader over http.client."""

    def __init__(self, base: str) -> None:
        self.conn = http.client.HTTPConnection(base.split("//")[1].rstrip("/"), timeout=20)
        self.conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200 and self.resp.headers["Content-Type"].startswith("text/event-stream")

    def next(self) -> tuple[str, dict[str, Any]]:
        """The next event with data (comments and the retry field are skipped)."""
        event, data = "message", []
        while True:
            line = self.resp.readline().decode().rstrip("\n")
            if line == "":
                if data:
                    return event, json.loads("\n".join(data))
                event = "message"
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())

    def close(self) -> None:
        self.conn.close()


def test_events_push_a_new_summary_when_a_claim_arrives(night: Night, start_server: StartServer) -> None:
    """Live update case: the first event is the current summary; a new post and claim bring a new one."""
    stream = EventStream(start_server(night.url).url)
    try:
        event, first = stream.next()
        assert event == "summary" and first["coverage"]["precincts_posted"] == 3
        polk = release_row("Polk", night.official_only.precinct)
        add_post(night.url, "77", 300, "Polk", polk.precinct, "first", nonzero(polk.first))
        started = time.monotonic()
        event, second = stream.next()
        assert event == "summary" and second["version"] != first["version"]
        assert second["coverage"]["precincts_posted"] == 4
        assert time.monotonic() - started < 15
    finally:
        stream.close()


def test_events_say_unavailable_for_a_missing_store(tmp_path: Path, start_server: StartServer) -> None:
    """Missing store case over SSE: an `unavailable` event with the error and its hint, not a dropped stream."""
    stream = EventStream(start_server(str(tmp_path / "nowhere.db")).url)
    try:
        event, body = stream.next()
        assert event == "unavailable" and "no store" in body["error"] and body["hint"]
    finally:
        stream.close()
