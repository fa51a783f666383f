"""Entities of the payments domain: a payment and every operation made on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
