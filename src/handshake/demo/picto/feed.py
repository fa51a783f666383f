"""Picto's feed: friends' posts with sponsored posts for products of the store's public catalog.

Products are picked from ``GET /api/v1/products`` (in stock, spread over the catalog), never by
hard-coded ids; their offers come from ``POST /partner/v1/offers``: anonymous with Picto's own
client-credentials token, personalised with the linked shopper's token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import (
    ClientToken,
    LinkedShoppers,
    NotLinked,
    PlatformUnavailable,
)
from handshake.demo.partner_kit.public_api import public_json

PLACEMENT = "picto-feed"
CATALOG_SECONDS = 120.0
FRIENDS = (
    ("Inès", "Sunday walk along the canal. The light was unreal."),
    ("Malik", "Finally finished the kitchen shelves. Only one screw left over."),
    ("Jade", "Who else keeps the heating at 19 °C? Jumpers are a lifestyle."),
    ("Tom", "New plant, new me. Her name is Gertrude."),
    ("Sofia", "Rainy day, good book, better tea."),
    ("Noah", "Tried a new bread recipe: the crust sings."),
)


@dataclass(frozen=True)
class Post:
    """A feed entry: a friend's post, or a sponsored one carrying an offer (None: unavailable)."""

    author: str
    text: str
    sku: str | None = None
    offer: dict[str, Any] | None = None


class Catalog:
    """The SKUs Picto advertises, read from the public catalog and kept a couple of minutes."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig, size: int) -> None:
        self.http, self.config, self.size = http, config, size
        self._skus: list[str] = []
        self._read_at = -CATALOG_SECONDS

    async def skus(self) -> list[str]:
        """In-stock SKUs spread over the catalog (one variant per product)."""
        if self._skus and time.monotonic() - self._read_at < CATALOG_SECONDS:
            return self._skus
        page = await self._get("/api/v1/products", params={"in_stock": "true", "limit": "100"})
        products = page.get("items", [])
        step = max(len(products) // max(self.size, 1), 1)
        picked = products[::step][: self.size]
        skus = [sku for p in picked if (sku := await self._first_sku(str(p["id"])))]
        self._skus, self._read_at = skus, time.monotonic()
        return skus

    async def _first_sku(self, product_id: str) -> str | None:
        product = await self._get(f"/api/v1/products/{product_id}")
        variants = [v for v in product.get("variants", [])
                    if v["availability"]["status"] != "out_of_stock"]  # fmt: skip
        return str(variants[0]["sku"]) if variants else None

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return await public_json(self.http, self.config, path, params)


class Feed:
    """Builds the feed for one browser: anonymous or linked offers."""

    def __init__(
        self, http: httpx.AsyncClient, config: PartnerAppConfig, linked: LinkedShoppers,
        size: int = 4,
    ) -> None:  # fmt: skip
        self.catalog = Catalog(http, config, size)
        self.http, self.config, self.linked = http, config, linked
        self.anonymous = ClientToken(http, config, "offers")

    async def offers(self, subject: str | None, skus: list[str]) -> dict[str, dict[str, Any]]:
        """The offer of each SKU (the shopper's own when linked)."""
        if not skus:
            return {}
        body = {"items": [{"sku": s} for s in skus], "placement_id": PLACEMENT}
        try:
            if subject is not None:
                answer = await self.linked.request(subject, "POST", "/partner/v1/offers", json=body)
            else:
                token = await self.anonymous.get()
                answer = await self.http.post(
                    self.config.platform("/partner/v1/offers"), json=body,
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
        except NotLinked:  # the link ended meanwhile: the offers anyone sees
            return await self.offers(None, skus)
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(str(exc)) from None
        if answer.status_code != 200:
            raise PlatformUnavailable(f"offers answered {answer.status_code}")
        return {
            item["reference"]["sku"]: item["offer"]
            for item in answer.json()["items"]
            if item["status"] == "ok"
        }

    async def posts(self, subject: str | None) -> list[Post]:
        """Friends' posts with a sponsored post after every second one."""
        skus = list(await self.catalog.skus())  # popped below: never the cached list
        offers = await self.offers(subject, skus)
        posts: list[Post] = []
        for index, (author, text) in enumerate(FRIENDS):
            posts.append(Post(author, text))
            if index % 2 == 1 and skus:
                sku = skus.pop(0)
                posts.append(Post("Sponsored", "", sku, offers.get(sku)))
        posts += [Post("Sponsored", "", sku, offers.get(sku)) for sku in skus]
        return posts
