"""A perfect pipeline: the claims a flawless parser would accept, and what a flawless comparison flags.

Used as the baseline of the demo (what the shadow tally should be), by the benchmark,
and by :meth:`Scenario.expected <shadowtally.replay.scenario.Scenario.expected>` (the
ground truth the reconciler is graded against).

**Claims.** Reposts are skipped (the original is there), corrections supersede the
post they correct; numbers with no round named and viability anecdotes are left
out (what the scenario's ``posted`` leaves out). In a mixed-round post the numbers that belong to another round
are left out (a perfect reader knows); ``include_mixed=True`` keeps them as labelled,
to show what accepting such a post unchecked does.

**Comparison.** The grading side is written here, apart from the reconciler
(``shadowtally.reconcile``), and imports nothing from it: if the truth reused the
reconciler's comparison, a bug there (a wrong SDE tolerance, a wrong implied delegate)
would move the truth with it and never lower the demo's recall. The rules:

* alignment counts and county delegates are whole numbers and must be equal;
* SDE are published in ten-thousandths; a difference of up to half a hundredth
  (:data:`SDE_TOLERANCE`) is rounding, anything larger is a discrepancy;
* a release gives no county delegates: they are implied from its SDE (see
  :func:`implied_delegates`);
* only the groups a post names are compared (posts leave groups out; they do not
  say those were zero); a named group missing from the release row counts as 0.

    >>> disagrees("final", 82, 81), disagrees("sde", 0.4150, 0.4180), disagrees("sde", 0.4150, 0.4210)
    (True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Mapping

from shadowtally.replay.formats import NOT_TALLY_MATERIAL

if TYPE_CHECKING:  # annotations only: scenario imports this module for its comparison
    from shadowtally.elections import ReleaseRow
    from shadowtally.replay.scenario import Scenario

__all__ = ["AcceptedClaim", "COUNT_FIELDS", "SDE_TOLERANCE", "disagrees", "field_discrepancy",
           "implied_delegates", "official_numbers", "oracle_claims"]


# -- claims --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AcceptedClaim:
    """One claim a perfect parser accepts: one post's numbers for one precinct and round.

    The attributes are those the shadow-tally build reads from a claim (the same names
    and order as ``reconcile.shadow.ClaimRecord``; a test keeps them in step), declared
    here so that the replay imports nothing from the reconciler it grades.
    """

    claim_id: int
    post_id: int
    post_url: str
    author: str
    role: str
    registered: bool
    created_at: datetime
    county: str | None
    precinct: str | None
    round: str
    counts: Mapping[str, int | float]
    corrects: bool = False
    supersedes: int | None = None
    platform: str = ""


def oracle_claims(scenario: Scenario, *, include_mixed: bool = False) -> list[AcceptedClaim]:
    """A claim for every precinct-level claim the scenario's posts truly state."""
    registry = {(a.handle, a.platform): a for a in scenario.authors}
    out: list[AcceptedClaim] = []
    first_claim: dict[str, list[int]] = {}
    for post in scenario.posts:
        t = post.truth
        if t.kind != "result" or t.repost_of is not None or NOT_TALLY_MATERIAL & set(t.flaws):
            continue
        author = registry[(post.author, post.platform)]
        for c in t.claims:
            if c.round == "unknown":
                continue  # no round named: a perfect reader cannot place the numbers
            counts = dict(c.counts)
            if not include_mixed:
                for cand in t.mixed.get(c.round, {}):
                    counts.pop(cand, None)
            if not counts:
                continue
            cid = len(out) + 1
            supersedes = None
            if t.corrects is not None:
                supersedes = next(iter(first_claim.get(t.corrects, [])), None)
            out.append(AcceptedClaim(
                claim_id=cid, post_id=cid, post_url=post.url, author=post.author, role=author.role,
                registered=author.registered, created_at=post.created_at, county=c.county, precinct=c.precinct,
                round=c.round, counts=counts, corrects=t.corrects is not None, supersedes=supersedes,
                platform=post.platform,
            ))
            first_claim.setdefault(post.id, []).append(cid)
    return out


# -- comparison ------------------------------------------------------------------------------

COUNT_FIELDS = ("first", "final", "delegates")  # whole people / whole county delegates: exact
SDE_FIELD = "sde"

# SDE are published rounded to 4 decimal places (caucus-math: "candidate SDE = CD won ×
# county ratio, published rounded to 4 dp"), so they are compared as whole
# ten-thousandths, exactly (no float noise at the edge), and a difference of at most 50
# of them (half a hundredth) is taken for rounding, not reported. One county delegate
# moved between groups changes SDE by the unit's whole ratio: 0.0059 or more everywhere
# but three small satellite sites (ratios 0.0025-0.0029, where such a move stays under
# this tolerance). Certified satellite SDE also moved by a few ten-thousandths when pool
# rates were recomputed; those stay under it too.
_SDE_SCALE = 10_000
_SDE_ROUNDING = 50
SDE_TOLERANCE = _SDE_ROUNDING / _SDE_SCALE


def implied_delegates(sde: Mapping[str, float], sde_ratio: float | None) -> dict[str, int]:
    """County delegates a release implies for each group: its SDE ÷ the unit's SDE ratio, to the nearest whole.

    The IDP's published convention: it reported SDE, not county delegates; a group's
    SDE is the county delegates it won × the county's SDE ratio (state delegates ÷
    county delegates), rounded to 4 decimals. Dividing back and taking the nearest
    whole number recovers the delegates (an exact multiple when the report is
    self-consistent, so a half never has to be broken). Groups with no delegates are
    left out; without a positive ratio nothing is implied.

    >>> implied_delegates({"Warren": 0.83, "Biden": 0.415, "Steyer": 0.0}, 0.415)
    {'Warren': 2, 'Biden': 1}
    """
    if not sde_ratio or sde_ratio <= 0:
        return {}
    out: dict[str, int] = {}
    for group, value in sde.items():
        n = round(value / sde_ratio)
        if n:
            out[group] = n
    return out


def official_numbers(row: ReleaseRow, field: str, sde_ratio: float | None) -> Mapping[str, int | float]:
    """The release row's numbers for one field (``first``, ``final``, ``sde``, or implied ``delegates``)."""
    if field == "first":
        return row.first
    if field == "final":
        return row.final
    if field == SDE_FIELD:
        return row.sde
    if field == "delegates":
        return implied_delegates(row.sde, sde_ratio)
    raise ValueError(f"no such field in a release row: {field!r}")


def disagrees(field: str, posted: int | float, official: int | float) -> bool:
    """Whether a posted number and the release's number for it are a discrepancy."""
    if field == SDE_FIELD:
        return abs(round(posted * _SDE_SCALE) - round(official * _SDE_SCALE)) > _SDE_ROUNDING
    if field in COUNT_FIELDS:
        return posted != official
    raise ValueError(f"no such field to compare: {field!r}")


def field_discrepancy(field: str, stated: Mapping[str, int | float],
                      official: Mapping[str, int | float]) -> dict[str, tuple[int | float, int | float]]:
    """The groups a post names whose number disagrees with the release: group → (posted, official).

    Only the named groups are compared; a group the release row lacks is 0 there.

    >>> field_discrepancy("first", {"Warren": 68, "Biden": 30}, {"Warren": 67, "Biden": 30})
    {'Warren': (68, 67)}
    """
    out: dict[str, tuple[int | float, int | float]] = {}
    for group, posted in stated.items():
        value = official.get(group, 0)
        if disagrees(field, posted, value):
            out[group] = (posted, value)
    return out
