"""Corrections: "CORRECTION: Sanders was 50 not 55", "typo — Warren 82 should read 68"."""

from __future__ import annotations

import re

__all__ = ["CORRECTION_RE", "WAS_NOT_RE", "is_correction"]

CORRECTION_RE = re.compile(
    r"\b(?:correction|corrected|correcting|erratum|typo|mis-?typed|my\s+mistake|my\s+bad|oops|fix(?:ed)?:"
    r"|should\s+(?:have\s+)?(?:been|read|say)|not\s+\d+|instead\s+of\s+\d+|update[d]?\s*:)", re.I)

# "<n> not <m>", "<n>, not <m>", "<n> instead of <m>": m is the wrong, earlier value.
WAS_NOT_RE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*,?\s*(?:\(?\s*(?:and\s+)?not|instead\s+of|rather\s+than)\s+(\d+(?:\.\d+)?)\)?", re.I)


def is_correction(text: str) -> bool:
    return CORRECTION_RE.search(text) is not None
