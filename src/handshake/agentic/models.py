"""What the Agentic Commerce Protocol adds to a checkout session: the agent's own facts.

The session itself (lines, holds, totals, its order) is checkout's; this row keeps what only an
agent sends: the API version it spoke, the buyer and fulfillment contact it gave, the prices it
expected, the write-only affiliate attribution and why it cancelled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, JSONDocument, created_at_column, updated_at_column


class AgentCheckout(Base):
    """A checkout session an AI agent opened through the protocol."""

    __tablename__ = "agent_checkouts"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("checkout_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    api_version: Mapped[str] = mapped_column(String(10), nullable=False)
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # Contact and address as the agent gave them (echoed back; the address also goes to
    # checkout as the session's one-off delivery address).
    fulfillment_details: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # Unit prices the agent showed, by SKU: a different price of ours becomes a warning.
    expected_prices: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    locale: Mapped[str | None] = mapped_column(String(35))
    # Write-only: kept for the merchant's affiliate reporting, never returned to an agent.
    affiliate_attribution: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    intent_trace: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
