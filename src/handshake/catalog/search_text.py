"""Accent-insensitive search text: what is stored per product and how queries are split."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Letters that NFKD does not decompose into a base letter plus a combining mark.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l"})


def normalise(text: str) -> str:
    """Lowercase, strip accents, keep only ASCII letters and digits separated by one space."""
    lowered = text.lower().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped).strip()


def document(parts: Iterable[str | None]) -> str:
    """The stored search text of the non-empty ``parts``, words de-duplicated in order."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in normalise(part or "").split():
            seen.setdefault(word, None)
    # Leading and trailing spaces let a query match whole words with LIKE '% word%'.
    return " " + " ".join(seen) + " "


def query_words(query: str) -> list[str]:
    """The distinct normalised words of a shopper's query (each must match)."""
    return list(dict.fromkeys(normalise(query).split()))
