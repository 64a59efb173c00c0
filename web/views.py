"""What the live page shows, as plain JSON-able dicts.

Pure: a :class:`shadowtally.services.tally.TallyState`, the election and what the caller read
from the store (release URLs, stored findings, the store version, the time it computed
the state) in; dicts out. No database, network or clock.

Every number leaves here *cited*, so the page can link it to what said it:

    {"value": 111, "urls": ["https://x.com/…"], "derived": false}       one number
    {"values": [["Sanders", 111], …], "urls": […], "derived": false}     one round of a precinct

``urls`` are the posts (or the release) that said the number, oldest first; a derived
number (delegates or SDE computed by the caucus math) links to the posts it was
computed from and says ``derived: true``. A statewide shadow total is a sum that no
post said: it carries ``href: "#precincts"`` (the table of its parts, each linked)
and ``sum_of`` (how many precincts it adds up) instead of ``urls``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

import shadowtally.elections as defs
from shadowtally.reconcile.compare import STATUSES, PrecinctRecon, Reconciliation
from shadowtally.reconcile.shadow import ROUNDS, Evidence, ShadowPrecinct
from shadowtally.services.feed import FeedEntry
from shadowtally.services.feed import evidence_urls  # one evidence walker for the feed and the page
from shadowtally.errors import NotFound
from shadowtally.services.tally import TallyState

__all__ = [
    "STATUSES", "Filters", "ReleaseRef", "discrepancies", "filter_precincts", "findings", "gaps", "parse_filters",
    "precincts", "release_urls", "safe_urls", "summary",
]

# Where the page lists the parts of a statewide sum.
PRECINCTS_ANCHOR = "#precincts"


@dataclass(frozen=True)
class ReleaseRef:
    """A stored release as the page cites it: its label, URL and publication time."""

    label: str
    url: str
    published_at: datetime


@dataclass(frozen=True)
class Filters:
    """The precinct table's filters; None means all."""

    status: str | None = None
    county: str | None = None


def iso(t: datetime | None) -> str | None:
    """ISO-8601 UTC with a ``Z``, the form JavaScript's ``Date`` reads everywhere."""
    return None if t is None else t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def safe_urls(urls: Iterable[str | None]) -> list[str]:
    """The http(s) URLs among ``urls``, first occurrence kept.

    A post's URL comes from the platform; anything else (``javascript:``, a bare id)
    must never become a link on the page.
    """
    return list(dict.fromkeys(u for u in urls if u and u.lower().startswith(("https://", "http://"))))


def _evidence_urls(evidence: Iterable[Evidence]) -> list[str]:
    return safe_urls(e.url for e in sorted(evidence, key=lambda e: (e.created_at, e.claim_id)))


def _round_urls(sp: ShadowPrecinct, rnd: str) -> list[str]:
    """The posts behind a round; a derived round links to the posts it was computed from."""
    if rnd in sp.derived:
        return _evidence_urls(e for r, ev in sp.sources.items() if r not in sp.derived for e in ev)
    return _evidence_urls(sp.sources.get(rnd, ()))


def _all_urls(sp: ShadowPrecinct) -> list[str]:
    return _evidence_urls({e.claim_id: e for ev in sp.sources.values() for e in ev}.values())


def _num(value: int | float) -> int | float:
    return round(value, 4) if isinstance(value, float) else value


def _values(counts: Mapping[str, int | float]) -> list[list[Any]]:
    """Nonzero counts, largest first: posts omit zero groups, so zeros carry no news."""
    return [[k, _num(v)] for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if v]


def parse_filters(params: Mapping[str, str], election: defs.Election) -> Filters:
    """Read ``status`` and ``county`` from query parameters ('' or 'all' means no filter).

    The county is matched without regard to case and returned as the election spells it.
    Raises :class:`NotFound` naming the accepted values.
    """
    status = (params.get("status") or "").strip()
    county = (params.get("county") or "").strip()
    if status.lower() in ("", "all"):
        status_out = None
    elif status in STATUSES:
        status_out = status
    else:
        raise NotFound(f"unknown status {status!r}", hint=f"use one of: {', '.join(STATUSES)} (or all)")
    if county.lower() in ("", "all"):
        county_out = None
    else:
        by_fold = {c.casefold(): c for c in election.counties}
        if county.casefold() not in by_fold:
            raise NotFound(f"unknown county {county!r} in {election.slug}",
                           hint="use a county name as the party spells it, e.g. Polk or Story")
        county_out = by_fold[county.casefold()]
    return Filters(status_out, county_out)


def _release_url(rec: Reconciliation, releases: Mapping[str, ReleaseRef]) -> list[str]:
    ref = releases.get(rec.label)
    return safe_urls([ref.url if ref else None])


