"""Ground-truth value types of a generated scenario: what each post truly says.

Plain frozen dataclasses, no I/O. A generated post carries a :class:`PostTruth`: the
precinct it is about, the claims its text states (round *as labelled in the text*,
candidate keys, numbers), flaws (``mixed_rounds``, ``typo``, ``wrong_number``…),
and links (the post it corrects, the post it repeats). For a mixed-round post
``mixed`` records which numbers really belong to another round, so a scorer can tell
"the post said it" (what a journalist may quote) from "it is true" (what reconciles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

__all__ = ["AuthorInfo", "Discrepancy", "ExpectedRecon", "GeneratedPost", "PostTruth", "TruthClaim", "KINDS"]

# result: precinct numbers; mention: names a precinct without counts (ranking, coin
# toss, photo); aggregate: county/state numbers; prediction; noise (meta, chatter).
KINDS = ("result", "mention", "photo", "aggregate", "prediction", "noise")


@dataclass(frozen=True, slots=True)
class TruthClaim:
    """Numbers a post states for one round of one precinct (candidate key → number)."""

    county: str
    precinct: str
    round: str
    counts: Mapping[str, int | float]


@dataclass(frozen=True, slots=True)
class PostTruth:
    """What a generated post is, and what a perfect parser would extract from it."""

    kind: str
    county: str | None = None
    precinct: str | None = None
    claims: tuple[TruthClaim, ...] = ()
    flaws: tuple[str, ...] = ()
    corrects: str | None = None
    repost_of: str | None = None
    mixed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuthorInfo:
    """An account that posts in the scenario, with what a source registry would know."""

    handle: str
    platform: str
    role: str
    registered: bool
    county: str | None = None
    precinct: str | None = None


@dataclass(frozen=True, slots=True)
class GeneratedPost:
    """One social post of the scenario, in the ``shadowtally parse`` input shape plus platform/url."""

    id: str
    platform: str
    author: str
    text: str
    created_at: datetime
    url: str
    in_reply_to: str | None
    truth: PostTruth

    def as_input(self) -> dict[str, object]:
        """The JSON object ``shadowtally parse`` reads (times as ISO 8601 UTC)."""
        return {
            "id": self.id, "text": self.text, "author": self.author,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "in_reply_to": self.in_reply_to, "platform": self.platform, "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A difference between what was posted and a release, that reconciliation should find.

    ``kind`` is ``injected`` (the scenario altered the release row) or ``recanvass``
    (the real certified numbers differ from the 100% numbers the posts carry).
    ``values`` maps candidate → (posted, official).
    """

    label: str
    county: str
    precinct: str
    field: str
    kind: str
    values: Mapping[str, tuple[int | float, int | float]]


@dataclass(frozen=True)
class ExpectedRecon:
    """What a perfect pipeline finds for one release: field mismatches and gaps."""

    label: str
    mismatches: frozenset[tuple[str, str, str]]
    gaps: frozenset[tuple[str, str]]
    discrepancies: tuple[Discrepancy, ...]
