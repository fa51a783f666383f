"""Request bodies of the Agentic Commerce Protocol (API-Version 2026-04-17), as we read them.

Unknown fields are ignored (the protocol asks servers to tolerate what newer agents send); the
fields we act on are typed and bounded, so a bad value is a 400 naming its JSON path.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator


def _without_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a value (PostgreSQL text cannot store them)."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    if isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    if isinstance(value, list):
        for item in value:
            _without_nul(item)
    return value


class AcpModel(BaseModel):
    """Base: unknown fields are ignored; no text may hold a NUL character."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _without_nul(value)


class ItemIn(AcpModel):
    """A feed item; the 2026-04-17 Item has no quantity (one unit each, repeat to buy more),
    earlier versions sent ``quantity``, which we still honour."""

    id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=1000)
    name: str | None = Field(default=None, max_length=500)
    unit_amount: int | None = Field(default=None, ge=0)


class AddressIn(AcpModel):
    """A postal address."""

    name: str = Field(min_length=1, max_length=200)
    line_one: str = Field(min_length=1, max_length=200)
    line_two: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(default="", max_length=100)
    country: str = Field(min_length=2, max_length=2)
    postal_code: str = Field(min_length=1, max_length=20)


class FulfillmentDetailsIn(AcpModel):
    """Contact and address for delivery."""

    name: str | None = Field(default=None, max_length=200)
    phone_number: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    address: AddressIn | None = None


class BuyerIn(AcpModel):
    """Who the agent says is buying (for contact and receipts)."""

    email: EmailStr
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    full_name: str | None = Field(default=None, max_length=200)
    phone_number: str | None = Field(default=None, max_length=40)


class SelectedOptionIn(AcpModel):
    """The fulfillment option the buyer chose for some items."""

    type: Literal["shipping", "digital", "pickup", "local_delivery"]
    option_id: str = Field(min_length=1, max_length=64)
    item_ids: list[str] = Field(default_factory=list, max_length=100)


class CreateSessionIn(AcpModel):
    """POST /checkout_sessions."""

    line_items: list[ItemIn] = Field(min_length=1, max_length=100)
    currency: str = Field(min_length=3, max_length=3)
    capabilities: dict[str, Any]
    buyer: BuyerIn | None = None
    fulfillment_details: FulfillmentDetailsIn | None = None
    affiliate_attribution: dict[str, Any] | None = None
    locale: str | None = Field(default=None, max_length=35)
    order_notes: str | None = Field(default=None, max_length=5000)


class UpdateSessionIn(AcpModel):
    """POST /checkout_sessions/{id}."""

    line_items: list[ItemIn] | None = Field(default=None, min_length=1, max_length=100)
    buyer: BuyerIn | None = None
    fulfillment_details: FulfillmentDetailsIn | None = None
    selected_fulfillment_options: list[SelectedOptionIn] | None = Field(default=None, max_length=10)
    order_notes: str | None = Field(default=None, max_length=5000)


class CredentialIn(AcpModel):
    """The payment credential: a delegated vault token."""

    type: str = Field(min_length=1, max_length=40)
    token: str = Field(min_length=1, max_length=255)


class InstrumentIn(AcpModel):
    """A payment instrument and its credential."""

    type: str = Field(min_length=1, max_length=40)
    credential: CredentialIn


class PaymentDataIn(AcpModel):
    """How the buyer pays."""

    handler_id: str | None = Field(default=None, max_length=100)
    instrument: InstrumentIn | None = None
    # 2025-09-29 sent {token, provider}; honoured the same way.
    token: str | None = Field(default=None, max_length=255)
    provider: str | None = Field(default=None, max_length=40)


class CompleteSessionIn(AcpModel):
    """POST /checkout_sessions/{id}/complete."""

    payment_data: PaymentDataIn
    buyer: BuyerIn | None = None
    affiliate_attribution: dict[str, Any] | None = None
    order_notes: str | None = Field(default=None, max_length=5000)


class IntentTraceIn(AcpModel):
    """Why the agent abandons the session (extensible reason codes)."""

    reason_code: str = Field(min_length=1, max_length=40)
    trace_summary: str | None = Field(default=None, max_length=500)
    metadata: dict[str, str | int | float | bool] | None = None


class CancelSessionIn(AcpModel):
    """POST /checkout_sessions/{id}/cancel (body optional)."""

    intent_trace: IntentTraceIn | None = None
