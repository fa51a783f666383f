"""Every query of the accounts domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, literal, select, update

from handshake.accounts.errors import ShopperNotFound
from handshake.accounts.models import (
    Address,
    LoginThrottle,
    Membership,
    Operator,
    OperatorApiKey,
    PaymentMethod,
    Shopper,
    WebSession,
)
from handshake.db.uow import Repository
from handshake.kernel import clock

Owned = Address | PaymentMethod


class ShopperRepository(Repository):
    """Shoppers with their addresses, membership and saved payment methods."""

    async def get(self, shopper_id: str) -> Shopper | None:
        """The shopper, or None."""
        return await self.session.get(Shopper, shopper_id)

    async def require(self, shopper_id: str, *, lock: bool = False) -> Shopper:
        """The live (not erased) shopper; ``lock`` serialises per-shopper writes (PostgreSQL)."""
        query = select(Shopper).where(Shopper.id == shopper_id)
        if lock:
            query = query.with_for_update()
        shopper = await self.session.scalar(query)
        if shopper is None or shopper.is_erased:
            raise ShopperNotFound(f"No shopper {shopper_id}.")
        return shopper

    async def by_email(self, email: str) -> Shopper | None:
        """The shopper with this normalised e-mail, or None."""
        return await self.session.scalar(select(Shopper).where(Shopper.email == email))

    async def membership(self, shopper_id: str) -> Membership | None:
        """The shopper's membership row, or None."""
        query = select(Membership).where(Membership.shopper_id == shopper_id)
        return await self.session.scalar(query)

    async def addresses(self, shopper_id: str) -> Sequence[Address]:
        """The shopper's addresses, oldest first."""
        query = select(Address).where(Address.shopper_id == shopper_id).order_by(Address.id)
        return (await self.session.scalars(query)).all()

    async def payment_methods(self, shopper_id: str) -> Sequence[PaymentMethod]:
        """The shopper's saved payment methods, oldest first."""
        query = (
            select(PaymentMethod)
            .where(PaymentMethod.shopper_id == shopper_id)
            .order_by(PaymentMethod.id)
        )
        return (await self.session.scalars(query)).all()

    async def get_owned(self, kind: type[Owned], shopper_id: str, item_id: str) -> Owned | None:
        """The shopper's address or payment method ``item_id``, or None."""
        query = select(kind).where(kind.id == item_id, kind.shopper_id == shopper_id)
        found: Owned | None = await self.session.scalar(query)
        return found

    async def set_default(self, kind: type[Owned], shopper_id: str, item_id: str) -> None:
        """Make ``item_id`` the only default: unset the old one first (partial unique index)."""
        await self.session.execute(
            update(kind)
            .where(kind.shopper_id == shopper_id, kind.is_default.is_(True), kind.id != item_id)
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )
        await self.session.execute(
            update(kind)
            .where(kind.shopper_id == shopper_id, kind.id == item_id)
            .values(is_default=True)
            .execution_options(synchronize_session="fetch")
        )

    async def delete_owned(self, item: Owned) -> None:
        """Delete one address or payment method."""
        await self.session.delete(item)
        await self.session.flush()

    async def delete_personal_rows(self, shopper_id: str) -> None:
        """Delete every address and payment method of the shopper."""
        for kind in (Address, PaymentMethod):
            await self.session.execute(delete(kind).where(kind.shopper_id == shopper_id))


@dataclass(frozen=True)
class ThrottleState:
    """Failures counted so far and the end of the lockout, if any."""

    failures: int
    locked_until: datetime | None


class SessionRepository(Repository):
    """Web sessions and login throttles."""

    async def by_token_hash(self, token_hash: str) -> WebSession | None:
        """The session whose cookie token hashes to ``token_hash``, or None."""
        query = select(WebSession).where(WebSession.token_hash == token_hash)
        return await self.session.scalar(query)

    async def of_principal(self, kind: str, principal_id: str) -> Sequence[WebSession]:
        """Every session of a shopper or operator, oldest first."""
        query = (
            select(WebSession)
            .where(WebSession.principal_kind == kind, WebSession.principal_id == principal_id)
            .order_by(WebSession.id)
        )
        return (await self.session.scalars(query)).all()

    async def delete_by_token_hash(self, token_hash: str) -> None:
        """End the session with this token hash (no-op when unknown)."""
        await self.session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))

    async def delete_of_principal(self, kind: str, principal_id: str) -> None:
        """End every session of a shopper or operator."""
        await self.session.execute(
            delete(WebSession).where(
                WebSession.principal_kind == kind, WebSession.principal_id == principal_id
            )
        )

    async def throttle(self, key: str) -> LoginThrottle | None:
        """The throttle row of ``key``, or None."""
        return await self.session.get(LoginThrottle, key)

    async def record_failure(
        self, key: str, *, now: datetime, max_failures: int, lockout: timedelta
    ) -> ThrottleState:
        """Count one failure in a single upsert, so concurrent failures all count exactly.

        A lockout that has ended starts a fresh count; reaching ``max_failures`` locks the key
        until ``now + lockout``.
        """
        table = LoginThrottle.__table__
        date_type = table.c.locked_until.type
        first_locks = now + lockout if max_failures <= 1 else None
        statement = self.conflict_insert(LoginThrottle).values(
            key=key, failures=1, locked_until=first_locks, last_failure_at=now
        )
        lapsed = and_(table.c.locked_until.is_not(None), table.c.locked_until <= now)
        counted = case((lapsed, literal(1)), else_=table.c.failures + 1)
        upsert = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": counted,
                "locked_until": case(
                    (counted >= max_failures, literal(now + lockout, date_type)),
                    (lapsed, literal(None, date_type)),
                    else_=table.c.locked_until,
                ),
                "last_failure_at": now,
            },
        ).returning(table.c.failures, table.c.locked_until)
        row = (await self.session.execute(upsert)).one()
        locked_until = None if row[1] is None else clock.ensure_utc(row[1])
        return ThrottleState(failures=int(row[0]), locked_until=locked_until)

    async def delete_throttles(self, keys: Sequence[str]) -> None:
        """Forget the failure counts of ``keys`` (success, erasure)."""
        await self.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


class OperatorRepository(Repository):
    """Operators and their API keys."""

    async def get(self, operator_id: str) -> Operator | None:
        """The operator, or None."""
        return await self.session.get(Operator, operator_id)

    async def by_email(self, email: str) -> Operator | None:
        """The operator with this normalised e-mail, or None."""
        return await self.session.scalar(select(Operator).where(Operator.email == email))

    async def key_with_operator(self, key_id: str) -> tuple[OperatorApiKey, Operator] | None:
        """The API key and its operator in one query (read on every call, never cached)."""
        query = (
            select(OperatorApiKey, Operator)
            .join(Operator, Operator.id == OperatorApiKey.operator_id)
            .where(OperatorApiKey.id == key_id)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def keys_of(self, operator_id: str) -> Sequence[OperatorApiKey]:
        """The operator's keys, oldest first (revoked ones included)."""
        query = (
            select(OperatorApiKey)
            .where(OperatorApiKey.operator_id == operator_id)
            .order_by(OperatorApiKey.id)
        )
        return (await self.session.scalars(query)).all()

    async def touch_key(self, key_id: str, *, now: datetime, stale_before: datetime) -> None:
        """Set ``last_used_at`` unless it was set recently (one write per key per minute)."""
        column = OperatorApiKey.last_used_at
        await self.session.execute(
            update(OperatorApiKey)
            .where(OperatorApiKey.id == key_id, (column.is_(None)) | (column < stale_before))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
