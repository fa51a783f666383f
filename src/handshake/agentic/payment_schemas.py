"""Request body of the delegated-payment endpoint (ACP ``delegate_payment``, 2026-04-17)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from handshake.agentic.schemas import AcpModel

Metadata = dict[str, str]


class CardIn(AcpModel):
    """The card the agent's platform collected (only passes through to the provider)."""

    type: Literal["card"]
    card_number_type: Literal["fpan", "network_token"]
    number: str = Field(min_length=12, max_length=23, repr=False)
    exp_month: str | None = Field(default=None, max_length=2)
    exp_year: str | None = Field(default=None, max_length=4)
    cvc: str | None = Field(default=None, max_length=4, repr=False)
    display_card_funding_type: Literal["credit", "debit", "prepaid"]
    display_brand: str | None = Field(default=None, max_length=40)
    display_last4: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    metadata: Metadata


class AllowanceIn(AcpModel):
    """What the token may pay for: one checkout session of this store, up to an amount."""

    reason: Literal["one_time"]
    max_amount: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    checkout_session_id: str = Field(min_length=1, max_length=64)
    merchant_id: str = Field(min_length=1, max_length=100)
    expires_at: datetime


class RiskSignalIn(AcpModel):
    """A risk check the platform ran."""

    type: str = Field(max_length=40)
    score: int
    action: Literal["blocked", "manual_review", "authorized"]


class DelegatePaymentIn(AcpModel):
    """POST /agentic_commerce/delegate_payment."""

    payment_method: CardIn
    allowance: AllowanceIn
    risk_signals: list[RiskSignalIn] = Field(max_length=20)
    metadata: Metadata
