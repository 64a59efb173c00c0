"""The tally service: store in, pure shadow tally and reconciliation, findings back to the store.

This is the effects edge around :mod:`reconcile.shadow` and :mod:`reconcile.compare`:
it reads accepted claims and stored releases, runs the pure core, and records the
findings (idempotently, resolving those that stopped holding). Time is a parameter,
so "what did we know at 21:45?" is ``refresh(..., as_of=21:45)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import shadowtally.elections as defs
from shadowtally.reconcile.compare import Reconciliation, reconcile
from shadowtally.reconcile.shadow import (ClaimRecord, FindingRecord, ShadowTally, build_shadow, cyclic_gc_paused,
                              rulepack_allocator)
from shadowtally.store.accounts import account_roles
from shadowtally.store.db import session_scope
from shadowtally.store.elections import election_id
from shadowtally.store.ingest import FindingStats, record_findings
from shadowtally.store.models import Claim, OfficialRelease, OfficialResult, Post, Source
from shadowtally.store.validate import FindingIn

# Roles whose posts count as the precinct's own report (see reconcile.shadow.authority).
OFFICIAL_ROLES = frozenset({"secretary", "chair", "official"})


@dataclass(frozen=True)
class TallyState:
    """The shadow tally and its reconciliation with every stored release, as of a time."""

    shadow: ShadowTally
    reconciliations: tuple[Reconciliation, ...]

    @property
    def latest(self) -> Reconciliation | None:
        return self.reconciliations[-1] if self.reconciliations else None


def accepted_claims_query(as_of: datetime | None = None) -> Any:
    """The columns :func:`claim_records` needs, for every accepted claim of a live post, oldest post first.

    Columns, not ORM objects: building three mapped objects per claim was most of the
    tally's time at national size (BENCHMARKS.md, "Scaling to national size").
    """
    query = (
        select(Claim.id, Claim.county, Claim.precinct, Claim.round, Claim.counts, Claim.supersedes_id,
               Post.id, Post.url, Post.author, Post.created_at, Post.platform, Source.role, Source.precinct)
        .join(Post, col(Claim.post_id) == col(Post.id))
        .join(Source, col(Post.source_id) == col(Source.id), isouter=True)
        .where(Claim.status == "accepted", col(Post.deleted).is_(False),
               col(Claim.round).in_(defs.ROUNDS))
        .order_by(col(Post.created_at), col(Claim.id))
    )
    if as_of is not None:
        query = query.where(col(Post.created_at) <= as_of)
    return query


def claim_records(session: Session, *, as_of: datetime | None = None,
                  roles: Mapping[str, tuple[str, bool]] | None = None) -> list[ClaimRecord]:
    """Every accepted claim with what the shadow needs to rank it: author, role, post URL.

    The role comes from the source that collected the post; ``roles`` (author → (role,
    registered)) overrides it for sources that carry many authors, such as an X list or
    a hashtag feed. Without ``roles``, the store's ``accounts`` table gives them, so the
    page, the CLI and the running collector rank conflicting claims alike.
    """
    if roles is None:
        roles = account_roles(session) or None
    out = []
    for (claim_id, county, precinct, round_, counts, supersedes, post_id, url, author, created_at, platform,
         source_role, source_precinct) in session.exec(accepted_claims_query(as_of)):
        # No source row (outer join): a post stored without its collector, e.g. by a test or import.
        role = source_role if source_role is not None else "other"
        registered = source_role is not None and (source_precinct is not None or role in OFFICIAL_ROLES)
        if roles is not None and author.lower() in roles:
            role, registered = roles[author.lower()]
        out.append(ClaimRecord(
            claim_id=claim_id, post_id=post_id, post_url=url, author=author, role=role,
            registered=registered, created_at=created_at, county=county, precinct=precinct,
            round=round_, counts=counts, corrects=supersedes is not None,
            supersedes=supersedes, platform=platform,
        ))
    return out


def stored_releases(session: Session, election_id: int, *, as_of: datetime | None = None) -> list[OfficialRelease]:
    """The newest stored release of each label, in publication order (fetch time when unknown)."""
    query = select(OfficialRelease).where(OfficialRelease.election_id == election_id)
    if as_of is not None:
        query = query.where(col(OfficialRelease.fetched_at) <= as_of)
    latest: dict[str, OfficialRelease] = {}
    for rel in session.exec(query.order_by(col(OfficialRelease.fetched_at))):
        latest[rel.label] = rel
    return sorted(latest.values(), key=lambda r: (r.published_at or r.fetched_at, r.id or 0))


def release_rows(session: Session, release: OfficialRelease, election: defs.Election) -> list[defs.ReleaseRow]:
    """A stored release's rows as :class:`elections.ReleaseRow` (groups it omits count as zero)."""
    first: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    final: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    sde: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    rows = session.exec(select(OfficialResult.county, OfficialResult.precinct, OfficialResult.candidate,
                               OfficialResult.first, OfficialResult.final, OfficialResult.sde)
                        .where(OfficialResult.release_id == release.id))
    for county, precinct, candidate, first_n, final_n, sde_v in rows:
        key = (county, precinct)
        first[key][candidate] = first_n or 0
        final[key][candidate] = final_n or 0
        sde[key][candidate] = sde_v or 0.0
    keys = election.candidate_keys
    return [
        defs.ReleaseRow(county=k[0], precinct=k[1], first={c: first[k].get(c, 0) for c in keys},
                        final={c: final[k].get(c, 0) for c in keys}, sde={c: sde[k].get(c, 0.0) for c in keys})
        for k in sorted(first)
    ]


