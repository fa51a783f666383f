"""Completing an agent's session: checkout's own completion, paid with a delegated vault token.

The total the agent last saw is the total the shopper confirmed: checkout re-prices at the start
of completion and refuses (``price_changed``) when a price moved, or (``confirmation_mismatch``)
when the basket changed since. The vault token's allowance (amount, currency, expiry, this
session, this store, single use) is enforced by the payments provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handshake.agentic.errors import UnsupportedPaymentData
from handshake.agentic.order_document import order_document
from handshake.agentic.service import AgentCaller, Contact, agent_checkout_of, apply_contact
from handshake.agentic.session_document import HANDLER_ID, session_document
from handshake.checkout import service as checkout
from handshake.checkout.service import CheckoutPolicy, CheckoutSummary, PlacedOrder
from handshake.db.uow import UnitOfWork
from handshake.idempotency.service import IdempotentRequest
from handshake.kernel import clock
from handshake.payments import service as payments


@dataclass(frozen=True)
class DelegatedToken:
    """The payment data of a completion: which handler, and the vault token."""

    handler_id: str | None
    token: str


def missing_token() -> UnsupportedPaymentData:
    """The error for payment data without a vault token."""
    return UnsupportedPaymentData(
        "payment_data needs instrument.credential.token (the delegated vault token).",
        extra={"param": "$.payment_data.instrument"},
    )


def _check_handler(payment: DelegatedToken) -> None:
    if payment.handler_id is not None and payment.handler_id != HANDLER_ID:
        raise UnsupportedPaymentData(
            f"Unknown payment handler {payment.handler_id!r}; use {HANDLER_ID!r}.",
            extra={"param": "$.payment_data.handler_id"},
        )


def _completed(
    summary: CheckoutSummary, caller: AgentCaller, agent: Any, placed: PlacedOrder
) -> dict[str, Any]:
    document = session_document(summary, agent, caller.store, now=clock.now())
    document.pop("expires_at", None)
    document.update(
        status="completed", messages=[],
        order=order_document(placed.order, placed.lines, caller.store),
    )  # fmt: skip
    return document


async def complete_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    caller: AgentCaller,
    session_id: str,
    payment: DelegatedToken,
    merchant_id: str,
    contact: Contact,
    attribution: dict[str, Any] | None = None,
    keyed: IdempotentRequest | None = None,
) -> Any:
    """Pay with the vault token and place the order; the session with its order."""
    _check_handler(payment)
    async with uow:
        agent = await agent_checkout_of(uow, session_id)
        summary = await checkout.get_checkout_session(
            uow=uow, policy=policy, buyer=caller.buyer, session_id=session_id
        )
        apply_contact(agent, contact)
        if contact.order_notes is not None:
            await checkout.note_checkout_session(
                uow=uow, buyer=caller.buyer, session_id=session_id, notes=contact.order_notes
            )
        if attribution:  # write-only: kept for reporting, never echoed
            agent.affiliate_attribution = [*agent.affiliate_attribution, attribution]
        label = await payments.delegated_card_label(uow=uow, token=payment.token)
        await uow.commit()
    confirmed = checkout.Confirmation(True, summary.totals.total_minor, summary.session.currency)
    return await checkout.complete_checkout(
        uow=uow, policy=policy, buyer=caller.buyer, session_id=session_id,
        confirmation=confirmed, render=lambda placed: _completed(summary, caller, agent, placed),
        idempotent=keyed, answer_status=200,
        delegated=checkout.DelegatedPayment(payment.token, merchant_id, label),
    )  # fmt: skip
