"""What the search index knows of a product: its text, facets, price and stock facts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ProductDocument:
    """One sellable product as the index sees it (built from the catalog, never by hand)."""

    product_id: str
    handle: str
    brand: str
    category_path: str  # "" when uncategorised
    category_names: tuple[str, ...]  # names (EN, FR) of the category and its ancestors
    title_en: str
    title_fr: str
    description_en: str
    description_fr: str
    attributes: Mapping[str, object] = field(default_factory=dict)
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key -> values
    skus: tuple[str, ...] = ()
    min_price_minor: int = 0  # lowest list price over the variants
    min_member_price_minor: int | None = None  # lowest member price, when any variant has one
    available: int = 0  # units available over variants and warehouses
    # Each variant's options by SKU, so a card can show the white one when white was asked for.
    variant_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """A product found by a search, with where each retriever ranked it (1-based)."""

    product_id: str
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None
