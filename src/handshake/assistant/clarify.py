"""When a request is too broad, which question narrows it most (from the candidates' own data)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from handshake.assistant.constraints import Constraints
from handshake.assistant.documents import ProductDocument
from handshake.assistant.terms import terms

BROAD_MATCHES = 8  # this many keyword matches and nothing else asked for: ask first
MAX_CHOICES = 5
MIN_COVERAGE = 0.6  # an attribute most candidates have, so the answer splits them


@dataclass(frozen=True)
class Clarification:
    """A question: an attribute with its few values, and the price span of the candidates."""

    attribute: str | None
    choices: list[str]
    price_low_minor: int
    price_high_minor: int


def is_too_broad(*, need: str, constraints: Constraints, keyword_matches: int) -> bool:
    """A short need with no constraint (beyond its category) that matches many products."""
    beyond_category = replace(constraints, categories=frozenset())
    return (
        beyond_category.is_empty()
        and 0 < len(terms(need)) <= 2
        and keyword_matches >= BROAD_MATCHES
    )


def clarification(documents: Sequence[ProductDocument]) -> Clarification | None:
    """The attribute whose values split the candidates most evenly, and their price span."""
    if not documents:
        return None
    values_by_key: dict[str, Counter[str]] = {}
    for doc in documents:
        for key, value in doc.attributes.items():
            counter = values_by_key.setdefault(key, Counter())
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, str) and item.strip():
                    counter[item.strip()] += 1
    best: tuple[float, str] | None = None
    for key, counter in values_by_key.items():
        covered = sum(1 for d in documents if key in d.attributes)
        if covered < MIN_COVERAGE * len(documents) or not 2 <= len(counter) <= MAX_CHOICES:
            continue
        spread = _entropy(counter)
        if best is None or spread > best[0]:
            best = (spread, key)
    prices = [doc.min_price_minor for doc in documents]
    if best is None:
        return Clarification(None, [], min(prices), max(prices))
    choices = [value for value, _ in values_by_key[best[1]].most_common(MAX_CHOICES)]
    return Clarification(best[1], choices, min(prices), max(prices))


def _entropy(counter: Counter[str]) -> float:
    total = sum(counter.values())
    return -sum((n / total) * math.log(n / total) for n in counter.values())
