"""Persisted search index entries, conversations and their logged turns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import (
    Base,
    JSONDocument,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)


class IndexEntry(Base):
    """One product as the assistant's search index holds it, so start-up needs no embedding."""

    __tablename__ = "assistant_index_entries"
    __table_args__ = (
        Index("ix_assistant_index_entries_indexed_at", "indexed_at"),
        # Catalogs repeat passages across products: a vector stored once is reused.
        Index("ix_assistant_index_entries_passage_digest", "passage_digest"),
    )

    product_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), primary_key=True
    )
    # The embedded text's digest and the embedder's name: re-embed only when either changes.
    passage_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    embedder: Mapped[str] = mapped_column(String(32), nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # False once the product stops being sold: readers drop it from their in-memory index.
    listed: Mapped[bool] = mapped_column(nullable=False, default=True)
    # The product's updated_at that was indexed; a newer one means the text must be read again.
    product_version: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # When the row was written: each process loads the rows written since its last look.
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Conversation(Base):
    """A chat with the assistant: who it acts for, through which app, and what it remembers."""

    __tablename__ = "assistant_conversations"
    __table_args__ = (Index("ix_assistant_conversations_updated_at", "updated_at"),)

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str | None] = mapped_column(
        ForeignKey("shoppers.id", ondelete="CASCADE"), index=True
    )
    partner_id: Mapped[str | None] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(120), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    # SHA-256 of the key handed out at creation: every later call must present the key.
    key_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False, default=dict)
    turns: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class ConversationTurn(Base):
    """One message and its answer, with every tool call, for the operator's log."""

    __tablename__ = "assistant_turns"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    id: Mapped[str] = id_column()
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("assistant_conversations.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    reply: Mapped[str] = mapped_column(Text, nullable=False)
    tool_calls: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, nullable=False)
    product_ids: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False)
    policy: Mapped[str] = mapped_column(String(16), nullable=False)  # "rules" or "llm"
    duration_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
