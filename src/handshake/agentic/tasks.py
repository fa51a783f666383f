"""Wiring of the agentic domain: order events to agents' platforms; erasure of agent contacts."""

from __future__ import annotations

from handshake.agentic import service
from handshake.agentic.order_events import order_announcer
from handshake.agentic.protocol import unrouted_answer
from handshake.agentic.session_document import StoreFacts
from handshake.checkout import service as checkout
from handshake.db.uow import UnitOfWork
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings
from handshake.web import problems


async def erase_agent_contacts(uow: UnitOfWork, shopper_id: str) -> None:
    """Forget the buyer and delivery contacts agents gave for the shopper's sessions."""
    await service.erase_agent_contacts(uow=uow, shopper_id=shopper_id)


def register(
    *,
    jobs: JobRegistry,
    bus: EventBus,
    personal_data: PersonalDataRegistry,
    settings: Settings,
) -> None:
    """Tell agents' platforms about their orders; erase agents' contacts with the shopper."""
    del jobs, bus
    store = StoreFacts(
        public_url=settings.http.public_url.rstrip("/"),
        merchant_id=settings.agentic.merchant_id, links=(),
    )  # fmt: skip
    checkout.observe_orders("agentic", order_announcer(store))
    for prefix in ("/acp/", "/agentic_commerce/"):
        problems.speak_errors_under(prefix, unrouted_answer)
    personal_data.add_eraser("agentic", erase_agent_contacts)
