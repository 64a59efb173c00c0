"""Table models: every raw input ShadowTally sees, with its provenance.

One paragraph of schema: an **Election** owns **Precinct** units (satellites included)
and **Candidate** preference groups. A **Source** is something watched (an X account,
a feed, the party's release endpoint), with its cursor and health. A **Post** is one
raw item from a source, kept verbatim (``raw``) with its platform id, author, URL,
times and edit/deletion state; a **Claim** is what a post says about one precinct and
round (counts per candidate as JSON), with the parser rule and text span that produced
it and a status (accepted / review / rejected). An **OfficialRelease** is one fetched
release (raw body, content hash); **OfficialResult** holds its rows, one per precinct
and candidate. A **Finding** is a consistency or reconciliation result: rule id,
severity, precinct, subject, evidence, first/last seen, resolved.

Table models skip validation in sqlmodel, so values are checked in
:mod:`store.validate` before they reach these classes. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from shadowtally.elections import ROUNDS as ELECTION_ROUNDS

__all__ = [
    "Election", "Precinct", "Candidate", "Source", "Account", "Post", "Claim",
    "OfficialRelease", "OfficialResult", "Finding", "ROLES", "CLAIM_STATUSES", "ROUNDS",
]

ROLES = ("secretary", "chair", "captain", "reporter", "official", "other")
CLAIM_STATUSES = ("accepted", "review", "rejected")
# Claims carry an election round, or "unknown" when the post does not say which.
ROUNDS = (*ELECTION_ROUNDS, "unknown")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on every backend.

    SQLite has no time zones and hands back naive values; PostgreSQL returns the
    session's zone. Both come back as UTC here, and a naive value is refused on write.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC datetimes only")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Election(SQLModel, table=True):
    """An election being watched, with the rule pack its caucus math follows."""

    __tablename__ = "elections"

    id: Optional[int] = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str
    date: str = Field(description="Caucus day, ISO date")
    rule_pack: str = Field(max_length=64)
    timezone: str = Field(default="UTC", max_length=64)


class Precinct(SQLModel, table=True):
    """A reporting unit: a precinct, or a satellite caucus in a pseudo-county."""

    __tablename__ = "precincts"
    __table_args__ = (UniqueConstraint("election_id", "county", "name", name="uq_precinct_name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="elections.id", index=True)
    county: str = Field(index=True)
    name: str = Field(description="Official name as the party published it")
    code: str = Field(default="", description="Short code (e.g. 'DM 80')")
    idp_id: Optional[int] = Field(default=None, description="The party's numeric precinct id")
    district: str = Field(default="", description="Congressional district")
    satellite: bool = False
    delegates: int = Field(description="County delegates this unit elects")
    sde: float = Field(description="State delegate equivalents: delegates x county ratio")
    sde_ratio: float = Field(description="County SDE per county delegate")
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Candidate(SQLModel, table=True):
    """A preference group, keyed by the official surname key."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("election_id", "key", name="uq_candidate_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="elections.id", index=True)
    key: str = Field(max_length=32, description="Official surname key: Sanders, Other, Uncommitted")
    name: str
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Source(SQLModel, table=True):
    """Something watched: an account, a list, a search, a feed or a release endpoint."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("kind", "locator", name="uq_source_locator"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, description="feed | x_account | x_list | x_search | official")
    platform: str = Field(max_length=32, description="x | mastodon | bluesky | web | idp")
    locator: str = Field(description="Handle, list id, query or URL")
    label: str = ""
    role: str = Field(default="other", max_length=16)
    trust: float = 0.5
    county: Optional[str] = None
    precinct: Optional[str] = None
    interval_s: int = 60
    cursor: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                   description="since_id, ETag, Last-Modified, resolved ids")
    health: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                                   description="last_success, last_error, next_run, rate budget")
    enabled: bool = True


class Account(SQLModel, table=True):
    """An author the newsroom knows: a registered precinct official, a captain, a county party.

    Written by the runtime from the config's sources and accounts file (or by the demo
    from its scenario), so every process reading the store (the live page, ``tally``)
    ranks conflicting claims with the same roles the collector's process used."""

    __tablename__ = "accounts"

    handle: str = Field(primary_key=True, max_length=200, description="author as stored, lower case")
    role: str = Field(default="other", max_length=16)
    registered: bool = Field(default=False, description="registered before the night (an official's account)")
    county: Optional[str] = None
    precinct: Optional[str] = None


