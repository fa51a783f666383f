"""The hand-written building blocks the demo catalog is generated from."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One value of a variant option (``colour=white``), with its SKU code and price effect."""

    code: str
    value: str
    price_percent: int = 100


@dataclass(frozen=True)
class Spec:
    """Specifications of one product: ``attributes`` and the sentences describing them."""

    attributes: dict[str, Any]
    en: list[str] = field(default_factory=list)
    fr: list[str] = field(default_factory=list)
    model: str = ""  # shown in titles after the series (``AA`` for batteries)


SpecMaker = Callable[[random.Random], Spec]


@dataclass(frozen=True)
class Kind:
    """A kind of product (smart thermostat, kettle…): naming, price range, variants, specs."""

    code: str
    noun_en: str
    noun_fr: str
    series: tuple[str, ...]
    price_range: tuple[int, int]  # list price bounds in cents
    axis: str
    choices: tuple[Choice, ...]
    intro_en: str  # may use {brand} and {series}
    intro_fr: str
    spec: SpecMaker


@dataclass(frozen=True)
class CategoryBlueprint:
    """A leaf category with its brands and kinds of products."""

    slug: str
    name_en: str
    name_fr: str
    image: str
    brands: tuple[str, ...]
    kinds: tuple[Kind, ...]


def colours(*codes: str) -> tuple[Choice, ...]:
    """Colour choices by SKU code (``WHT``, ``BLK``…)."""
    return tuple(Choice(code, COLOURS[code]) for code in codes)


def packs(*sizes: int) -> tuple[Choice, ...]:
    """Pack-size choices priced relative to the first pack, with a growing bulk discount."""
    return tuple(
        Choice(f"P{size}", str(size), price_percent=size * (100 - 4 * i) // sizes[0])
        for i, size in enumerate(sizes)
    )


COLOURS = {
    "WHT": "white",
    "BLK": "black",
    "ANT": "anthracite",
    "SLV": "silver",
    "BRS": "brass",
    "SGE": "sage green",
    "NVY": "navy blue",
    "RED": "red",
    "OAK": "oak",
    "WAL": "walnut",
    "CRM": "cream",
    "GRY": "grey",
}


def join_en(items: Sequence[str]) -> str:
    """``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def join_fr(items: Sequence[str]) -> str:
    """``a, b et c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def fr_number(value: float) -> str:
    """A decimal with the French comma (``2,4``)."""
    text = f"{value:g}"
    return text.replace(".", ",")


def pick_pair(rng: random.Random, pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """One (English, French) pair."""
    return pairs[rng.randrange(len(pairs))]


def sample_pairs(
    rng: random.Random, pairs: Sequence[tuple[str, str]], low: int, high: int
) -> list[tuple[str, str]]:
    """Between ``low`` and ``high`` distinct pairs, in their original order."""
    chosen = set(rng.sample(range(len(pairs)), rng.randint(low, min(high, len(pairs)))))
    return [pair for index, pair in enumerate(pairs) if index in chosen]
