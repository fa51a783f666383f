"""Product feeds for Google Merchant Center (TSV) and Meta catalogs (CSV); pure formatting.

One feed item per variant; variants of a product share ``item_group_id``. Prices are the list
price: a member price is a loyalty benefit, never a ``sale_price`` everyone would be shown.
The Agentic Commerce Protocol feed (JSON) is built from the same items in ``acp_feed``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from handshake.kernel.money import Money

GOOGLE_COLUMNS = (
    "id", "item_group_id", "title", "description", "link", "image_link", "availability",
    "price", "condition", "brand", "gtin", "identifier_exists", "color", "size", "product_type",
)  # fmt: skip
META_COLUMNS = (
    "id", "item_group_id", "title", "description", "availability", "condition", "price", "link",
    "image_link", "brand", "gtin", "color", "size", "quantity_to_sell_on_fb",
)  # fmt: skip
GOOGLE_TITLE_MAX, GOOGLE_DESCRIPTION_MAX = 150, 5000
META_TITLE_MAX, META_DESCRIPTION_MAX = 200, 9999
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


class FeedFormat(StrEnum):
    """Supported feed formats."""

    GOOGLE = "google"
    META = "meta"
    ACP = "acp"


@dataclass(frozen=True)
class FeedItem:
    """A variant with what the feeds need of its product, in the feed's language."""

    sku: str
    product_id: str
    handle: str
    title: str
    description: str
    brand: str
    gtin: str | None
    currency: str
    list_price_minor: int
    available: int
    image: str | None
    category_path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    variant_id: str = ""
    images: tuple[str, ...] = ()


def plain_text(value: str) -> str:
    """Text without HTML tags or entities, on one line (feeds forbid HTML, TSV forbids tabs)."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()


def truncate(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def absolute_url(public_url: str, path_or_url: str | None) -> str:
    """An absolute URL: paths are resolved against the store's public URL."""
    if not path_or_url:
        return ""
    if path_or_url.startswith(("http://", "https://")):
        return path_or_url
    return public_url.rstrip("/") + "/" + path_or_url.lstrip("/")


def product_link(public_url: str, handle: str) -> str:
    """The product page of ``handle``."""
    return f"{public_url.rstrip('/')}/products/{handle}"


def _option(item: FeedItem, *names: str) -> str:
    for name in names:
        value = item.options.get(name)
        if value not in (None, ""):
            return plain_text(str(value))
    return ""


def variant_title(item: FeedItem, limit: int | None = None) -> str:
    """The product title plus the variant's option values, e.g. "Thermo X1 (white)"."""
    values = [plain_text(str(v)) for v in item.options.values() if v not in (None, "")]
    title = plain_text(item.title)
    full = f"{title} ({', '.join(values)})" if values else title
    return full if limit is None else truncate(full, limit)


def google_row(item: FeedItem, *, public_url: str) -> dict[str, str]:
    """One Google Merchant Center row."""
    return {
        "id": item.sku,
        "item_group_id": item.product_id,
        "title": variant_title(item, GOOGLE_TITLE_MAX),
        "description": truncate(plain_text(item.description), GOOGLE_DESCRIPTION_MAX),
        "link": product_link(public_url, item.handle),
        "image_link": absolute_url(public_url, item.image),
        "availability": "in_stock" if item.available > 0 else "out_of_stock",
        "price": Money(item.list_price_minor, item.currency).format_plain(),
        "condition": "new",
        "brand": plain_text(item.brand),
        "gtin": item.gtin or "",
        # Without a GTIN (and no MPN) Google asks to say so instead of leaving it blank.
        "identifier_exists": "" if item.gtin else "no",
        "color": _option(item, "colour", "color"),
        "size": _option(item, "size"),
        "product_type": (item.category_path or "").replace("/", " > "),
    }


def meta_row(item: FeedItem, *, public_url: str) -> dict[str, str]:
    """One Meta catalog row."""
    return {
        "id": item.sku,
        "item_group_id": item.product_id,
        "title": variant_title(item, META_TITLE_MAX),
        "description": truncate(plain_text(item.description), META_DESCRIPTION_MAX),
        "availability": "in stock" if item.available > 0 else "out of stock",
        "condition": "new",
        "price": Money(item.list_price_minor, item.currency).format_plain(),
        "link": product_link(public_url, item.handle),
        "image_link": absolute_url(public_url, item.image),
        "brand": plain_text(item.brand),
        "gtin": item.gtin or "",
        "color": _option(item, "colour", "color"),
        "size": _option(item, "size"),
        "quantity_to_sell_on_fb": str(max(item.available, 0)),
    }


def _tsv_cell(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def render(items: Iterable[FeedItem], *, feed_format: FeedFormat, public_url: str) -> str:
    """The whole feed file: Google as TSV, Meta as CSV, each with a header line."""
    if feed_format is FeedFormat.ACP:
        raise ValueError("the ACP feed is rendered by acp_feed.render")
    if feed_format is FeedFormat.GOOGLE:
        lines = ["\t".join(GOOGLE_COLUMNS)]
        for item in items:
            row = google_row(item, public_url=public_url)
            lines.append("\t".join(_tsv_cell(row[c]) for c in GOOGLE_COLUMNS))
        return "\n".join(lines) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(META_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(meta_row(item, public_url=public_url))
    return buffer.getvalue()


def media_type(feed_format: FeedFormat) -> str:
    """The HTTP content type of a feed."""
    if feed_format is FeedFormat.ACP:
        return "application/json"
    kind = "tab-separated-values" if feed_format is FeedFormat.GOOGLE else "csv"
    return f"text/{kind}; charset=utf-8"


def columns(feed_format: FeedFormat) -> Sequence[str]:
    """The header of a tabular feed (the JSON ACP feed has none)."""
    if feed_format is FeedFormat.ACP:
        return ()
    return GOOGLE_COLUMNS if feed_format is FeedFormat.GOOGLE else META_COLUMNS