def summary(state: TallyState, election: defs.Election, *, releases: Mapping[str, ReleaseRef], version: str,
            updated_at: datetime, open_findings: int) -> dict[str, Any]:
    """Coverage, the latest release, and the statewide table: shadow vs official per candidate."""
    sh, rec = state.shadow, state.latest
    out: dict[str, Any] = {
        "version": version,
        "updated_at": iso(updated_at),
        "as_of": iso(sh.as_of),
        "election": {"slug": election.slug, "name": election.name, "timezone": election.timezone,
                     "units": len(election.precincts), "counties": list(election.counties)},
        "statuses": list(STATUSES),
        "coverage": {"precincts_posted": sh.precincts_posted, "precincts_with_sde": sh.precincts_with_sde,
                     "sde_share": sh.sde_share},
        "release": None,
        "statewide": _statewide(state, election, releases),
        "open_findings": open_findings,
    }
    if rec is not None:
        ref = releases.get(rec.label)
        out["release"] = {
            "label": rec.label, "published_at": iso(rec.published_at),
            "urls": safe_urls([ref.url if ref else None]),
            "counts": dict(rec.counts), "units": len(rec.precincts) - rec.counts.get("social_only", 0),
            "median_lag_hours": round(rec.median_lag.total_seconds() / 3600, 2) if rec.median_lag else None,
            "discrepancy_fields": sum(len(pr.diffs) for pr in rec.by_status("mismatch")),
        }
    return out


def _statewide(state: TallyState, election: defs.Election, releases: Mapping[str, ReleaseRef]) -> list[dict[str, Any]]:
    sh, rec = state.shadow, state.latest
    # How many precincts each shadow total adds up, for the link's title.
    sums = {rnd: sum(1 for sp in sh.precincts.values() if sp.round(rnd) is not None)
            for rnd in ("first", "final", "sde")}
    derived_sde = any("sde" in sp.derived for sp in sh.precincts.values())
    shadow_sde_total = sum(sh.sde.values())
    official_sde_total = sum(rec.official_sde.values()) if rec else 0.0
    release_urls = _release_url(rec, releases) if rec else []
    rows = []
    for cand in election.candidates:
        k = cand.key
        shadow = {
            "sde": {"value": _num(sh.sde.get(k, 0.0)), "urls": [], "href": PRECINCTS_ANCHOR,
                    "sum_of": sums["sde"], "derived": derived_sde},
            "first": {"value": sh.first.get(k, 0), "urls": [], "href": PRECINCTS_ANCHOR, "sum_of": sums["first"],
                      "derived": False},
            "final": {"value": sh.final.get(k, 0), "urls": [], "href": PRECINCTS_ANCHOR, "sum_of": sums["final"],
                      "derived": False},
        }
        row: dict[str, Any] = {
            "candidate": k, "name": cand.name, "shadow": shadow,
            "shadow_sde_share": round(sh.sde.get(k, 0.0) / shadow_sde_total, 4) if shadow_sde_total else None,
            "official": None, "official_sde_share": None,
        }
        if rec is not None:
            row["official"] = {
                "sde": {"value": _num(rec.official_sde.get(k, 0.0)), "urls": release_urls, "derived": False},
                "first": {"value": rec.official_first.get(k, 0), "urls": release_urls, "derived": False},
                "final": {"value": rec.official_final.get(k, 0), "urls": release_urls, "derived": False},
            }
            row["official_sde_share"] = (round(rec.official_sde.get(k, 0.0) / official_sde_total, 4)
                                         if official_sde_total else None)
        if any(c["value"] for side in (row["shadow"], row["official"] or {}) for c in side.values()):
            rows.append(row)
    rows.sort(key=lambda r: (-(r["official"]["sde"]["value"] if r["official"] else 0), -r["shadow"]["sde"]["value"],
                             r["candidate"]))
    return rows


