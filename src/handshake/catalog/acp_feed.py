"""Product feed in the Agentic Commerce Protocol feed format (2026-04-17); pure formatting.

One ACP ``Product`` per handshake product with its variants under it, all in one
``{"products": [...]}``: the body of the protocol's product upsert (``PATCH /feeds/{id}/products``)
and of its product listing. Unlike the Google and Meta feeds, prices are integers in ISO 4217
minor units. As there, the price is the list price (a member price is a loyalty benefit, not a
price for everyone) and a variant is available when it has units in stock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from handshake.catalog.feeds import (
    FeedItem,
    absolute_url,
    plain_text,
    product_link,
    variant_title,
)

ACP_VERSION = "2026-04-17"
# Where a handshake category path ("smart-home/locks") sits in ACP: the merchant's own taxonomy.
CATEGORY_TAXONOMY = "merchant"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Characters RFC 3986 allows as they are in a path, and in a query or fragment.
_PATH_SAFE = "/%!$&'()*+,;=:@~"
_QUERY_SAFE = _PATH_SAFE + "?"


def _escaped(part: str, safe: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=safe)


def uri(url: str) -> str:
    """``url`` with spaces, non-ASCII and other characters a URI cannot hold percent-encoded."""
    parts = urlsplit(url)
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            _escaped(parts.path, _PATH_SAFE),
            _escaped(parts.query, _QUERY_SAFE),
            _escaped(parts.fragment, _QUERY_SAFE),
        )
    )


def _price(amount_minor: int, currency: str) -> dict[str, Any]:
    return {"amount": amount_minor, "currency": currency}


def _options(item: FeedItem) -> list[dict[str, str]]:
    return [
        {"name": str(name), "value": plain_text(str(value))}
        for name, value in item.options.items()
        if value not in (None, "")
    ]


def acp_variant(item: FeedItem, *, public_url: str) -> dict[str, Any]:
    """One ACP ``Variant``: the SKU as id, price in minor units, availability from stock."""
    variant: dict[str, Any] = {"id": item.sku, "title": variant_title(item)}
    if item.variant_id:
        link = f"{product_link(public_url, item.handle)}?variant={item.variant_id}"
        variant["url"] = uri(link)
    if item.gtin:
        variant["barcodes"] = [{"type": "GTIN", "value": item.gtin}]
    variant["price"] = _price(item.list_price_minor, item.currency)
    in_stock = item.available > 0
    variant["availability"] = {
        "available": in_stock,
        "status": "in_stock" if in_stock else "out_of_stock",
    }
    if item.category_path:
        value = item.category_path.replace("/", " > ")
        variant["categories"] = [{"value": value, "taxonomy": CATEGORY_TAXONOMY}]
    variant["condition"] = ["new"]
    options = _options(item)
    if options:
        variant["variant_options"] = options
    return variant


def _media(item: FeedItem, *, public_url: str) -> list[dict[str, str]]:
    images = item.images or ((item.image,) if item.image else ())
    alt_text = plain_text(item.title)
    urls = [absolute_url(public_url, image) for image in images]
    return [
        {"type": "image", "url": uri(url), **({"alt_text": alt_text} if alt_text else {})}
        for url in urls
        if url
    ]


def acp_product(variants: Sequence[FeedItem], *, public_url: str) -> dict[str, Any]:
    """One ACP ``Product`` from the feed items of one product's variants (at least one)."""
    first = variants[0]
    product: dict[str, Any] = {"id": first.product_id, "title": plain_text(first.title)}
    description = plain_text(first.description)
    if description:
        product["description"] = {"plain": description}
    product["url"] = uri(product_link(public_url, first.handle))
    media = _media(first, public_url=public_url)
    if media:
        product["media"] = media
    product["variants"] = [acp_variant(v, public_url=public_url) for v in variants]
    return product


def acp_products(items: Iterable[FeedItem], *, public_url: str) -> list[dict[str, Any]]:
    """The ACP products of ``items``, variants grouped under their product, in first-seen order."""
    by_product: dict[str, list[FeedItem]] = {}
    for item in items:
        by_product.setdefault(item.product_id, []).append(item)
    return [acp_product(group, public_url=public_url) for group in by_product.values()]


def render(items: Iterable[FeedItem], *, public_url: str) -> str:
    """The whole feed as one JSON document: ``{"products": [...]}``."""
    body = {"products": acp_products(items, public_url=public_url)}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
