"""Entities of the payments domain: a payment, every operation made on it, delegated tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, UTCDateTime, created_at_column, id_column, updated_at_column


class PaymentStatus(StrEnum):
    """Where a payment is: authorised, then captured (and maybe refunded), or voided."""

    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DECLINED = "declined"


class PaymentOperationKind(StrEnum):
    """What was asked of the provider."""

    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"


class Payment(Base):
    """One payment for one purchase: how much is held, taken and given back."""

    __tablename__ = "payments"

    id: Mapped[str] = id_column()
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    # What the payment is for (a checkout session or an order id), for the operator's eyes.
    reference: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    authorized_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    captured_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    refunded_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(24), nullable=False)
    provider_reference: Mapped[str | None] = mapped_column(String(128))
    decline_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def refundable_minor(self) -> int:
        """What may still be given back."""
        return self.captured_minor - self.refunded_minor


class PaymentOperation(Base):
    """One call to the provider about a payment, kept for the operator and for audits."""

    __tablename__ = "payment_operations"

    id: Mapped[str] = id_column()
    payment_id: Mapped[str] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(32), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class DelegatedPaymentToken(Base):
    """A vaulted card an agent may charge once, within its allowance (ACP delegated payment).

    Only the provider's token and displayable facts are kept: never the card number or CVC.
    ``used_at`` is set by the one authorisation it backs, and cleared if that one is voided.
    """

    __tablename__ = "delegated_payment_tokens"

    id: Mapped[str] = id_column()
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    provider_token: Mapped[str] = mapped_column(String(128), nullable=False)
    brand: Mapped[str] = mapped_column(String(24), nullable=False)
    last4: Mapped[str] = mapped_column(String(4), nullable=False)
    max_amount_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    checkout_session_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    merchant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # "metadata" is taken by SQLAlchemy's declarative base, hence another attribute name.
    details: Mapped[dict[str, Any]] = mapped_column("metadata", nullable=False, default=dict)
    created_at: Mapped[datetime] = created_at_column()
    used_by_payment_id: Mapped[str | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def refusal(
        self, *, amount_minor: int, currency: str, reference: str, merchant_id: str, now: datetime
    ) -> str | None:
        """Why this token may not pay ``amount_minor`` for ``reference`` now (None: it may)."""
        checks = (
            (now >= self.expires_at, "allowance_expired"),
            (reference != self.checkout_session_id, "allowance_session_mismatch"),
            (merchant_id != self.merchant_id, "allowance_merchant_mismatch"),
            (currency.upper() != self.currency, "allowance_currency_mismatch"),
            (amount_minor > self.max_amount_minor, "allowance_exceeded"),
            (self.used_at is not None, "token_already_used"),
        )
        return next((code for refused, code in checks if refused), None)