def _shadow_rounds(sp: ShadowPrecinct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rnd in ROUNDS:
        counts = sp.round(rnd)
        if counts is not None:
            out[rnd] = {"values": _values(counts), "urls": _round_urls(sp, rnd), "derived": rnd in sp.derived,
                        "confidence": sp.round_confidence.get(rnd)}
    return out


def _official_rounds(pr: PrecinctRecon | None) -> dict[str, list[list[Any]]] | None:
    row = pr.release_row if pr is not None else None
    if row is None:
        return None
    return {rnd: _values(getattr(row, rnd)) for rnd in ("first", "final", "sde")}


def _precinct_row(sp: ShadowPrecinct | None, pr: PrecinctRecon | None, county: str, name: str) -> dict[str, Any]:
    return {
        "county": county, "precinct": name,
        "status": pr.status if pr is not None else None,
        "first_posted_at": iso(sp.first_posted_at) if sp is not None else None,
        "urls": _all_urls(sp) if sp is not None else [],  # oldest first: urls[0] is the first post
        "shadow": _shadow_rounds(sp) if sp is not None else {},
        "official": _official_rounds(pr),
        "diff_fields": [d.field for d in pr.diffs] if pr is not None else [],
        "conflicts": [c.round for c in sp.conflicts if not c.resolved] if sp is not None else [],
        "lag_hours": round(pr.lag.total_seconds() / 3600, 2) if pr is not None and pr.lag is not None else None,
        "hours_missing": pr.hours_missing if pr is not None else None,
    }


def precincts(state: TallyState) -> list[dict[str, Any]]:
    """One row per unit posted or released (against the latest release), newest post first.

    ``official`` holds the release row's values per round; they all cite the release
    (:func:`release_urls`), given once per response rather than once per number since
    a whole night's table is a megabyte already. Without a stored release every posted
    unit is listed with ``status: null``: there is nothing to reconcile it with yet,
    which is not the same as a reporting gap.
    """
    rec = state.latest
    shadow = state.shadow.precincts
    keys = set(shadow) | (set(rec.precincts) if rec is not None else set())
    rows = [_precinct_row(shadow.get(k), rec.precincts.get(k) if rec is not None else None, *k) for k in keys]
    # Newest first post on top (what just came in), then the units only the release has;
    # two stable sorts, since ISO-8601 UTC strings sort as times.
    rows.sort(key=lambda r: (r["county"], r["precinct"]))
    rows.sort(key=lambda r: r["first_posted_at"] or "", reverse=True)
    return rows


def filter_precincts(rows: Iterable[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    """The rows of :func:`precincts` that pass ``filters``."""
    return [r for r in rows
            if (filters.status is None or r["status"] == filters.status)
            and (filters.county is None or r["county"] == filters.county)]


def release_urls(state: TallyState, releases: Mapping[str, ReleaseRef]) -> list[str]:
    """The URL of the latest release (what every official number on the page cites)."""
    return _release_url(state.latest, releases) if state.latest is not None else []


def discrepancies(state: TallyState, *, releases: Mapping[str, ReleaseRef]) -> list[dict[str, Any]]:
    """Every field where the posts and the latest release disagree: both numbers, each cited."""
    rec = state.latest
    if rec is None:
        return []
    release_urls = _release_url(rec, releases)
    rows = []
    for pr in sorted(rec.by_status("mismatch"), key=lambda p: p.key):
        for d in pr.diffs:
            post_urls = _evidence_urls(d.claims)
            for cand, (sv, ov) in sorted(d.candidates.items()):
                rows.append({
                    "release": rec.label, "county": pr.county, "precinct": pr.precinct, "field": d.field,
                    "candidate": cand,
                    "shadow": {"value": None if sv is None else _num(sv), "urls": post_urls, "derived": d.derived},
                    "official": {"value": _num(ov), "urls": release_urls, "derived": False},
                })
    return rows


def gaps(state: TallyState) -> list[dict[str, Any]]:
    """Units posted publicly but missing from the latest release, longest missing first.

    ``hours_missing`` is measured from the first post, so it links to that post.
    """
    rec = state.latest
    if rec is None:
        return []
    rows: list[dict[str, Any]] = []
    for pr in rec.by_status("social_only"):
        sp = state.shadow.precincts.get(pr.key)
        urls = _all_urls(sp) if sp is not None else []
        rows.append({
            "release": rec.label, "county": pr.county, "precinct": pr.precinct,
            "first_posted_at": iso(pr.first_posted_at),
            "hours_missing": {"value": pr.hours_missing, "urls": urls[:1], "derived": False},
            "urls": urls,
        })
    rows.sort(key=lambda r: (-(r["hours_missing"]["value"] or 0), r["county"], r["precinct"]))
    return rows


def findings(entries: Sequence[FeedEntry], *, releases: Mapping[str, ReleaseRef] | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
    """Stored findings, most recently seen first, each with the URLs behind its numbers.

    A finding's message quotes numbers, so ``urls`` holds every URL in its evidence
    (the posts) and ``release_urls`` the URL of the release its evidence names.
    """
    ordered = sorted(entries, key=lambda e: (e.last_seen, e.id), reverse=True)
    out = []
    for e in ordered[:limit]:
        label = e.evidence.get("release")
        ref = (releases or {}).get(label) if isinstance(label, str) else None
        out.append({
            "id": e.id, "rule": e.rule, "severity": e.severity, "county": e.county, "precinct": e.precinct,
            "message": e.message, "first_seen": iso(e.first_seen), "last_seen": iso(e.last_seen),
            "resolved": e.resolved, "release": label if isinstance(label, str) else None,
            "urls": safe_urls(evidence_urls(e.evidence)), "release_urls": safe_urls([ref.url if ref else None]),
        })
    return out
