"""Shared helpers of the assistant tests: a small kitchen shop of their own, indexed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.assistant import service as assistant
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from tests.catalog_helpers import import_ok, make_warehouses, row

KETTLES = {"category": "kitchen/kettles", "category_name_en": "Kettles",
           "category_name_fr": "Bouilloires"}  # fmt: skip


def _kettle(handle: str, sku: str, brand: str, en: str, fr: str, price: str, stock: int,
            material: str, capacity: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
    attributes = {"material": material, "capacity_l": capacity, "warranty_years": 2,
                  **extra.pop("attributes", {})}  # fmt: skip
    return row(
        handle=handle, sku=sku, gtin=None, brand=brand, title_en=en, title_fr=fr,
        description_en=f"{en}. Boils water fast.", description_fr=f"{fr}. Chauffe l'eau vite.",
        attributes=attributes, image_url=None, list_price=price,
        member_price=extra.pop("member_price", None), stock={"PAR1": stock},
        options=extra.pop("options", {}), **{**KETTLES, **extra},
    )  # fmt: skip


KITCHEN_ROWS: list[dict[str, Any]] = [
    _kettle("brewell-steel", "BRW-STEEL", "Brewell", "Brewell Steel kettle 1.7 L",
            "Bouilloire inox Brewell 1,7 L", "39.00", 10, "stainless steel", "1.7",
            member_price="35.00"),
    _kettle("brewell-glass", "BRW-GLASS", "Brewell", "Brewell Glass kettle 1.5 L",
            "Bouilloire en verre Brewell 1,5 L", "49.00", 5, "glass", "1.5",
            attributes={"warranty_years": 3}),
    _kettle("vaporo-compact", "VAP-COMPACT", "Vaporo", "Vaporo Compact kettle 1 L",
            "Bouilloire compacte Vaporo 1 L", "25.00", 8, "plastic", "1.0"),
    _kettle("vaporo-tempo", "VAP-TEMPO", "Vaporo", "Vaporo Tempo kettle with temperature control",
            "Bouilloire Vaporo Tempo à température réglable", "79.00", 3, "stainless steel",
            "1.7"),
    _kettle("kettlo-travel", "KTL-TRAVEL", "Kettlo", "Kettlo Travel kettle 0.5 L",
            "Bouilloire de voyage Kettlo 0,5 L", "29.00", 0, "plastic", "0.5"),
    _kettle("vaporo-glass", "VAP-GLASS", "Vaporo", "Vaporo Glass kettle 1.2 L",
            "Bouilloire en verre Vaporo 1,2 L", "45.00", 6, "glass", "1.2"),
    _kettle("kettlo-mini", "KTL-MINI", "Kettlo", "Kettlo Mini kettle 0.8 L",
            "Mini bouilloire Kettlo 0,8 L", "32.00", 7, "plastic", "0.8"),
    _kettle("brewell-smart", "BRW-SMART", "Brewell", "Brewell Smart kettle Wi-Fi",
            "Bouilloire connectée Brewell Wi-Fi", "99.00", 2, "stainless steel", "1.7"),
    _kettle("kettlo-retro", "KTL-RETRO-BLK", "Kettlo", "Kettlo Retro kettle",
            "Bouilloire rétro Kettlo", "59.00", 4, "stainless steel", "1.7",
            options={"colour": "black"}),
    _kettle("kettlo-retro", "KTL-RETRO-WHT", "Kettlo", "Kettlo Retro kettle",
            "Bouilloire rétro Kettlo", "59.00", 0, "stainless steel", "1.7",
            options={"colour": "white"}),
    row(handle="brewell-toaster", sku="BRW-TOAST", gtin=None, brand="Brewell",
        title_en="Brewell two-slice toaster", title_fr="Grille-pain deux fentes Brewell",
        description_en="Browns bread evenly.", description_fr="Dore le pain uniformément.",
        attributes={"slots": 2}, image_url=None, list_price="35.00", member_price=None,
        stock={"PAR1": 5}, options={}, category="kitchen/toasters",
        category_name_en="Toasters", category_name_fr="Grille-pain"),
]  # fmt: skip


async def kitchen_shop(container: Container) -> dict[str, str]:
    """Warehouses, the kitchen catalog and its search index; product id by handle."""
    await make_warehouses(container)
    await import_ok(container, KITCHEN_ROWS)
    await assistant.refresh_search_index(uow=container.uow(), settings=container.settings.assistant)
    ids = {}
    for found in KITCHEN_ROWS:
        variant = await catalog.get_variant(uow=container.read_uow(), reference=found["sku"])
        ids[found["handle"]] = variant.product_id
    return ids


@dataclass
class Chat:
    """A conversation driven over HTTP."""

    client: httpx.AsyncClient
    id: str
    key: str
    headers: dict[str, str]

    async def say(self, text: str = "", *, confirm: str | None = None) -> dict[str, Any]:
        """Send a message; the JSON turn (fails the test on an HTTP error)."""
        body: dict[str, Any] = {"text": text}
        if confirm is not None:
            body["confirmation_token"] = confirm
        response = await self.client.post(
            f"/api/v1/assistant/conversations/{self.id}/messages", json=body,
            headers={**self.headers, "X-Conversation-Key": self.key},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        turn: dict[str, Any] = response.json()
        return turn


async def start_chat(
    client: httpx.AsyncClient, *, language: str = "en", headers: dict[str, str] | None = None
) -> Chat:
    """A new conversation on ``client`` (with its cookies, or ``headers``)."""
    headers = dict(headers or {})
    response = await client.post(
        "/api/v1/assistant/conversations", json={"language": language}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Chat(client, body["id"], body["key"], headers)


def events_of(stream_text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a Server-Sent Events body."""
    found = []
    for block in stream_text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        found.append((lines["event"], json.loads(lines["data"])))
    return found
