"""The reading tools: search, get_product and compare, answered from the index and live offers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handshake.assistant.cards import ProductCard, product_cards
from handshake.assistant.constraints import Constraints
from handshake.assistant.documents import ProductDocument
from handshake.assistant.errors import ProductNotFound

if TYPE_CHECKING:
    from handshake.assistant.tools import CompareArgs, ProductArgs, SearchArgs, ToolContext

# Hits hydrated per card asked: some drop out (no live offer, too late for the date asked).
OVERFETCH = 3
CANDIDATES = 50


@dataclass(frozen=True)
class SearchResult:
    """Cards for a search, and how many products matched the filters in all."""

    cards: list[ProductCard]
    matched: int  # products that passed the filters and were ranked
    keyword_matches: int  # of which contain the query's words (how broad the request is)
    candidate_ids: list[str]  # the best-ranked products, beyond the cards (for follow-ups)
    constraints: Constraints


@dataclass(frozen=True)
class ProductDetail:
    """A product's catalog data (the only facts the assistant may state) and its live card."""

    card: ProductCard
    description: str
    attributes: dict[str, Any]
    options: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Comparison:
    """Products side by side with the picks and the attributes that differ."""

    cards: list[ProductCard]
    top_pick: str
    budget_pick: str | None
    upgrade_pick: str | None
    differences: list[tuple[str, dict[str, Any]]]  # attribute → product id → value


def constraints_of(args: SearchArgs) -> Constraints:
    """The search's filters as constraints."""
    return Constraints(
        max_price_minor=args.max_price_minor, min_price_minor=args.min_price_minor,
        brands=frozenset(args.brands), categories=frozenset(args.categories),
        options={k: frozenset(v) for k, v in args.options.items()}, in_stock=args.in_stock,
        deliver_by=args.deliver_by, member_deals=args.member_deals,
    )  # fmt: skip


async def fresh_index(context: ToolContext) -> None:
    """Bring this process's index up to what the worker has written."""
    await context.live.ensure_fresh(
        context.offers.reader(), max_age_seconds=context.settings.index_sync_seconds
    )


async def search(context: ToolContext, args: SearchArgs) -> SearchResult:
    """Cards of the best products for the query under the filters."""
    await fresh_index(context)
    constraints = constraints_of(args)
    index = context.live.index
    depth = context.settings.search_depth
    # Embedding the query and scanning a large index take tens of milliseconds: off the event
    # loop, under the index's lock so a refresh never changes it mid-search.
    async with context.live.lock:
        hits = await asyncio.to_thread(
            index.search, args.query, constraints=constraints, limit=depth, depth=depth
        )
        documents = [doc for doc in (index.get(hit.product_id) for hit in hits) if doc]
    if args.sort != "relevance":
        documents.sort(key=lambda d: d.min_price_minor, reverse=args.sort == "price_desc")
    elif documents:
        # The best match stays first (asked for by name, even out of stock); behind it,
        # products that can be bought now come before those that cannot.
        documents[1:] = sorted(documents[1:], key=lambda d: d.available <= 0)
    cards: list[ProductCard] = []
    start = 0
    while len(cards) < args.limit and start < len(documents):
        chunk = documents[start : start + args.limit * OVERFETCH]
        start += len(chunk)
        found = await product_cards(
            context.offers, context.caller, chunk, lang=context.language, constraints=constraints
        )
        cards += [card for card in found if _keeps(card, constraints)]
    if args.sort != "relevance":
        cards.sort(key=lambda c: c.price_minor, reverse=args.sort == "price_desc")
    return SearchResult(
        cards=cards[: args.limit], matched=len(documents),
        keyword_matches=sum(1 for hit in hits if hit.bm25_rank is not None),
        candidate_ids=[doc.product_id for doc in documents[:CANDIDATES]], constraints=constraints,
    )  # fmt: skip


def _keeps(card: ProductCard, constraints: Constraints) -> bool:
    """Live checks the index cannot make: delivery date, stock and price of this instant."""
    if constraints.in_stock and not card.in_stock:
        return False
    if constraints.max_price_minor is not None and card.price_minor > constraints.max_price_minor:
        return False
    if constraints.deliver_by is None:
        return True
    return card.delivery_date is not None and card.delivery_date <= constraints.deliver_by


def document_or_error(context: ToolContext, product_id: str) -> ProductDocument:
    """The indexed product, or a not-found error."""
    document = context.live.index.get(product_id)
    if document is None:
        raise ProductNotFound("No such product in the catalog.", extra={"product_id": product_id})
    return document


async def get_product(context: ToolContext, args: ProductArgs) -> ProductDetail:
    """One product's data and live card."""
    await fresh_index(context)
    document = document_or_error(context, args.product_id)
    cards = await product_cards(context.offers, context.caller, [document], lang=context.language)
    if not cards:
        raise ProductNotFound(
            "This product is not sold now.", extra={"product_id": args.product_id}
        )
    description = document.description_fr if context.language == "fr" else document.description_en
    return ProductDetail(
        card=cards[0], description=description, attributes=dict(document.attributes),
        options=dict(document.options),
    )  # fmt: skip


async def compare(context: ToolContext, args: CompareArgs) -> Comparison:
    """The products side by side: top pick (first in stock), budget pick and upgrade."""
    await fresh_index(context)
    ids = list(dict.fromkeys(args.product_ids))
    documents = [document_or_error(context, pid) for pid in ids]
    cards = await product_cards(context.offers, context.caller, documents, lang=context.language)
    if len(cards) < 2:
        raise ProductNotFound("Fewer than two of these products are sold now.")
    buyable = [card for card in cards if card.in_stock] or cards
    top = buyable[0]
    cheapest = min(buyable, key=lambda c: c.price_minor)
    dearest = max(buyable, key=lambda c: c.price_minor)
    by_id = {doc.product_id: doc for doc in documents}
    return Comparison(
        cards=cards, top_pick=top.product_id,
        budget_pick=cheapest.product_id if cheapest.price_minor < top.price_minor else None,
        upgrade_pick=dearest.product_id if dearest.price_minor > top.price_minor else None,
        differences=_differences([by_id[c.product_id] for c in cards]),
    )  # fmt: skip


def _differences(documents: list[ProductDocument]) -> list[tuple[str, dict[str, Any]]]:
    """Attributes whose values are not the same for every product (missing counts as differing)."""
    keys = list(dict.fromkeys(k for doc in documents for k in doc.attributes))
    rows = []
    for key in keys:
        values = {doc.product_id: doc.attributes.get(key) for doc in documents}
        if len({repr(v) for v in values.values()}) > 1:
            rows.append((key, values))
    return rows
