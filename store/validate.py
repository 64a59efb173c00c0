"""Validated inputs for the store.

sqlmodel table models skip validation (sqlmodel #52), so every value that is
ingested passes through one of these pydantic models first. A bad value raises
:class:`shadowtally.errors.InvalidValue` with a message naming the field, never a
half-written row.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shadowtally.errors import InvalidValue
from shadowtally.store.models import CLAIM_STATUSES, ROLES, ROUNDS

if TYPE_CHECKING:
    from shadowtally.elections import ReleaseRow

# No precinct caucus in 2020 had more than a few thousand people; a count beyond this
# is a typo or an attack, not a result.
MAX_COUNT = 100_000
SEVERITIES = ("error", "warning", "info")
# Which kinds exist is the collectors' registry (collectors.kinds); the store only keeps
# the name well-formed, so a new kind needs no change here.
KIND_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def as_utc(value: datetime) -> datetime:
    """Aware UTC; naive datetimes are refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(timezone.utc)


def sha256_json(payload: Any) -> str:
    """A stable hash of a JSON payload (keys sorted), used to spot changed raw items."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def one_of(name: str, allowed: tuple[str, ...]) -> Any:
    """A validator that accepts only the values in ``allowed``, naming them in the error."""

    def check(cls: Any, v: str) -> str:
        if v not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        return v

    return classmethod(check)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @classmethod
    def of(cls, **values: Any) -> Any:
        """Build and validate; raise :class:`InvalidValue` with a readable message."""
        try:
            return cls(**values)
        except ValidationError as exc:
            parts = []
            for e in exc.errors():
                loc = ".".join(str(x) for x in e["loc"]) or cls.__name__
                parts.append(f"{loc}: {e['msg']} (got {e.get('input')!r})")
            raise InvalidValue(f"invalid {cls.__name__.removesuffix('In').lower()}: " + "; ".join(parts)) from None


def _check_counts(counts: dict[str, Any], *, decimals: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name}: count must be a number")
        if not decimals and (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{name}: count must be a whole number, not {value}")
        if value < 0:
            raise ValueError(f"{name}: count must not be negative ({value})")
        if value > MAX_COUNT:
            raise ValueError(f"{name}: count {value} is beyond any precinct ({MAX_COUNT})")
        out[name] = round(float(value), 4) if decimals else int(value)
    return out


class PostIn(_In):
    platform: str = Field(min_length=1, max_length=32)
    external_id: str = Field(min_length=1, max_length=255)
    author: str = ""
    url: str = ""
    text: str = ""
    in_reply_to: Optional[str] = None
    created_at: datetime
    fetched_at: datetime
    edited_at: Optional[datetime] = None
    deleted: bool = False
    raw: dict[str, Any] = Field(default_factory=dict)
    source_id: Optional[int] = None

    _utc = field_validator("created_at", "fetched_at", "edited_at")(lambda v: v if v is None else as_utc(v))


class ClaimIn(_In):
    county: Optional[str] = None
    precinct: Optional[str] = None
    round: str
    counts: dict[str, Any]
    confidence: float = Field(ge=0.0, le=1.0)
    status: str
    rule: str = ""
    evidence: list[Any] = Field(default_factory=list)
    supersedes: Optional[int] = None
    review: dict[str, Any] = Field(default_factory=dict)  # {why: [...], alternatives: [...]}

    _round = field_validator("round")(one_of("round", ROUNDS))

    _status = field_validator("status")(one_of("status", CLAIM_STATUSES))

    @field_validator("counts")
    @classmethod
    def _counts(cls, v: dict[str, Any], info: Any) -> dict[str, Any]:
        return _check_counts(v, decimals=info.data.get("round") == "sde")


class SourceIn(_In):
    kind: str
    platform: str
    locator: str = Field(min_length=1)
    label: str = ""
    role: str = "other"
    trust: float = Field(default=0.5, ge=0.0, le=1.0)
    county: Optional[str] = None
    precinct: Optional[str] = None
    interval_s: int = Field(default=60, ge=1, le=86_400)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if not KIND_NAME.fullmatch(v):
            raise ValueError("kind must be a lower-case name (letters, digits, _)")
        return v

    _role = field_validator("role")(one_of("role", ROLES))


class ResultIn(_In):
    """One precinct x candidate row of an official release."""

    county: str = Field(min_length=1)
    precinct: str = Field(min_length=1)
    candidate: str = Field(min_length=1)
    first: Optional[int] = Field(default=None, ge=0, le=MAX_COUNT, strict=False)
    final: Optional[int] = Field(default=None, ge=0, le=MAX_COUNT)
    sde: Optional[float] = Field(default=None, ge=0.0, le=10_000.0)
    delegates_implied: Optional[int] = Field(default=None, ge=0, le=1_000)

    @field_validator("first", "final", mode="before")
    @classmethod
    def _whole(cls, v: Any) -> Any:
        if isinstance(v, float) and not v.is_integer():
            raise ValueError(f"must be a whole number, not {v}")
        return v


def release_results(rows: Iterable[ReleaseRow]) -> tuple[ResultIn, ...]:
    """The stored form of release rows: one ``ResultIn`` per unit and group the row lists
    (the inverse of :func:`shadowtally.services.tally.release_rows`)."""
    return tuple(ResultIn.of(county=r.county, precinct=r.precinct, candidate=c, first=r.first.get(c, 0),
                             final=r.final.get(c, 0), sde=r.sde.get(c, 0.0))
                 for r in rows for c in r.first)


class ReleaseIn(_In):
    label: str = Field(min_length=1, max_length=64)
    url: str = ""
    published_at: Optional[datetime] = None
    fetched_at: datetime
    content_type: str = ""
    raw_body: str
    source_id: Optional[int] = None
    results: tuple[ResultIn, ...]

    _utc = field_validator("published_at", "fetched_at")(lambda v: v if v is None else as_utc(v))

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.raw_body.encode("utf-8")).hexdigest()


class FindingIn(_In):
    rule: str = Field(min_length=1, max_length=64)
    severity: str
    county: Optional[str] = None
    precinct: Optional[str] = None
    subject: str = Field(min_length=1)
    message: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)

    _severity = field_validator("severity")(one_of("severity", SEVERITIES))
