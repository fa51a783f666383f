"""Use cases of the Agentic Commerce Protocol, each mapped onto checkout's engine.

An agent's session is a checkout session of the shopper whose link the agent's token carries;
the protocol's extra facts live in :class:`AgentCheckout`, written in the same transaction as
the session, and so is the idempotent answer. Completion is checkout's own (three short
transactions, the answer kept with the order), paid with the delegated vault token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from handshake.agentic.errors import CurrencyMismatch, SessionNotCancelable
from handshake.agentic.models import AgentCheckout
from handshake.agentic.order_document import order_document
from handshake.agentic.repository import AgenticRepository
from handshake.agentic.session_document import StoreFacts, session_document
from handshake.checkout import service as checkout
from handshake.checkout.errors import CheckoutClosed, CheckoutSessionNotFound
from handshake.checkout.service import Buyer, CheckoutPolicy, CheckoutSummary
from handshake.db.uow import UnitOfWork
from handshake.idempotency import service as idempotency
from handshake.idempotency.service import IdempotentRequest
from handshake.kernel import clock


@dataclass(frozen=True)
class AgentCaller:
    """Who calls (the shopper's link to the agent's platform), in which version and language."""

    buyer: Buyer
    api_version: str
    store: StoreFacts


@dataclass(frozen=True)
class Basket:
    """Items by SKU (repeated ids add up) and the unit prices the agent expects, if it said."""

    items: tuple[checkout.CatalogItem, ...]
    expected_prices: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Contact:
    """Buyer and fulfillment details as the agent gave them (echoed back as given)."""

    buyer: dict[str, Any] | None = None
    fulfillment_details: dict[str, Any] | None = None
    address: checkout.DeliveryAddress | None = None
    order_notes: str | None = None


def basket_of(entries: Sequence[tuple[str, int, int | None]]) -> Basket:
    """A basket from (id, quantity, expected unit amount) entries, merging repeated ids."""
    quantities: dict[str, int] = {}
    expected: dict[str, int] = {}
    for sku, quantity, unit_amount in entries:
        quantities[sku] = quantities.get(sku, 0) + quantity
        if unit_amount is not None:
            expected[sku] = unit_amount
    items = tuple(checkout.CatalogItem(sku, q) for sku, q in quantities.items())
    return Basket(items, expected)


Render = Callable[[CheckoutSummary], dict[str, Any]]


def _renderer(caller: AgentCaller, agent: AgentCheckout) -> Render:
    return lambda summary: session_document(summary, agent, caller.store, now=clock.now())


async def _keep(
    uow: UnitOfWork, keyed: IdempotentRequest | None, status: int, body: dict[str, Any]
) -> None:
    if keyed is not None:
        await idempotency.record_answer(uow=uow, request=keyed, status_code=status, body=body)


def apply_contact(agent: AgentCheckout, contact: Contact) -> None:
    """Keep what the agent gave (a field it did not send stays as it was)."""
    if contact.buyer is not None:
        agent.buyer = contact.buyer
    if contact.fulfillment_details is not None:
        agent.fulfillment_details = contact.fulfillment_details


async def create_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    caller: AgentCaller,
    currency: str,
    basket: Basket,
    contact: Contact,
    attribution: dict[str, Any] | None = None,
    locale: str | None = None,
    keyed: IdempotentRequest | None = None,
) -> dict[str, Any]:
    """Open a session for the basket at the shopper's price; the protocol's CheckoutSession."""
    if currency.upper() != policy.currency:
        raise CurrencyMismatch(
            f"This store sells in {policy.currency.lower()}.", extra={"param": "$.currency"}
        )
    async with uow:
        summary = await checkout.create_catalog_checkout_session(
            uow=uow, policy=policy, buyer=caller.buyer, items=basket.items,
            delivery_address=contact.address, notes=contact.order_notes,
        )  # fmt: skip
        agent = AgentCheckout(
            session_id=summary.session.id, partner_id=caller.buyer.partner_id,
            api_version=caller.api_version, expected_prices=dict(basket.expected_prices),
            locale=locale, affiliate_attribution=[attribution] if attribution else [],
        )  # fmt: skip
        apply_contact(agent, contact)
        uow.repo(AgenticRepository).add(agent)
        await uow.flush()
        document = _renderer(caller, agent)(summary)
        await _keep(uow, keyed, 201, document)
        await uow.commit()
    return document


async def agent_checkout_of(uow: UnitOfWork, session_id: str) -> AgentCheckout:
    """The agent's facts of a session; "not found" for a session no agent opened."""
    agent = await uow.repo(AgenticRepository).get(session_id)
    if agent is None:
        raise CheckoutSessionNotFound(f"No checkout session {session_id!r}.")
    return agent


async def update_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    caller: AgentCaller,
    session_id: str,
    basket: Basket | None,
    contact: Contact,
    option_id: str | None = None,
    keyed: IdempotentRequest | None = None,
) -> dict[str, Any]:
    """Change the basket, the contact and address or the chosen option; the new session."""
    async with uow:
        agent = await agent_checkout_of(uow, session_id)
        summary = await checkout.update_catalog_checkout_session(
            uow=uow, policy=policy, buyer=caller.buyer, session_id=session_id,
            items=basket.items if basket else None, delivery_address=contact.address,
            delivery_option=option_id, notes=contact.order_notes,
        )  # fmt: skip
        if basket is not None:
            agent.expected_prices = dict(basket.expected_prices)
        apply_contact(agent, contact)
        await uow.flush()
        document = _renderer(caller, agent)(summary)
        await _keep(uow, keyed, 200, document)
        await uow.commit()
    return document


async def get_session(
    *, uow: UnitOfWork, policy: CheckoutPolicy, caller: AgentCaller, session_id: str
) -> dict[str, Any]:
    """The session as it stands (with its order once completed)."""
    async with uow:
        agent = await agent_checkout_of(uow, session_id)
        summary = await checkout.get_checkout_session(
            uow=uow, policy=policy, buyer=caller.buyer, session_id=session_id
        )
        document = _renderer(caller, agent)(summary)
        if summary.session.order_id is not None:
            details = await checkout.get_order(uow=uow, order_id=summary.session.order_id)
            document["order"] = order_document(details.order, details.lines, caller.store)
    return document


async def cancel_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    caller: AgentCaller,
    session_id: str,
    intent_trace: dict[str, Any] | None = None,
    keyed: IdempotentRequest | None = None,
) -> dict[str, Any]:
    """Cancel the session (its stock goes back at once), keeping the agent's reason."""
    async with uow:
        agent = await agent_checkout_of(uow, session_id)
        try:
            summary = await checkout.cancel_checkout_session(
                uow=uow, policy=policy, buyer=caller.buyer, session_id=session_id
            )
        except CheckoutClosed as exc:
            raise SessionNotCancelable(
                f"This checkout session is {exc.extra.get('session_status')}: it cannot be"
                " cancelled.",
            ) from exc
        agent.intent_trace = intent_trace
        await uow.flush()
        document = _renderer(caller, agent)(summary)
        await _keep(uow, keyed, 200, document)
        await uow.commit()
    return document


async def erase_agent_contacts(*, uow: UnitOfWork, shopper_id: str) -> None:
    """Forget what agents gave about the shopper (buyer, fulfillment contact)."""
    async with uow:
        await uow.repo(AgenticRepository).erase_contacts(shopper_id)
        await uow.commit()
