"""Round labels. A label's round applies to the counts after it; a post without a label
keeps round ``unknown`` (never guessed)."""

from __future__ import annotations

import re

__all__ = ["ROUND_RE", "find_round_labels", "UNIT_ROUND"]

_R = [
    ("first", r"(?:first|1st|initial|opening)[\s-]+(?:alignment|align|round|expression|vote|count|preference|tally)s?"
              r"|alignment\s*(?:#\s*)?1\b|round\s*(?:#\s*)?1\b|\bR1\b"),
    ("final", r"(?:final|second|2nd|last)[\s-]+(?:alignment|align|round|expression|vote|count|ballot|tally)s?"
              # "after realignment" is the final; "no realignment (needed)" says the first was final too,
              # and is read as the first alignment it names.
              r"|(?:after\s+)?(?<!no\s)(?<!without\s)(?<!no\sneed\sfor\s)re-?alignment(?!\s+(?:was\s+)?(?:needed|necessary|required))|alignment\s*(?:#\s*)?2\b|round\s*(?:#\s*)?2\b|\bR2\b"
              r"|\bfinals?\b(?=\s*(?:[:\-–—\n]|results?\b|numbers?\b|counts?\b|tally\b))"
              # "after realigning it's Biden 39", "realigned → final Warren 8", "… in the final", "in the end"
              r"|after\s+realign(?:ing|ed)?\b|\brealigned\b|\bin\s+the\s+(?:final|end)\b|\bended\s+(?:up\s+)?(?:with|at)\b"
              r"|\bfinal\b(?=\s+(?:(?:was|is|it'?s)\s+)?[A-Za-z]+\s*[:\-–—]?\s*\d)|\bfinal\s+(?:in|at|for)\b"),
    ("first", r"\bfirst\b(?=\s*[:\-–—\n])|\b1st\b(?=\s*[:\-–—\n])"
              # Everyone viable, nobody realigned: the counts are the first alignment (and the final).
              r"|\b(?:nobody|no\s+one|no-one)\s+(?:moved|realigned|had\s+to\s+(?:move|realign))|\bno\s+(?:movement|realignment)\b"
              r"|\b(?:all|every|everybody|everyone)\s+(?:(?:\w+\s+){0,2})?(?:groups?\s+)?(?:was\s+|were\s+)?viable\b"),
    ("sde", r"\bSDEs?\b|state\s+delegate\s+equivalents?"),
    ("delegates", r"(?:county\s+)?(?:convention\s+)?delegates?\b|\bdels\b|\bCDs\b"),
]
ROUND_RE = re.compile("|".join(f"(?P<{name}{i}>{pat})" for i, (name, pat) in enumerate(_R)), re.I)

UNIT_ROUND = {"delegates": "delegates", "delegate": "delegates", "dels": "delegates", "sde": "sde", "sdes": "sde"}


def find_round_labels(text: str) -> list[tuple[int, int, str]]:
    """(start, end, round) for every round label, in text order."""
    out = []
    for m in ROUND_RE.finditer(text):
        name = next(k for k, v in m.groupdict().items() if v is not None)
        out.append((m.start(), m.end(), name.rstrip("0123456789")))
    return out