class Post(SQLModel, table=True):
    """One raw item from a source, kept verbatim. (platform, external_id) is unique."""

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_post_external"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    source_id: Optional[int] = Field(default=None, foreign_key="sources.id", index=True)
    platform: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    author: str = ""
    url: str = ""
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    in_reply_to: Optional[str] = Field(default=None, description="External id of the parent post")
    created_at: datetime = _utc_column(nullable=False, index=True)
    fetched_at: datetime = _utc_column(nullable=False)
    edited_at: Optional[datetime] = _utc_column()
    revision: int = Field(default=1, description="Bumped when an edit or re-fetch changes the text")
    deleted: bool = False
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raw_sha256: str = Field(default="", max_length=64)


class Claim(SQLModel, table=True):
    """What a post says about one precinct and round."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claim_precinct_round", "county", "precinct", "round"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    post_revision: int = 1
    county: Optional[str] = None
    precinct: Optional[str] = None
    round: str = Field(max_length=16)
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    confidence: float = 0.0
    status: str = Field(default="review", max_length=16)
    rule: str = Field(default="", description="Parser rule that produced the claim")
    evidence: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                description="Text spans [start, end, text]")
    supersedes_id: Optional[int] = Field(default=None, foreign_key="claims.id")
    superseded: bool = False
    created_at: datetime = _utc_column(nullable=False)
    review: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=True),
                                   description="Why the parser held the claim, and the readings it weighed: "
                                               "{why: [...], alternatives: [{county, precinct, round, counts, why}]}")


class OfficialRelease(SQLModel, table=True):
    """One fetched official release, deduplicated by the hash of its content."""

    __tablename__ = "official_releases"
    __table_args__ = (UniqueConstraint("election_id", "content_sha256", name="uq_release_hash"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    election_id: int = Field(foreign_key="elections.id", index=True)
    source_id: Optional[int] = Field(default=None, foreign_key="sources.id")
    label: str = Field(max_length=64)
    url: str = ""
    published_at: Optional[datetime] = _utc_column()
    fetched_at: datetime = _utc_column(nullable=False)
    content_sha256: str = Field(max_length=64)
    content_type: str = ""
    raw_body: str = Field(default="", sa_column=Column(Text, nullable=False))
    row_count: int = 0


class OfficialResult(SQLModel, table=True):
    """A release's numbers for one precinct and candidate."""

    __tablename__ = "official_results"
    __table_args__ = (
        UniqueConstraint("release_id", "county", "precinct", "candidate", name="uq_result_row"),
        Index("ix_result_precinct", "county", "precinct"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="official_releases.id", index=True)
    county: str
    precinct: str
    candidate: str = Field(max_length=32)
    first: Optional[int] = None
    final: Optional[int] = None
    sde: Optional[float] = None
    delegates_implied: Optional[int] = Field(default=None, description="round(SDE / county ratio)")


class Finding(SQLModel, table=True):
    """A consistency or reconciliation finding, kept until it stops holding."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("rule", "subject", name="uq_finding_subject"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    rule: str = Field(max_length=64, index=True)
    severity: str = Field(max_length=16, description="error | warning | info")
    county: Optional[str] = Field(default=None, index=True)
    precinct: Optional[str] = None
    subject: str = Field(description="Stable key: what the finding is about, e.g. 'release:100pct|Polk|DES MOINES-80'")
    message: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_seen: datetime = _utc_column(nullable=False)
    last_seen: datetime = _utc_column(nullable=False)
    resolved: bool = False
    resolved_at: Optional[datetime] = _utc_column()
