"""Request models of the checkout and orders APIs (answers are rendered by ``rendering``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Sku = Annotated[str, Field(min_length=1, max_length=64)]
Id = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z]{2,5}_[0-9A-Za-z]+$")]
Lang = Literal["en", "fr"]


class CheckoutItemIn(BaseModel):
    """An offer the shopper tapped Buy on, and how many."""

    model_config = ConfigDict(extra="forbid")

    offer_token: str = Field(min_length=1, max_length=4096)
    quantity: int = Field(default=1, ge=1, le=1000)


class CheckoutSessionIn(BaseModel):
    """A new checkout session."""

    model_config = ConfigDict(extra="forbid")

    items: list[CheckoutItemIn] = Field(min_length=1, max_length=100)
    click_id: str | None = Field(default=None, min_length=1, max_length=64)
    return_url: str | None = Field(default=None, min_length=1, max_length=2000)
    delivery_option: str | None = Field(default=None, min_length=1, max_length=32)


class QuantityIn(BaseModel):
    """A new quantity for an item of the session (0 removes it)."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku
    quantity: int = Field(ge=0, le=1000)


class CheckoutSessionPatch(BaseModel):
    """Changes to a session; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    items: list[QuantityIn] | None = Field(default=None, min_length=1, max_length=100)
    delivery_option: str | None = Field(default=None, min_length=1, max_length=32)
    address_id: Id | None = None
    payment_method_id: Id | None = None


class ConfirmationIn(BaseModel):
    """The confirmation the shopper gave in the partner's UI, with the total they saw."""

    model_config = ConfigDict(extra="forbid")

    shopper_confirmed: bool
    total_minor: int = Field(ge=0, le=10**12)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class CompleteIn(BaseModel):
    """Completion of a session."""

    model_config = ConfigDict(extra="forbid")

    confirmation: ConfirmationIn


class ShipIn(BaseModel):
    """The parcel's carrier and tracking number."""

    model_config = ConfigDict(extra="forbid")

    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str = Field(min_length=1, max_length=100)


class CancelIn(BaseModel):
    """Why the order is cancelled."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class RefundIn(BaseModel):
    """How much to give back (all that is left when absent)."""

    model_config = ConfigDict(extra="forbid")

    amount_minor: int | None = Field(default=None, ge=1, le=10**12)
    reason: str = Field(default="", max_length=200)
