"""The demo catalog, generated deterministically (seeded) from the hand-written blocks.

Rows follow the catalog import format: one object per variant, grouped by product ``handle``.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

from handshake.demo.blocks_living import LIVING
from handshake.demo.blocks_smart_home import SMART_HOME
from handshake.demo.blueprints import CategoryBlueprint, Choice, Kind, Spec
from handshake.demo.gtin import gtin13

DEMO_SEED = 20240611
PRODUCTS_PER_CATEGORY = 32
CATEGORIES: tuple[CategoryBlueprint, ...] = (*SMART_HOME, *LIVING)
WAREHOUSE_CODES = ("PAR1", "LYS1")
MEMBER_SHARE = 0.35  # products with a member price
MEMBER_DISCOUNT_PERCENT = 90
GTIN_PREFIX = "376"  # GS1 France range
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """``Terrasse & Co Sun`` → ``terrasse-co-sun``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def format_cents(cents: int) -> str:
    """``12999`` → ``"129.99"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def charm_price(cents: int) -> int:
    """The nearest price ending in .99 at or above ``cents`` (a retail price point)."""
    return max(99, (cents + 1 + 99) // 100 * 100 - 1)


def member_price(list_cents: int) -> int:
    """About 10% off, on a .99 price point, always below the list price."""
    discounted = list_cents * MEMBER_DISCOUNT_PERCENT // 100
    return max(99, (discounted + 1) // 100 * 100 - 1)


def stock_levels(rng: random.Random) -> dict[str, int]:
    """Stock over the two warehouses: some out of stock, some low, most comfortable."""
    roll = rng.random()
    if roll < 0.08:
        return dict.fromkeys(WAREHOUSE_CODES, 0)
    if roll < 0.2:
        low = rng.randint(1, 4)
        return {"PAR1": low, "LYS1": 0} if rng.random() < 0.5 else {"PAR1": 0, "LYS1": low}
    return {"PAR1": rng.randint(5, 150), "LYS1": rng.randint(0, 80)}


def _pick_products(rng: random.Random, category: CategoryBlueprint) -> list[tuple[Kind, str, str]]:
    # Interleave kinds so every kind shows up before the category is full.
    per_kind = []
    for kind in category.kinds:
        combos = [(kind, brand, series) for brand in category.brands for series in kind.series]
        rng.shuffle(combos)
        per_kind.append(combos)
    interleaved = [combo for group in zip(*per_kind, strict=False) for combo in group]
    leftovers = [c for combos in per_kind for c in combos[len(interleaved) // len(per_kind) :]]
    return (interleaved + leftovers)[:PRODUCTS_PER_CATEGORY]


def _brand_code(brand: str) -> str:
    return slugify(brand).replace("-", "")[:3].upper()


def _titles(kind: Kind, brand: str, series: str, spec: Spec) -> tuple[str, str]:
    name = f"{brand} {series}" + (f" {spec.model}" if spec.model else "")
    return f"{name} {kind.noun_en}", f"{kind.noun_fr} {name}"


def _sku_maker(base: str) -> Callable[[Choice], str]:
    return lambda choice: f"{base}-{choice.code}"


def variant_rows(
    rng: random.Random,
    kind: Kind,
    product: dict[str, Any],
    *,
    sku_of: Callable[[Choice], str],
    gtins: Iterator[int],
) -> list[dict[str, Any]]:
    """Import rows of one product's variants: prices, member price, options, stock."""
    lo, hi = kind.price_range
    base = rng.randint(lo, hi)
    with_member_price = rng.random() < MEMBER_SHARE
    chosen: tuple[Choice, ...] = kind.choices[: rng.randint(1, min(4, len(kind.choices)))]
    rows = []
    for choice in chosen:
        list_cents = charm_price(base * choice.price_percent // 100)
        row = {
            **product,
            "sku": sku_of(choice),
            "gtin": gtin13(f"{GTIN_PREFIX}{next(gtins):09d}"),
            "options": {kind.axis: choice.value},
            "currency": "EUR",
            "list_price": format_cents(list_cents),
            "stock": stock_levels(rng),
        }
        if with_member_price:
            row["member_price"] = format_cents(member_price(list_cents))
        rows.append(row)
    return rows


def catalog_rows(seed: int = DEMO_SEED) -> list[dict[str, Any]]:
    """Every variant row of the demo catalog; the same ``seed`` always gives the same rows."""
    rng = random.Random(seed)
    numbers = count(1)
    gtins = count(100_001)
    rows: list[dict[str, Any]] = []
    for category in CATEGORIES:
        for kind, brand, series in _pick_products(rng, category):
            spec = kind.spec(rng)
            title_en, title_fr = _titles(kind, brand, series, spec)
            intro = {"brand": brand, "series": series}
            product: dict[str, Any] = {
                "handle": slugify(title_en),
                "category": category.slug,
                "category_name_en": category.name_en,
                "category_name_fr": category.name_fr,
                "brand": brand,
                "title_en": title_en,
                "title_fr": title_fr,
                "description_en": " ".join([kind.intro_en.format(**intro), *spec.en]),
                "description_fr": " ".join([kind.intro_fr.format(**intro), *spec.fr]),
                "image_url": f"/static/demo/{category.image}.svg",
                "attributes": {**spec.attributes, "warranty_years": 2},
            }
            sku_base = f"{_brand_code(brand)}-{kind.code}{next(numbers):04d}"
            rows.extend(variant_rows(rng, kind, product, sku_of=_sku_maker(sku_base), gtins=gtins))
    return rows
