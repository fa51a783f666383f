"""Every query of the agentic domain."""

from __future__ import annotations

from sqlalchemy import select, update

from handshake.agentic.models import AgentCheckout
from handshake.checkout.models import CheckoutSession
from handshake.db.uow import Repository


class AgenticRepository(Repository):
    """Agent checkouts by session."""

    async def get(self, session_id: str) -> AgentCheckout | None:
        """The agent checkout of a session, if an agent opened it."""
        return await self.session.get(AgentCheckout, session_id)

    async def exists(self, session_id: str) -> bool:
        """Whether an agent opened this session."""
        found = await self.session.scalar(
            select(AgentCheckout.session_id).where(AgentCheckout.session_id == session_id)
        )
        return found is not None

    async def erase_contacts(self, shopper_id: str) -> None:
        """Forget the buyer and fulfillment contact of the shopper's agent checkouts."""
        sessions = select(CheckoutSession.id).where(CheckoutSession.shopper_id == shopper_id)
        await self.session.execute(
            update(AgentCheckout)
            .where(AgentCheckout.session_id.in_(sessions))
            .values(buyer=None, fulfillment_details=None)
        )
