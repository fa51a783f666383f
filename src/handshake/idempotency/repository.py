"""Every query of idempotency keys."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update

from handshake.db.uow import Repository
from handshake.idempotency.models import IdempotencyRecord, KeyStatus


class IdempotencyRepository(Repository):
    """Keys: claimed atomically, answered in the caller's transaction, released on failure."""

    async def insert_in_flight(self, values: dict[str, Any]) -> bool:
        """Insert a new in-flight key; False when the (scope, key) exists already."""
        statement = (
            self.conflict_insert(IdempotencyRecord)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(IdempotencyRecord.key)
        )
        return (await self.session.execute(statement)).first() is not None

    async def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        """The record of a key (fresh from the database)."""
        statement = (
            select(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).first()

    async def take_over(
        self, scope: str, key: str, *, now: datetime, locked_until: datetime, claim_token: str
    ) -> bool:
        """Claim an in-flight key whose first request died (its lock ran out)."""
        condition = IdempotencyRecord.locked_until <= now
        values = {"locked_until": locked_until, "claim_token": claim_token}
        return await self._update_in_flight(scope, key, condition, values)

    async def answer(
        self, scope: str, key: str, *, claim_token: str, status: int, body: Any
    ) -> bool:
        """Store the answer of an in-flight key held by ``claim_token``."""
        values = {
            "status": KeyStatus.ANSWERED,
            "response_status": status,
            # As text: PostgreSQL's JSONB reorders keys, and a replay must be the same bytes.
            "response": {"text": json.dumps(body, ensure_ascii=False, separators=(",", ":"))},
        }
        return await self._update_in_flight(
            scope, key, IdempotencyRecord.claim_token == claim_token, values
        )

    async def release(self, scope: str, key: str, *, claim_token: str) -> None:
        """Forget an in-flight key held by ``claim_token`` (its request failed unanswered)."""
        await self.session.execute(
            delete(IdempotencyRecord).where(
                *_in_flight(scope, key), IdempotencyRecord.claim_token == claim_token
            )
        )

    async def _update_in_flight(
        self, scope: str, key: str, condition: ColumnElement[bool], values: dict[str, Any]
    ) -> bool:
        result = await self.session.execute(
            update(IdempotencyRecord)
            .where(*_in_flight(scope, key), condition)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge_expired(self, now: datetime) -> int:
        """Delete answered or abandoned keys past their retention; how many."""
        result = await self.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _in_flight(scope: str, key: str) -> tuple[ColumnElement[bool], ...]:
    """The conditions naming an in-flight key."""
    return (
        IdempotencyRecord.scope == scope,
        IdempotencyRecord.key == key,
        IdempotencyRecord.status == KeyStatus.IN_FLIGHT,
    )