def release_info(release: OfficialRelease) -> defs.ReleaseInfo:
    when = release.published_at or release.fetched_at
    return defs.ReleaseInfo(release.label, when, release.published_at is None, release.row_count, release.url)


def compute(session: Session, election: defs.Election, election_id: int, *, as_of: datetime | None = None,
            roles: Mapping[str, tuple[str, bool]] | None = None, latest_only: bool = False) -> TallyState:
    """Build the shadow tally and reconcile it with every release known at ``as_of`` (or only the latest)."""
    # The collector paused throughout, not only in the build: reading a million claims
    # otherwise triggers full passes over them before the build starts (see cyclic_gc_paused).
    with cyclic_gc_paused():
        shadow = build_shadow(claim_records(session, as_of=as_of, roles=roles), election, as_of=as_of,
                              allocate=rulepack_allocator(election))
        recons = []
        releases = stored_releases(session, election_id, as_of=as_of)
        for rel in releases[-1:] if latest_only else releases:
            recons.append(reconcile(shadow, release_rows(session, rel, election), release_info(rel), election,
                                    as_of=as_of))
    return TallyState(shadow, tuple(recons))


def _finding_in(f: FindingRecord) -> FindingIn:
    return FindingIn.of(rule=f.rule, severity=f.severity, county=f.county, precinct=f.precinct,
                        subject=f.subject, message=f.message, evidence=dict(f.evidence))


def record(session: Session, state: TallyState, *, now: datetime) -> dict[str, FindingStats]:
    """Persist the state's findings: shadow conflicts, and each release's discrepancies and gaps."""
    stats = {"shadow": record_findings(session, [_finding_in(f) for f in state.shadow.findings], now=now, scope="shadow:")}
    for rec in state.reconciliations:
        stats[rec.label] = record_findings(session, [_finding_in(f) for f in rec.findings], now=now,
                                           scope=rec.scope)
    return stats


def reconcile_store(engine: Engine, election_slug: str) -> None:
    """One reconcile pass for ``shadowtally run``: rebuild the tally, compare, record findings."""
    election = defs.load_election(election_slug)
    with session_scope(engine) as session:
        eid = election_id(session, election_slug)
        if eid is None:
            return
        record(session, compute(session, election, eid), now=datetime.now(timezone.utc))
