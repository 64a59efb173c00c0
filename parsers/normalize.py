"""Text as a reader sees it: look-alike letters and digits folded, invisible characters gone.

Phones and hostile posts write "Ѕanders" with a Cyrillic Ѕ, "𝟲𝟭" in mathematical bold,
"Ｗａｒｒｅｎ" in fullwidth, or hide zero-width and bidi control characters inside a name.
Read as they are, they moved numbers to the wrong group ("Ѕanders 66, Warren 33" gave
{Warren: 66}). :func:`reader_text` folds them, and keeps a map back to the original
offsets, so evidence spans still point into the post as it was written.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["reader_text"]

# Characters that render as nothing or only steer direction.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2066\u2067\u2068\u2069\u061c")
# Cyrillic and Greek letters that look like Latin ones (the confusables that matter in names).
_LOOKALIKE = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "Х": "X",
    "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "d", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "һ": "h", "ո": "n", "ѵ": "v", "ԝ": "w",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k",
})


# What can need folding: invisible and space characters, Greek, Cyrillic and Armenian letters,
# fullwidth forms, mathematical letters and digits, and other compatibility characters.
_NEEDS_FOLD = re.compile("[\u00a0\u00ad\u0370-\u058f\u061c\u2000-\u206f\u2070-\u218f\u2460-\u24ff"
                         "\u3000\ufb00-\ufb4f\ufe00-\ufe6f\uff00-\uffef\U0001d400-\U0001d7ff]")


def reader_text(text: str) -> tuple[str, list[int], bool]:
    """(the folded text, for each of its characters the offset in ``text`` plus its end,
    whether a letter or digit was folded or an invisible character dropped).

    A character whose compatibility form is one character (fullwidth, mathematical digits,
    a no-break space) becomes that character; invisible ones are dropped; look-alikes become
    Latin. Only letters, digits and invisible characters count as disguise: a no-break space
    or a curly quote is ordinary typing.
    """
    if text.isascii() or not _NEEDS_FOLD.search(text):
        return text, [], False  # nothing to fold (accents and emoji are read as they are)
    out: list[str] = []
    where: list[int] = []
    disguised = False
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            disguised = True
            continue
        if not ch.isascii():
            folded = unicodedata.normalize("NFKC", ch)
            new = (folded if len(folded) == 1 else ch).translate(_LOOKALIKE)
            if new != ch and new.isascii() and new.isalnum():
                disguised = True
            ch = new
        out.append(ch)
        where.append(i)
    where.append(len(text))
    return "".join(out), where, disguised
