"""Response models of the recommendations APIs: the shopper's full view, a partner's narrow one."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from handshake.catalog.schemas import PriceOut

Lang = Literal["en", "fr"]
# All a partner app learns about where a suggestion comes from.
PARTNER_BASIS: Literal["connected_home"] = "connected_home"


class ProductOut(BaseModel):
    """A product in stock that answers the suggestion."""

    id: str
    handle: str
    title: str
    brand: str
    image: str | None
    price_from: PriceOut
    member_price_from: PriceOut | None
    availability: Literal["in_stock", "low_stock"]


class BasisOut(BaseModel):
    """The device grant a suggestion relied on, and the purpose it was read for."""

    partner_id: str
    grant_id: str
    grant_version: int
    device_id: str
    data_types: list[str]
    purpose: Literal["recommendations"] = "recommendations"


class SuggestionOut(BaseModel):
    """A suggestion as its shopper sees it: the rule, why, the numbers and the grant."""

    rule: str
    reason: str
    device_name: str
    facts: dict[str, float]
    basis: BasisOut
    products: list[ProductOut]


class SuggestionsOut(BaseModel):
    """The shopper's suggestions."""

    items: list[SuggestionOut]


class PartnerSuggestionOut(BaseModel):
    """A suggested product as a partner app sees it: no rule, no device data (the shopper
    consented to recommendations by the store, not to telling other apps about their home)."""

    basis: Literal["connected_home"] = PARTNER_BASIS
    product: ProductOut


class PartnerSuggestionsOut(BaseModel):
    """Product suggestions for the linked shopper."""

    items: list[PartnerSuggestionOut]
