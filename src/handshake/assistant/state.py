"""What a conversation remembers between turns (kept as JSON on the conversation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handshake.assistant.constraints import Constraints


@dataclass
class CartLine:
    """A product variant the assistant put in this conversation's cart."""

    product_id: str
    sku: str
    quantity: int


@dataclass
class PendingPurchase:
    """A checkout shown to the shopper, waiting for their explicit yes with its token."""

    token_digest: str
    session_id: str
    total_minor: int
    currency: str
    expires_at: datetime


@dataclass
class ConversationState:
    """Needs, constraints, what was shown, the cart and any purchase awaiting confirmation."""

    need: str = ""
    constraints: Constraints = field(default_factory=Constraints)
    shown: list[str] = field(default_factory=list)  # product ids of the last cards, in order
    focus: str | None = None  # the product the shopper is talking about
    cart: list[CartLine] = field(default_factory=list)
    pending: PendingPurchase | None = None
    asked: list[str] = field(default_factory=list)  # clarifying questions already asked

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        pending = None
        if self.pending is not None:
            pending = {
                "token_digest": self.pending.token_digest,
                "session_id": self.pending.session_id,
                "total_minor": self.pending.total_minor,
                "currency": self.pending.currency,
                "expires_at": self.pending.expires_at.isoformat(),
            }
        return {
            "need": self.need,
            "constraints": self.constraints.to_json(),
            "shown": list(self.shown),
            "focus": self.focus,
            "cart": [vars(line).copy() for line in self.cart],
            "pending": pending,
            "asked": list(self.asked),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        """The state ``to_json`` wrote (an empty state for an empty document)."""
        pending = data.get("pending")
        return cls(
            need=data.get("need", ""),
            constraints=Constraints.from_json(data.get("constraints") or {}),
            shown=list(data.get("shown") or []),
            focus=data.get("focus"),
            cart=[CartLine(**line) for line in data.get("cart") or []],
            pending=None
            if not pending
            else PendingPurchase(
                token_digest=pending["token_digest"],
                session_id=pending["session_id"],
                total_minor=pending["total_minor"],
                currency=pending["currency"],
                expires_at=datetime.fromisoformat(pending["expires_at"]),
            ),
            asked=list(data.get("asked") or []),
        )
