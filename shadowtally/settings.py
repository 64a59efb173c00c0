"""Defaults every layer may read: the ground floor, beside :mod:`shadowtally.errors`.

The default election is named here and nowhere else outside the bundled definitions;
code that needs an election takes its slug (or its loaded definition) as a parameter.
"""

from __future__ import annotations

DEFAULT_ELECTION = "iowa-2020"
