"""Request and response models of the offers API.

Responses are built as plain dicts and serialised once (the hot path skips response-model
validation); these models document them in OpenAPI, and tests validate answers against them.
"""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from handshake.catalog.schemas import AvailabilityOut, PriceOut
from handshake.offers.service import MAX_BATCH

# Partner-chosen ids of where an offer shows: printable ASCII, no spaces.
PartnerRef = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[!-~]+$")]
Sku = Annotated[str, Field(min_length=1, max_length=64)]
Gtin = Annotated[str, Field(min_length=8, max_length=20, pattern=r"^[0-9 -]+$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")]
Lang = Literal["en", "fr"]


class OfferItemIn(BaseModel):
    """One variant, by SKU or by GTIN (exactly one of them)."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    gtin: Gtin | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> OfferItemIn:
        if (self.sku is None) == (self.gtin is None):
            raise ValueError("give exactly one of sku and gtin")
        return self


class OfferQuery(BaseModel):
    """The query of ``GET /partner/v1/offers``: one variant and where the partner shows it."""

    model_config = ConfigDict(extra="ignore")

    placement_id: PartnerRef
    sku: Sku | None = None
    gtin: Gtin | None = None
    campaign_id: PartnerRef | None = None
    creative_id: PartnerRef | None = None
    country: Country | None = None
    lang: Lang = "en"


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI query parameters of ``model``'s fields (for routes that parse the query)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": field}
        for name, field in schema["properties"].items()
    ]


class OffersIn(BaseModel):
    """A batch of variants and where the partner shows them."""

    model_config = ConfigDict(extra="forbid")

    items: list[OfferItemIn] = Field(min_length=1, max_length=MAX_BATCH)
    placement_id: PartnerRef
    campaign_id: PartnerRef | None = None
    creative_id: PartnerRef | None = None
    country: Country | None = Field(
        default=None, description="Country of the generic estimate (anonymous, or no address)."
    )
    lang: Lang = "en"


class DeliveryOut(BaseModel):
    """The earliest delivery window: to the shopper's address, or a country-wide estimate."""

    kind: Literal["address", "estimate"]
    date: Day
    start_hour: int
    end_hour: int
    label: str
    country: str | None = Field(description="Only for estimates; an address is never disclosed.")


class CheckoutOut(BaseModel):
    """Whether in-app checkout can run now, and what stops it."""

    possible: bool
    blockers: list[
        Literal[
            "no_address",
            "not_deliverable_to_address",
            "no_payment_method",
            "checkout_not_granted",
            "out_of_stock",
        ]
    ]


class OfferOut(BaseModel):
    """A variant offered to the caller."""

    variant_id: str
    sku: str
    gtin: str | None
    product_id: str
    title: str
    image: str | None
    price: PriceOut
    list_price: PriceOut
    member_price_applied: bool
    saving: PriceOut | None
    availability: AvailabilityOut
    delivery: DeliveryOut | None
    membership_badge: bool
    checkout: CheckoutOut | None = Field(description="Linked calls only.")
    offer_token: str | None = Field(description="Signed offer (JWS, Ed25519); linked calls only.")
    offer_token_expires_at: datetime | None


class ItemErrorOut(BaseModel):
    """Why one reference has no offer."""

    code: Literal["variant_not_found"]
    detail: str


class OfferResultOut(BaseModel):
    """One requested reference and its offer (or error)."""

    reference: dict[str, str] = Field(examples=[{"sku": "ACM-X1-WHT"}])
    status: Literal["ok", "not_found"]
    offer: OfferOut | None
    error: ItemErrorOut | None


class OffersOut(BaseModel):
    """Offers in request order; unknown references are reported per item."""

    linked: bool
    items: list[OfferResultOut]
    link_account_url: str | None = Field(
        description="Anonymous calls: authorization URL to link the shopper's account."
    )
