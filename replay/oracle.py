"""A perfect parser: the claims a flawless pipeline would accept from a scenario's posts.

Used as the baseline of the demo (what the shadow tally should be) and by the
benchmark. Reposts are skipped (the original is there), corrections supersede the
post they correct; numbers with no round named and viability anecdotes are left
out (what the scenario's ``posted`` leaves out). In a mixed-round post the numbers that belong to another round
are left out (a perfect reader knows); ``include_mixed=True`` keeps them as labelled,
to show what accepting such a post unchecked does.
"""

from __future__ import annotations

from shadowtally.reconcile.shadow import ClaimRecord
from shadowtally.replay.formats import NOT_TALLY_MATERIAL
from shadowtally.replay.scenario import Scenario

__all__ = ["oracle_claims"]


def oracle_claims(scenario: Scenario, *, include_mixed: bool = False) -> list[ClaimRecord]:
    """ClaimRecords for every precinct-level claim the scenario's posts truly state."""
    registry = {(a.handle, a.platform): a for a in scenario.authors}
    out: list[ClaimRecord] = []
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
            out.append(ClaimRecord(
                claim_id=cid, post_id=cid, post_url=post.url, author=post.author, role=author.role,
                registered=author.registered, created_at=post.created_at, county=c.county, precinct=c.precinct,
                round=c.round, counts=counts, corrects=t.corrects is not None, supersedes=supersedes,
                platform=post.platform,
            ))
            first_claim.setdefault(post.id, []).append(cid)
    return out


