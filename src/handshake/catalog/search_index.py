"""Keeps each product's normalised search text in step with its variants and category."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from handshake.catalog import search_text
from handshake.catalog.models import Category, Product, Variant
from handshake.catalog.repository import CatalogRepository


def product_document(
    product: Product, variants: Sequence[Variant], category: Category | None
) -> str:
    """Titles in both languages, brand, category names, SKUs, GTINs and option values."""
    parts: list[str | None] = [product.title_en, product.title_fr, product.brand]
    if category is not None:
        parts += [category.name_en, category.name_fr]
    for variant in variants:
        parts += [variant.sku, variant.gtin, *(str(v) for v in variant.options.values())]
    return search_text.document(parts)


async def refresh_search_text(repo: CatalogRepository, products: Sequence[Product]) -> None:
    """Recompute the search text of ``products`` from what is in the transaction now."""
    if not products:
        return
    by_product: dict[str, list[Variant]] = defaultdict(list)
    for variant in await repo.variants_of([p.id for p in products]):
        by_product[variant.product_id].append(variant)
    category_ids = {p.category_id for p in products if p.category_id}
    categories = await repo.categories_by_id(category_ids) if category_ids else {}
    for product in products:
        category = categories.get(product.category_id or "")
        product.search_text = product_document(product, by_product[product.id], category)
