"""Completing a checkout: the shopper's confirmation, payment, and the order, exactly once.

Three short transactions, none held open during the provider call:

1. *begin*: lock the session, re-price and re-hold (a price that moved since the shopper saw it
   stops here with ``price_changed``; so does a total other than the one confirmed), then mark
   the session ``completing`` under a fresh completion token for a limited lease;
2. *authorise* the total on the chosen card (declined, authentication required and provider
   failures put the session back to ``open`` with its stock still held: the shopper may pick
   another card);
3. *place*: if the session still carries our token, turn its held reservations into the order,
   emit ``order.created`` and store the idempotent answer, all in one commit. If this step
   fails, the authorisation is voided: no hold is left on the shopper's card.

A completion that died mid-way leaves the session ``completing``; once its lease has run out the
next change, completion or cancellation takes the session back (``release_abandoned``): it voids
any authorisation no order uses and gives the session a new token, so the stalled attempt, if it
was only slow, can no longer place its order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import structlog

from handshake.catalog.errors import OutOfStock
from handshake.checkout import refresh
from handshake.checkout.errors import (
    CheckoutNotReady,
    ConfirmationMismatch,
    ConfirmationRequired,
    PriceChanged,
)
from handshake.checkout.models import CheckoutSession, SessionStatus
from handshake.checkout.placement import Delivered, Renderer, place_order
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.sessions import Buyer, session_to_change
from handshake.checkout.summary import NO_PAYMENT_METHOD, OUT_OF_STOCK, CheckoutSummary
from handshake.db.uow import UnitOfWork
from handshake.idempotency.service import IdempotentRequest
from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money
from handshake.payments import service as payments
from handshake.payments.errors import PaymentStateConflict
from handshake.payments.models import Payment

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Confirmation:
    """What the shopper confirmed in the partner's UI: the total they saw."""

    shopper_confirmed: bool
    total_minor: int
    currency: str


@dataclass(frozen=True)
class DelegatedPayment:
    """A payment token an AI agent's platform obtained for this session (within an allowance)."""

    token: str
    merchant_id: str
    card_label: str


@dataclass(frozen=True)
class _Begun:
    session: CheckoutSession
    token: str
    card: Any
    delivered: Delivered


def _address(session: CheckoutSession, book: refresh.AddressBook) -> dict[str, Any]:
    given = session.delivery_address
    if given:
        keys = ("name", "line1", "line2", "city", "postal_code", "country")
        return {key: given.get(key) for key in keys}
    address = book.addresses[session.address_id or ""]
    return {
        "name": address.name, "line1": address.line1, "line2": address.line2,
        "city": address.city, "postal_code": address.postal_code, "country": address.country,
    }  # fmt: skip


def _delivered(summary: CheckoutSummary, book: refresh.AddressBook, card_label: str) -> Delivered:
    window = summary.chosen.window
    return Delivered(
        address=_address(summary.session, book),
        promised_date=window.date.isoformat() if window else None,
        card_label=card_label,
    )


def _card_label(session: CheckoutSession, book: refresh.AddressBook) -> str:
    card = book.cards[session.payment_method_id or ""]
    return f"{card.brand} •••• {card.last4}"


def _refusal(
    summary: CheckoutSummary, confirmation: Confirmation, repriced: bool, delegated: bool
) -> DomainError | None:
    totals = summary.totals
    facts = {"total_minor": totals.total_minor, "currency": summary.session.currency}
    if repriced:
        return PriceChanged(
            "A price changed since the shopper saw it: show the new total and ask again.",
            extra={
                **facts,
                "messages": [m for m in summary.messages if m["code"] == "price_changed"],
            },
        )
    if (confirmation.total_minor, confirmation.currency) != (
        totals.total_minor,
        summary.session.currency,
    ):
        return ConfirmationMismatch(
            "The shopper confirmed another total than this session's.", extra=facts
        )
    if OUT_OF_STOCK in summary.blockers:
        return OutOfStock(
            "Some items cannot be reserved any more.",
            extra={"messages": [m for m in summary.messages if m["code"] == OUT_OF_STOCK]},
        )
    # A delegated payment brings its own card: the shopper's saved cards do not matter.
    blockers = [b for b in summary.blockers if not (delegated and b == NO_PAYMENT_METHOD)]
    if blockers:
        return CheckoutNotReady(
            "The purchase cannot be completed yet.", extra={"blockers": blockers}
        )
    return None


