"""Official releases: the IDP media-feed JSON, the results-page CSV and the long CSV.

Layouts, detected from the body:

    json   {"meta": {...}, "precincts": [{"precinct", "locality_name", "precinct_id",
            "results_align1", "results_alignfinal", "results"}, ...]}
    csv    the results page export: three header rows (round, candidate, "County,Precinct")
    long   county,precinct,candidate,measure,value   (measure: first | final | sde)

Parsing is strict: an unknown county, precinct or candidate, a bad number, a short row,
a precinct listed twice or a release missing counties rejects the whole release with an
error naming the line (or JSON item); nothing of it is stored, so the previous release
stays current. Each distinct body is stored once (deduplicated by content hash).
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from sqlmodel import Session, select

import shadowtally.elections as defs
from shadowtally.settings import DEFAULT_ELECTION
from shadowtally.collectors.base import Clock, PassResult, Rejected
from shadowtally.collectors.http import DEFAULT_TIMEOUT, Backoff, fetch, new_session
from shadowtally.errors import InvalidValue
from shadowtally.store.elections import load_election
from shadowtally.store.ingest import upsert_release
from shadowtally.store.models import OfficialRelease, OfficialResult, Source
from shadowtally.store.sources import set_cursor
from shadowtally.store.validate import ReleaseIn, ResultIn

ROUND_HEADERS = {"first expression": "first", "final expression": "final", "sde": "sde"}
MEASURES = ("first", "final", "sde")


def _norm(name: str) -> str:
    """Case, HTML escapes and runs of spaces do not distinguish units ("Council Bluff  04")."""
    return " ".join(html.unescape(name).split()).casefold()


@dataclass
class _Acc:
    """Rows being built: (county, precinct) -> candidate -> measure -> value, with the line each came from."""

    election: defs.Election
    rows: dict[tuple[str, str], dict[str, dict[str, float]]] = field(default_factory=dict)
    lines: dict[tuple[str, str], str] = field(default_factory=dict)
    _by_lower: dict[tuple[str, str], defs.Precinct] = field(default_factory=dict)
    _by_code: dict[tuple[str, str], defs.Precinct] = field(default_factory=dict)
    _by_id: dict[int, defs.Precinct] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in self.election.precincts:
            self._by_lower[(_norm(p.county), _norm(p.name))] = p
            if p.code:
                self._by_code.setdefault((_norm(p.county), _norm(p.code)), p)
            if p.idp_id:
                self._by_id[p.idp_id] = p

    def unit(self, county: str, name: str, where: str, *, idp_id: str = "") -> defs.Precinct:
        if idp_id.strip().isdigit() and int(idp_id) in self._by_id:
            return self._by_id[int(idp_id)]
        # The results page escaped names as HTML ("Ward Two &amp; N1/2 …").
        key = (_norm(county), _norm(name))
        p = self._by_lower.get(key) or self._by_code.get(key)
        if p is None:
            if county.strip() not in self.election.counties:
                raise Rejected(f"{where}: unknown county {county!r}")
            raise Rejected(f"{where}: unknown precinct {name!r} in {county}")
        return p

    def put(self, p: defs.Precinct, candidate: str, measure: str, value: float, where: str) -> None:
        cell = self.rows.setdefault(p.key, {}).setdefault(candidate, {})
        if measure in cell:
            raise Rejected(f"{where}: {p.county}/{p.name} {candidate} {measure} is given twice "
                           f"(first at {self.lines.get(p.key, '?')})")
        cell[measure] = value
        self.lines.setdefault(p.key, where)


def _number(text: Any, where: str, what: str, *, whole: bool) -> float:
    if isinstance(text, bool):
        raise Rejected(f"{where}: {what} is not a number ({text!r})")
    try:
        value = float(text) if not isinstance(text, (int, float)) else float(text)
    except (TypeError, ValueError):
        raise Rejected(f"{where}: {what} is not a number ({text!r})") from None
    if value != value or value < 0:
        raise Rejected(f"{where}: {what} must be a non-negative number ({text!r})")
    if whole and not value.is_integer():
        raise Rejected(f"{where}: {what} must be a whole number ({text!r})")
    return value


def _candidate(election: defs.Election, text: str, where: str) -> str:
    t = text.strip().casefold()
    for c in election.candidates:
        key = c.key.casefold()
        if t == key or t == c.name.casefold() or (len(t) == len(key) + 1 and t.startswith(key)):
            return c.key
    raise Rejected(f"{where}: unknown candidate {text!r}")


def detect_layout(body: str) -> str:
    head = body.lstrip()[:2000]
    if head.startswith("{") or head.startswith("["):
        return "json"
    first = head.splitlines()[0].strip().casefold() if head else ""
    if first.replace(" ", "").startswith("county,precinct,candidate,measure,value"):
        return "long"
    if first.startswith(",,") and ("expression" in first or "sde" in first):
        return "csv"
    raise Rejected("line 1: not a known release layout (IDP JSON, results CSV or long CSV)")


def _parse_json(body: str, acc: _Acc) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise Rejected(f"line {exc.lineno}, column {exc.colno}: malformed JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("precincts"), list):
        raise Rejected("line 1: JSON release has no \"precincts\" list")
    rounds = {"results_align1": "first", "results_alignfinal": "final", "results": "sde"}
    for i, item in enumerate(data["precincts"]):
        where = f"precincts[{i}]"
        if not isinstance(item, dict):
            raise Rejected(f"{where}: not an object")
        if item.get("is_complete") is False:
            continue
        county, name = str(item.get("locality_name", "")), str(item.get("precinct", ""))
        where = f"precincts[{i}] ({county}/{name})"
        p = acc.unit(county, name, where, idp_id=str(item.get("precinct_id", "")))
        for field_name, measure in rounds.items():
            block = item.get(field_name)
            if not isinstance(block, dict):
                raise Rejected(f"{where}: missing {field_name}")
            for cand, value in block.items():
                key = _candidate(acc.election, cand, where)
                acc.put(p, key, measure, _number(value, where, f"{field_name}.{cand}", whole=measure != "sde"), where)
    meta = data.get("meta") or {}
    reporting = meta.get("precincts_reporting")
    if isinstance(reporting, int) and reporting > len(acc.rows):
        raise Rejected(f"meta: precincts_reporting is {reporting} but only {len(acc.rows)} complete precincts are listed")
    return meta


def _parse_wide(body: str, acc: _Acc) -> None:
    reader = csv.reader(io.StringIO(body))
    try:
        rounds_row, cands_row, names_row = next(reader), next(reader), next(reader)
    except StopIteration:
        raise Rejected("line 3: the results CSV needs three header rows") from None
    if [c.strip().casefold() for c in names_row[:2]] != ["county", "precinct"]:
        raise Rejected(f"line 3: expected County,Precinct, got {','.join(names_row[:2])!r}")
    columns: list[tuple[str, str]] = []
    for j, (r, c) in enumerate(zip(rounds_row[2:], cands_row[2:]), start=3):
        measure = ROUND_HEADERS.get(r.strip().casefold())
        if measure is None:
            raise Rejected(f"line 1, column {j}: unknown round {r!r}")
        columns.append((measure, _candidate(acc.election, c, f"line 2, column {j}")))
    if len(set(columns)) != len(columns):
        raise Rejected("line 2: a candidate column appears twice")
    for row in reader:
        where = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns) + 2:
            raise Rejected(f"{where}: {len(row)} fields, expected {len(columns) + 2} (a short or cut-off row)")
        if row[1].strip().casefold() == "total":
            continue  # the results page repeats each county's subtotal; the units carry the data
        p = acc.unit(row[0], row[1], where)
        for (measure, cand), cell in zip(columns, row[2:]):
            acc.put(p, cand, measure, _number(cell, where, f"{cand} {measure}", whole=measure != "sde"), where)


def _parse_long(body: str, acc: _Acc) -> None:
    reader = csv.reader(io.StringIO(body))
    next(reader)
    for row in reader:
        where = f"line {reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 5:
            raise Rejected(f"{where}: {len(row)} fields, expected 5 (county,precinct,candidate,measure,value)")
        county, name, cand, measure, value = row
        measure = measure.strip().casefold()
        if measure not in MEASURES:
            raise Rejected(f"{where}: unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
        p = acc.unit(county, name, where)
        key = _candidate(acc.election, cand, where)
        acc.put(p, key, measure, _number(value, where, f"{key} {measure}", whole=measure != "sde"), where)


def parse_release(body: str, election: defs.Election, *, previous_counties: set[str] | None = None
                  ) -> tuple[str, list[ResultIn], dict[str, Any]]:
    """(layout, rows, meta) of a release body; raises :class:`Rejected` naming the line."""
    layout = detect_layout(body)
    acc = _Acc(election)
    meta: dict[str, Any] = {}
    if layout == "json":
        meta = _parse_json(body, acc)
    elif layout == "csv":
        _parse_wide(body, acc)
    else:
        _parse_long(body, acc)
    if not acc.rows:
        raise Rejected("the release has no precinct rows")
    present = {county for county, _ in acc.rows}
    regular = {p.county for p in election.precincts if not p.satellite}
    missing = sorted((regular | (previous_counties or set())) - present)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise Rejected(f"partial release: {len(missing)} count{'y is' if len(missing) == 1 else 'ies are'} "
                       f"missing ({shown})", hint="the previous release stays current until a complete one arrives")
    out: list[ResultIn] = []
    for (county, name), cands in acc.rows.items():
        p = election.precinct(county, name)
        assert p is not None
        for cand in election.candidate_keys:
            cell = cands.get(cand)
            if cell is None or set(cell) != set(MEASURES):
                gone = sorted(set(MEASURES) - set(cell or {}))
                raise Rejected(f"{acc.lines[(county, name)]}: {county}/{name} has no {cand} "
                               f"{'/'.join(gone) or 'values'}")
            sde = cell["sde"]
            try:
                out.append(ResultIn.of(county=county, precinct=name, candidate=cand, first=int(cell["first"]),
                                       final=int(cell["final"]), sde=sde,
                                       delegates_implied=round(sde / p.sde_ratio) if p.sde_ratio else None))
            except InvalidValue as exc:
                raise Rejected(f"{acc.lines[(county, name)]}: {exc}") from None
    meta["precincts"] = len(acc.rows)
    return layout, out, meta


def release_label(n_precincts: int, election: defs.Election) -> str:
    return f"{round(100 * n_precincts / len(election.precincts))}pct"


@dataclass
class OfficialCollector:
    """Collector for ``official`` sources."""

    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    max_bytes: int = 64 * 1024 * 1024
    backoff: Backoff = field(default_factory=Backoff)
    election: str = DEFAULT_ELECTION
    http: requests.Session = field(default_factory=new_session)

    def collect(self, session: Session, source: Source, *, now: Clock) -> PassResult:
        cursor = dict(source.cursor or {})
        got = fetch(source.locator, session=self.http, etag=cursor.get("etag"),
                    last_modified=cursor.get("last_modified"), timeout=self.timeout, max_bytes=self.max_bytes,
                    backoff=self.backoff, now=now)
        result = PassResult(requests=1)
        if got.not_modified:
            result.not_modified = True
            return result
        election = defs.load_election(self.election)
        eid = load_election(session, self.election).election_id
        try:
            body = got.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Rejected(f"{source.locator}: the release is not UTF-8 ({exc})") from None
        previous = self._previous_counties(session, eid, source.id)
        layout, rows, meta = parse_release(body, election, previous_counties=previous)
        published = None
        if got.headers.get("last-modified"):
            try:
                published = parsedate_to_datetime(got.headers["last-modified"])
            except (TypeError, ValueError):
                published = None
        # A feed that names its release (the simulator does, as "certified" and "100pct"
        # both cover every unit) is taken at its word; otherwise the coverage names it.
        label = str(meta.get("label") or release_label(meta["precincts"], election))
        release = ReleaseIn.of(label=label, url=got.url, published_at=published,
                               fetched_at=got.fetched_at, content_type=got.headers.get("content-type", layout),
                               raw_body=body, source_id=source.id, results=tuple(rows))
        _, created = upsert_release(session, eid, release)
        if created:
            result.releases += 1
        else:
            result.unchanged += 1
        set_cursor(session, source, etag=got.headers.get("etag"), last_modified=got.headers.get("last-modified"))
        return result

    @staticmethod
    def _previous_counties(session: Session, eid: int, source_id: int | None) -> set[str]:
        q = select(OfficialRelease.id).where(OfficialRelease.election_id == eid)
        if source_id is not None:
            q = q.where(OfficialRelease.source_id == source_id)
        last = session.exec(q.order_by(OfficialRelease.fetched_at.desc(), OfficialRelease.id.desc())).first()  # type: ignore[attr-defined]
        if last is None:
            return set()
        return set(session.exec(select(OfficialResult.county).where(OfficialResult.release_id == last).distinct()))


