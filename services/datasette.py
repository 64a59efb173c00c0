"""Datasette metadata built from the table models, so the SQLite store reads well there.

Table and column descriptions come from the models' docstrings and ``Field(description=…)``,
so they cannot drift from the schema.
"""

from __future__ import annotations

import inspect
from typing import Any

from sqlmodel import SQLModel

from shadowtally.store import models

TABLE_MODELS: tuple[type[SQLModel], ...] = (
    models.Election, models.Precinct, models.Candidate, models.Source, models.Post, models.Claim,
    models.OfficialRelease, models.OfficialResult, models.Finding,
)


def metadata() -> dict[str, Any]:
    """Datasette's ``metadata.json`` content for a ShadowTally store."""
    tables: dict[str, Any] = {}
    for model in TABLE_MODELS:
        # Only the model's own docstring: an undocumented one would inherit SQLModel's.
        doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")
        columns = {}
        for name, info in model.model_fields.items():
            if info.description:
                columns[name] = info.description
        entry: dict[str, Any] = {"title": model.__tablename__.replace("_", " ").capitalize()}  # type: ignore[attr-defined]
        if doc:
            entry["description"] = doc.splitlines()[0]
        if columns:
            entry["columns"] = columns
        tables[str(model.__tablename__)] = entry  # type: ignore[attr-defined]
    return {
        "title": "ShadowTally",
        "description": "An independent, unofficial caucus count from public posts, with every number's source.",
        "databases": {"shadowtally": {"tables": tables}},
    }