async def _begin(
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    session_id: str,
    confirmation: Confirmation,
    delegated: DelegatedPayment | None = None,
) -> _Begun:
    now = clock.now()
    refusal: DomainError | None = None
    async with uow:
        session = await session_to_change(uow, buyer, session_id, now)
        repo = uow.repo(CheckoutRepository)
        lines = await repo.lines(session.id)
        prices = [line.unit_price_minor for line in lines]
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        # Held through the whole completion (payment included), however short reservations are.
        hold_until = now + max(policy.reservation, policy.completion_lease)
        summary = await refresh.refresh_session(
            uow, policy, session, lines, book=book, now=now, hold_until=hold_until
        )
        repriced = prices != [line.unit_price_minor for line in lines]
        refusal = _refusal(summary, confirmation, repriced, delegated is not None)
        token = secrets.token_hex(16)
        if refusal is None:
            session.status, session.completion_token = SessionStatus.COMPLETING, token
            session.completing_until = now + policy.completion_lease
        await uow.commit()
    if refusal is not None:
        raise refusal
    if delegated is not None:
        return _Begun(session, token, None, _delivered(summary, book, delegated.card_label))
    card = book.cards[session.payment_method_id or ""]
    return _Begun(session, token, card, _delivered(summary, book, _card_label(session, book)))


async def _undo(uow: UnitOfWork, session_id: str, token: str, payment: Payment | None) -> None:
    """After a failure: void our authorisation unless our order holds it, reopen the session.

    A void that fails is logged; the authorisation stays findable by its reference and the
    session's next completion or cancellation voids it (``release_abandoned``).
    """
    async with uow:
        repo = uow.repo(CheckoutRepository)
        session = await repo.get_session(session_id, for_update=True)
        ours = session is not None and session.completion_token == token
        placed = session is not None and session.status == SessionStatus.COMPLETED
        if payment is not None and not placed:
            try:
                await payments.void_payment(
                    uow=uow, provider=payments.provider_named(payment.provider),
                    payment_id=payment.id,
                )  # fmt: skip
            except PaymentStateConflict:
                pass  # voided already (a takeover did it)
            except Exception:
                log.exception("checkout_void_failed", payment_id=payment.id)
        if ours and session is not None:
            session.status = SessionStatus.OPEN
            session.completion_token = session.completing_until = None
        await uow.commit()


async def _authorize(uow: UnitOfWork, begun: _Begun, delegated: DelegatedPayment | None) -> Payment:
    session, card = begun.session, begun.card
    amount, key = Money(session.total_minor, session.currency), f"{session.id}:{begun.token}"
    if delegated is not None:
        return await payments.authorize_delegated_payment(
            uow=uow, token=delegated.token, amount=amount, reference=session.id,
            merchant_id=delegated.merchant_id, idempotency_key=key,
        )  # fmt: skip
    return await payments.authorize_payment(
        uow=uow, provider=payments.provider_named(card.provider), token=card.provider_token,
        amount=amount, reference=session.id, payment_method_id=card.id, idempotency_key=key,
    )  # fmt: skip


async def complete_checkout(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    session_id: str,
    confirmation: Confirmation,
    render: Renderer,
    idempotent: IdempotentRequest | None = None,
    delegated: DelegatedPayment | None = None,
    answer_status: int = 201,
) -> Any:
    """Pay (with the session's card, or ``delegated``) and place the order; the rendered answer
    (kept under the idempotency key)."""
    if not confirmation.shopper_confirmed:
        raise ConfirmationRequired("The shopper must confirm the purchase (shopper_confirmed).")
    begun = await _begin(uow, policy, buyer, session_id, confirmation, delegated)
    session = begun.session
    payment: Payment | None = None
    try:
        payment = await _authorize(uow, begun, delegated)
        placed = await place_order(
            uow, session_id=session.id, token=begun.token, channel=buyer.channel,
            payment=payment, delivered=begun.delivered, render=render, idempotent=idempotent,
            answer_status=answer_status,
        )  # fmt: skip
    except BaseException:
        await _undo(uow, session.id, begun.token, payment)
        raise
    return placed.answer
