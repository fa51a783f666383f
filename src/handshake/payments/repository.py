"""Every query of the payments domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from handshake.db.uow import Repository
from handshake.payments.models import (
    DelegatedPaymentToken,
    Payment,
    PaymentOperation,
    PaymentStatus,
)


class PaymentRepository(Repository):
    """Payments and their operations."""

    async def get(self, payment_id: str) -> Payment | None:
        """One payment."""
        return await self.session.get(Payment, payment_id)

    async def get_for_update(self, payment_id: str) -> Payment | None:
        """One payment, row-locked until the transaction ends (PostgreSQL; SQLite's writer
        transaction already excludes other writers), so provider calls about it take turns."""
        statement = (
            select(Payment)
            .where(Payment.id == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def authorized_for(self, reference: str) -> list[Payment]:
        """Payments for ``reference`` still holding money (authorised, not captured)."""
        rows = await self.session.scalars(
            select(Payment)
            .where(Payment.reference == reference, Payment.status == PaymentStatus.AUTHORIZED)
            .order_by(Payment.id)
        )
        return list(rows.all())

    async def refresh(self, payment: Payment) -> None:
        """Reload ``payment`` after a conditional update."""
        await self.session.refresh(payment)

    async def operations(self, payment_id: str) -> list[PaymentOperation]:
        """A payment's operations, oldest first."""
        rows = await self.session.scalars(
            select(PaymentOperation)
            .where(PaymentOperation.payment_id == payment_id)
            .order_by(PaymentOperation.at, PaymentOperation.id)
        )
        return list(rows.all())

    async def transition(
        self, *, payment_id: str, expected: Any, values: dict[str, Any], now: datetime
    ) -> bool:
        """Change a payment still in one of the ``expected`` states (and amounts); False if
        another call changed it first."""
        result = await self.session.execute(
            update(Payment)
            .where(Payment.id == payment_id, *expected)
            .values(**values, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


class DelegatedTokenRepository(Repository):
    """Delegated payment tokens; claims and releases are single conditional statements."""

    async def get(self, token_id: str) -> DelegatedPaymentToken | None:
        """One token, as stored now."""
        statement = (
            select(DelegatedPaymentToken)
            .where(DelegatedPaymentToken.id == token_id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def claim(self, *, token_id: str, payment_id: str, now: datetime) -> bool:
        """Mark an unused, unexpired token as used by ``payment_id``; False if it was not."""
        token = DelegatedPaymentToken
        moved = await self.execute_count(
            update(token)
            .where(token.id == token_id, token.used_at.is_(None), token.expires_at > now)
            .values(used_at=now, used_by_payment_id=payment_id)
            .execution_options(synchronize_session=False)
        )
        return moved == 1

    async def release(self, payment_id: str) -> int:
        """Make the token used by ``payment_id`` (now voided) usable again; how many were."""
        token = DelegatedPaymentToken
        return await self.execute_count(
            update(token)
            .where(token.used_by_payment_id == payment_id)
            .values(used_at=None, used_by_payment_id=None)
            .execution_options(synchronize_session=False)
        )
