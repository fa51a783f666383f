"""What Shoply finds for a question: the store's public catalog search, read like anyone can.

The question is reduced to its words (small talk dropped, "under 40" becomes a price limit) and
sent to ``GET /api/v1/products``, where every word must match; with nothing found, each word
alone is tried. Each product's first available variant gives the SKU and its public list price,
read from ``GET /api/v1/products/{id}``: nothing about the shopper, linked or not.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.public_api import public_json

CARDS = 4
STOP_WORDS = frozenset({
    "a", "an", "the", "i", "i'm", "im", "me", "my", "we", "you", "your", "it", "is", "are", "be",
    "to", "of", "in", "on", "at", "for", "with", "and", "or", "that", "this", "these", "please",
    "can", "could", "would", "will", "want", "wants", "need", "needs", "looking", "look", "find",
    "show", "get", "buy", "order", "some", "any", "something", "one", "new", "good", "nice",
    "best", "cheap", "cheaper", "price", "euro", "euros", "eur", "like", "love", "hi", "hello",
    "hey", "shoply", "help", "gift", "ideas", "idea", "about",
})  # fmt: skip
LIMITS = frozenset({"under", "below", "max", "maximum", "less", "than", "within", "budget"})
TOKENS = re.compile(r"\d+(?:[.,]\d{1,2})?|[^\W\d_][\w'-]*")


@dataclass(frozen=True)
class Question:
    """A question as the catalog search takes it."""

    words: tuple[str, ...]
    max_price: str | None = None


@dataclass(frozen=True)
class ProductCard:
    """A product Shoply proposes, at the store's public price."""

    sku: str
    title: str
    brand: str
    image: str | None
    price_minor: int
    currency: str
    available: bool
    stock: str


def understand(text: str) -> Question:
    """The words that matter and a price limit ("a kettle under 40 €": kettle, max 40)."""
    tokens = TOKENS.findall(text.lower()[:200])
    words: list[str] = []
    limit = None
    for index, token in enumerate(tokens):
        if token[0].isdigit():
            if index and tokens[index - 1] in LIMITS:
                limit = token.replace(",", ".")
        elif token not in STOP_WORDS and token not in LIMITS and token not in words:
            words.append(token)
    return Question(tuple(words[:6]), limit)


def _card(summary: dict[str, Any], product: dict[str, Any]) -> ProductCard | None:
    variants = product.get("variants") or []
    available = [v for v in variants if v["availability"]["status"] != "out_of_stock"]
    variant = (available or variants or [None])[0]
    if variant is None:
        return None
    price = variant["list_price"]
    return ProductCard(
        sku=str(variant["sku"]), title=str(product.get("title") or summary.get("title")),
        brand=str(product.get("brand") or ""), image=summary.get("image"),
        price_minor=int(price["minor"]), currency=str(price["currency"]),
        available=bool(available), stock=str(variant["availability"]["status"]),
    )  # fmt: skip


class Catalog:
    """The store's public catalog, as Shoply reads it."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig) -> None:
        self.http, self.config = http, config

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return await public_json(self.http, self.config, path, params)

    async def _search(self, words: tuple[str, ...], max_price: str | None) -> list[dict[str, Any]]:
        params = {"q": " ".join(words), "limit": str(CARDS), "lang": "en"}
        if max_price is not None:
            params["max_price"] = max_price
        items: list[dict[str, Any]] = (await self._get("/api/v1/products", params)).get("items", [])
        return items

    async def _products(self, question: Question) -> list[dict[str, Any]]:
        """All words at once, else each word alone (longest first), up to four products."""
        found = await self._search(question.words, question.max_price)
        if found or len(question.words) < 2:
            return found
        seen: dict[str, dict[str, Any]] = {}
        for word in sorted(question.words, key=len, reverse=True):
            for item in await self._search((word,), question.max_price):
                seen.setdefault(str(item["id"]), item)
            if len(seen) >= CARDS:
                break
        return list(seen.values())[:CARDS]

    async def cards(self, text: str) -> list[ProductCard]:
        """Up to four products for the question, each with a SKU and its public price."""
        question = understand(text)
        if not question.words:
            return []
        summaries = await self._products(question)
        products = await asyncio.gather(
            *(self._get(f"/api/v1/products/{summary['id']}") for summary in summaries)
        )
        pairs = zip(summaries, products, strict=True)
        return [card for summary, product in pairs if (card := _card(summary, product))]
