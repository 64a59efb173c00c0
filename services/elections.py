"""The loaded election: the bundled definition by slug, and its id in a store."""

from __future__ import annotations

from sqlmodel import Session

from shadowtally import elections as defs
from shadowtally.errors import NotFound
from shadowtally.store.elections import election_id


def get_election(slug: str) -> defs.Election:
    """The bundled election, or a :class:`NotFound` that lists the known ones."""
    try:
        return defs.load_election(slug)
    except defs.UnknownElection as exc:
        raise NotFound(str(exc), hint="run `shadowtally elections` to list the bundled elections") from None


def loaded_election_id(session: Session, slug: str) -> int:
    """The stored id of election ``slug``, or a :class:`NotFound` saying to run ``init``."""
    eid = election_id(session, slug)
    if eid is None:
        raise NotFound(f"election {slug} is not loaded in this store",
                       hint=f"run `shadowtally init --election {slug}` first")
    return eid
