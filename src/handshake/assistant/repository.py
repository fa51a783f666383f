"""Every query of the assistant: index entries, conversations and turns."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from handshake.assistant.models import Conversation, ConversationTurn, IndexEntry
from handshake.db.uow import Repository


class AssistantRepository(Repository):
    """Index entries, conversations and the turn log."""

    # --- search index --------------------------------------------------------------------------

    async def entry_versions(self) -> dict[str, tuple[datetime, bool]]:
        """Product id → (indexed product version, listed) of every entry."""
        query = select(IndexEntry.product_id, IndexEntry.product_version, IndexEntry.listed)
        rows = (await self.session.execute(query)).all()
        return {row.product_id: (row.product_version, row.listed) for row in rows}

    async def entries(self, product_ids: Collection[str]) -> dict[str, IndexEntry]:
        """These products' entries, by product id."""
        query = select(IndexEntry).where(IndexEntry.product_id.in_(list(product_ids)))
        return {entry.product_id: entry for entry in await self.session.scalars(query)}

    async def last_write(self) -> datetime | None:
        """When an entry was last written (uses the ``indexed_at`` index: a cheap look)."""
        found: datetime | None = await self.session.scalar(select(func.max(IndexEntry.indexed_at)))
        return found

    async def vectors_by_digest(self, digests: Collection[str]) -> dict[str, bytes]:
        """A stored vector for each of these passage digests that some entry already has."""
        query = select(IndexEntry.passage_digest, IndexEntry.vector).where(
            IndexEntry.passage_digest.in_(list(digests))
        )
        return {row.passage_digest: row.vector for row in (await self.session.execute(query)).all()}

    async def entries_written_since(
        self, since: datetime | None, *, after_id: str, limit: int
    ) -> Sequence[Any]:
        """Entries written at or after ``since``, by (product id), a page after ``after_id``."""
        query = select(
            IndexEntry.product_id, IndexEntry.document, IndexEntry.vector, IndexEntry.listed,
            IndexEntry.indexed_at, IndexEntry.embedder,
        ).where(IndexEntry.product_id > after_id)  # fmt: skip
        if since is not None:
            query = query.where(IndexEntry.indexed_at >= since)
        query = query.order_by(IndexEntry.product_id).limit(limit)
        return (await self.session.execute(query)).all()

    async def listed_documents(self, *, after_id: str, limit: int) -> Sequence[Any]:
        """(product_id, document) of listed entries, by product id, a page after ``after_id``."""
        query = (
            select(IndexEntry.product_id, IndexEntry.document)
            .where(IndexEntry.listed.is_(True), IndexEntry.product_id > after_id)
            .order_by(IndexEntry.product_id)
            .limit(limit)
        )
        return (await self.session.execute(query)).all()

    async def replace_document(
        self, product_id: str, document: dict[str, Any], at: datetime
    ) -> None:
        """Store a document whose facts changed (its text and vector are unchanged)."""
        statement = (
            update(IndexEntry)
            .where(IndexEntry.product_id == product_id)
            .values(document=document, indexed_at=at)
        )
        await self.session.execute(statement)

    async def unlist(self, product_ids: Collection[str], at: datetime) -> int:
        """Mark these entries as no longer sold."""
        statement = (
            update(IndexEntry)
            .where(IndexEntry.product_id.in_(list(product_ids)), IndexEntry.listed.is_(True))
            .values(listed=False, indexed_at=at)
        )
        return await self.execute_count(statement)

    async def count_entries(self) -> int:
        """Listed entries."""
        query = select(func.count()).select_from(IndexEntry).where(IndexEntry.listed.is_(True))
        return int(await self.session.scalar(query) or 0)

    # --- conversations -------------------------------------------------------------------------

    async def conversation(
        self, conversation_id: str, *, for_update: bool = False
    ) -> Conversation | None:
        """One conversation (locked for the turn when ``for_update``)."""
        query = select(Conversation).where(Conversation.id == conversation_id)
        if for_update:
            query = query.with_for_update()
        found: Conversation | None = await self.session.scalar(query)
        return found

    async def turns_of(self, conversation_id: str) -> Sequence[ConversationTurn]:
        """The turns of a conversation, in order."""
        query = (
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id == conversation_id)
            .order_by(ConversationTurn.position)
        )
        return (await self.session.scalars(query)).all()

    async def recent_conversations(
        self, *, limit: int, before: datetime | None
    ) -> Sequence[Conversation]:
        """Conversations by last activity, newest first, a page before ``before``."""
        query = select(Conversation).order_by(
            Conversation.updated_at.desc(), Conversation.id.desc()
        )
        if before is not None:
            query = query.where(Conversation.updated_at < before)
        return (await self.session.scalars(query.limit(limit))).all()

    async def conversations_of_shopper(self, shopper_id: str) -> Sequence[Conversation]:
        """A shopper's conversations, oldest first (export)."""
        query = (
            select(Conversation)
            .where(Conversation.shopper_id == shopper_id)
            .order_by(Conversation.created_at)
        )
        return (await self.session.scalars(query)).all()

    async def delete_conversations_of(self, shopper_id: str) -> None:
        """Delete a shopper's conversations (their turns go with them)."""
        ids = select(Conversation.id).where(Conversation.shopper_id == shopper_id)
        await self.session.execute(
            delete(ConversationTurn).where(ConversationTurn.conversation_id.in_(ids))
        )
        await self.session.execute(
            delete(Conversation).where(Conversation.shopper_id == shopper_id)
        )
