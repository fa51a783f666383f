"""Use cases of checkout sessions: create from offer tokens, update, read, cancel.

Every change re-prices from the catalog (a changed price is kept as a ``price_changed`` message
with the old and new price, never applied silently), brings the stock holds in line with the
lines and the address (a hold moves to a warehouse that delivers there), pushes their expiry
back, and stores the totals the shopper will be asked to confirm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.checkout import refresh
from handshake.checkout.errors import (
    CheckoutClosed,
    CheckoutInProgress,
    CheckoutSessionNotFound,
    CurrencyNotSupported,
    InvalidCheckoutRequest,
    InvalidClickId,
    ReturnUrlNotRegistered,
    UnknownAddress,
    UnknownDeliveryOption,
    UnknownPaymentMethod,
)
from handshake.checkout.models import CheckoutLine, CheckoutSession, SessionStatus
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.reservations import release_all
from handshake.checkout.summary import CheckoutSummary
from handshake.db.uow import UnitOfWork
from handshake.idempotency import service as idempotency
from handshake.idempotency.service import IdempotentRequest
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.offers import service as offers
from handshake.offers.click_ids import verify_click_id
from handshake.offers.service import OfferClaims
from handshake.partners import service as partners
from handshake.payments import service as payments


@dataclass(frozen=True)
class Buyer:
    """Who asks: the shopper, and the partner (and its client) acting for them, if any."""

    shopper_id: str
    partner_id: str | None
    client_id: str | None
    subject: str | None
    channel: str


@dataclass(frozen=True)
class RequestedItem:
    """An offer token the shopper tapped Buy on, and how many."""

    offer_token: str
    quantity: int


@dataclass(frozen=True)
class SessionChanges:
    """What an update asks for; None leaves a field as it is."""

    quantities: dict[str, int] | None = None
    delivery_option: str | None = None
    address_id: str | None = None
    payment_method_id: str | None = None


@dataclass(frozen=True)
class KeptAnswer:
    """An answer to store under an Idempotency-Key in the transaction of the change itself."""

    request: IdempotentRequest
    status_code: int
    render: Callable[[CheckoutSummary], Any]


async def keep_answer(uow: UnitOfWork, keep: KeptAnswer | None, summary: CheckoutSummary) -> None:
    """Store the rendered answer under its key (inside the caller's open transaction)."""
    if keep is not None:
        await uow.flush()  # the answer shows the row as committed (its updated_at)
        await idempotency.record_answer(
            uow=uow, request=keep.request, status_code=keep.status_code,
            body=keep.render(summary),
        )  # fmt: skip


def _check_quantity(policy: CheckoutPolicy, quantity: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if not low <= quantity <= policy.max_quantity:
        raise InvalidCheckoutRequest(
            f"Quantities go from {low} to {policy.max_quantity}.",
            extra={"max_quantity": policy.max_quantity},
        )


def check_items(policy: CheckoutPolicy, quantities: Sequence[int]) -> None:
    """Refuse an empty or oversized basket, or a quantity out of bounds."""
    if not 1 <= len(quantities) <= policy.max_lines:
        raise InvalidCheckoutRequest(
            f"A checkout holds 1 to {policy.max_lines} items.",
            extra={"max_lines": policy.max_lines},
        )
    for quantity in quantities:
        _check_quantity(policy, quantity)


def check_option(policy: CheckoutPolicy, code: str) -> None:
    """Refuse a delivery option the store does not offer."""
    if policy.option(code) is None:
        raise UnknownDeliveryOption(
            f"No delivery option {code!r}.",
            extra={"delivery_options": [o.code for o in policy.delivery_options]},
        )


async def _return_url(uow: UnitOfWork, buyer: Buyer, requested: str | None) -> str | None:
    if buyer.client_id is None:
        return requested
    client = await partners.get_active_client(uow=uow, client_id=buyer.client_id)
    if requested is None:
        return client.redirect_uris[0] if client.redirect_uris else None
    if requested not in client.redirect_uris:
        raise ReturnUrlNotRegistered(
            "The return URL must be one of the client's registered redirect URIs."
        )
    return requested


def _click_key(policy: CheckoutPolicy, buyer: Buyer, click_id: str | None) -> str | None:
    if click_id is None:
        return None
    reference = None
    if buyer.partner_id is not None:
        reference = verify_click_id(
            click_id, secret=policy.click_secret, partner_id=buyer.partner_id
        )
    if reference is None:
        raise InvalidClickId("This click id was not issued to this partner.")
    return reference.key


async def _verified_claims(
    uow: UnitOfWork, policy: CheckoutPolicy, buyer: Buyer, items: Sequence[RequestedItem]
) -> list[OfferClaims]:
    # The store's own checkout takes the tokens the store minted for its signed-in shopper.
    audience, subject = (
        (offers.STORE_AUDIENCE, buyer.shopper_id)
        if buyer.partner_id is None
        else (buyer.partner_id, buyer.subject)
    )
    claims = [
        await offers.verify_offer_token(
            uow=uow,
            policy=policy.offers,
            token=item.offer_token,
            partner_id=audience,
            subject=subject,
        )
        for item in items
    ]
    variants = [claim.variant_id for claim in claims]
    if len(set(variants)) != len(variants):
        raise InvalidCheckoutRequest("Give each variant once, with its quantity.")
    foreign = sorted({claim.currency for claim in claims} - {policy.currency})
    if foreign:
        raise CurrencyNotSupported(
            f"The store sells in {policy.currency}.", extra={"currencies": foreign}
        )
    return claims


def _line(session_id: str, position: int, claim: OfferClaims, quantity: int) -> CheckoutLine:
    # Prices and titles are set from the catalog by the refresh; the offer's price is kept.
    return CheckoutLine(
        id=new_id("chl"), session_id=session_id, position=position, variant_id=claim.variant_id,
        sku=claim.sku, title_en=claim.sku, title_fr=claim.sku, quantity=quantity,
        unit_price_minor=claim.unit_price_minor, list_price_minor=claim.unit_price_minor,
        offered_price_minor=claim.unit_price_minor, offer_token_id=claim.token_id,
        placement_id=claim.placement_id, campaign_id=claim.campaign_id,
        creative_id=claim.creative_id,
    )  # fmt: skip


def new_session(
    policy: CheckoutPolicy, buyer: Buyer, book: refresh.AddressBook, option: str, **fields: Any
) -> CheckoutSession:
    """A new open session of ``buyer`` with the book's default address and card."""
    return CheckoutSession(
        id=new_id("chk"), partner_id=buyer.partner_id, client_id=buyer.client_id,
        shopper_id=buyer.shopper_id, status=SessionStatus.OPEN, currency=policy.currency,
        address_id=book.default_address_id, payment_method_id=book.default_card_id,
        delivery_option=option, is_member=book.is_member, messages=[], **fields,
    )  # fmt: skip


async def open_session(
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    session: CheckoutSession,
    lines: Sequence[CheckoutLine],
    *,
    book: refresh.AddressBook,
    now: datetime,
) -> CheckoutSummary:
    """Store the new session and its lines, then price and hold them."""
    repo = uow.repo(CheckoutRepository)
    repo.add(session)
    await uow.flush()  # the session row first: lines reference it
    for line in lines:
        repo.add(line)
    return await refresh.refresh_session(uow, policy, session, lines, book=book, now=now)


async def create_checkout_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    items: Sequence[RequestedItem],
    click_id: str | None = None,
    return_url: str | None = None,
    delivery_option: str | None = None,
    keep: KeptAnswer | None = None,
) -> CheckoutSummary:
    """A session for the offers the shopper tapped Buy on, with its stock held."""
    check_items(policy, [item.quantity for item in items])
    option = delivery_option or policy.default_option
    check_option(policy, option)
    click_key = _click_key(policy, buyer, click_id)
    now = clock.now()
    async with uow:
        claims = await _verified_claims(uow, policy, buyer, items)
        url = await _return_url(uow, buyer, return_url)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        session = new_session(
            policy, buyer, book, option, click_id=click_id, click_key=click_key, return_url=url
        )
        lines = [
            _line(session.id, i, c, item.quantity)
            for i, (c, item) in enumerate(zip(claims, items, strict=True))
        ]
        summary = await open_session(uow, policy, session, lines, book=book, now=now)
        await keep_answer(uow, keep, summary)
        await uow.commit()
    return summary


async def owned_session(
    uow: UnitOfWork, buyer: Buyer, session_id: str, *, for_update: bool = False
) -> CheckoutSession:
    """The buyer's session (another partner's or shopper's is "not found")."""
    session = await uow.repo(CheckoutRepository).get_session(session_id, for_update=for_update)
    if (
        session is None
        or session.shopper_id != buyer.shopper_id
        or session.partner_id != buyer.partner_id
    ):
        raise CheckoutSessionNotFound(f"No checkout session {session_id!r}.")
    return session


async def release_abandoned(uow: UnitOfWork, session: CheckoutSession) -> None:
    """Void authorisations no order uses, and take back a session whose completion died.

    Called with the session row locked, once ``ensure_changeable`` let the caller in: then no
    live completion holds the session, so any authorisation for it is an abandoned attempt's
    (a crash, a failed void). A ``completing`` session goes back to ``open`` with a new token:
    the abandoned attempt, if it was only slow, can no longer place its order.
    """
    await payments.void_authorizations_for(uow=uow, reference=session.id)
    if session.status == SessionStatus.COMPLETING:
        session.status = SessionStatus.OPEN
        session.completion_token = session.completing_until = None


async def session_to_change(
    uow: UnitOfWork, buyer: Buyer, session_id: str, now: datetime
) -> CheckoutSession:
    """The buyer's session, locked, open to changes, taken back from a dead completion."""
    session = await owned_session(uow, buyer, session_id, for_update=True)
    ensure_changeable(session, now)
    await release_abandoned(uow, session)
    return session


def ensure_changeable(session: CheckoutSession, now: datetime) -> None:
    """Refuse changes to a closed session or one a completion is holding."""
    if session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELED):
        raise CheckoutClosed(
            f"This checkout session is {session.status}.",
            extra={"session_status": session.status, "order_id": session.order_id},
        )
    until = session.completing_until
    if session.status == SessionStatus.COMPLETING and until is not None and until > now:
        wait = max(1, int((until - now).total_seconds()) + 1)
        raise CheckoutInProgress(
            "This checkout session is being completed.", retry_after_seconds=wait
        )


def _apply_quantities(
    policy: CheckoutPolicy, lines: list[CheckoutLine], quantities: dict[str, int]
) -> tuple[list[CheckoutLine], list[CheckoutLine]]:
    by_sku = {line.sku: line for line in lines}
    unknown = sorted(set(quantities) - by_sku.keys())
    if unknown:
        raise InvalidCheckoutRequest(
            "Only items of the session can change quantity.", extra={"unknown_skus": unknown}
        )
    for sku, quantity in quantities.items():
        _check_quantity(policy, quantity, allow_zero=True)
        by_sku[sku].quantity = quantity
    kept = [line for line in lines if line.quantity > 0]
    if not kept:
        raise InvalidCheckoutRequest("A checkout keeps at least one item; cancel it instead.")
    return kept, [line for line in lines if line.quantity == 0]


def _choose(session: CheckoutSession, changes: SessionChanges, book: refresh.AddressBook) -> None:
    if changes.address_id is not None:
        if changes.address_id not in book.addresses:
            raise UnknownAddress("This address is not one of the shopper's.")
        session.address_id = changes.address_id
    if changes.payment_method_id is not None:
        if changes.payment_method_id not in book.cards:
            raise UnknownPaymentMethod("This card is not one of the shopper's usable cards.")
        session.payment_method_id = changes.payment_method_id
    if changes.delivery_option is not None:
        session.delivery_option = changes.delivery_option


async def update_checkout_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    session_id: str,
    changes: SessionChanges,
    keep: KeptAnswer | None = None,
) -> CheckoutSummary:
    """Change quantities (0 removes an item), the delivery option, the address or the card."""
    if changes.delivery_option is not None:
        check_option(policy, changes.delivery_option)
    now = clock.now()
    async with uow:
        session = await session_to_change(uow, buyer, session_id, now)
        repo = uow.repo(CheckoutRepository)
        lines = await repo.lines(session.id)
        if changes.quantities:
            lines, removed = _apply_quantities(policy, lines, changes.quantities)
            for line in removed:
                await repo.delete_line(line)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        _choose(session, changes, book)
        summary = await refresh.refresh_session(uow, policy, session, lines, book=book, now=now)
        await keep_answer(uow, keep, summary)
        await uow.commit()
    return summary


async def get_checkout_session(
    *, uow: UnitOfWork, policy: CheckoutPolicy, buyer: Buyer, session_id: str
) -> CheckoutSummary:
    """The session as it stands (nothing is re-priced or re-held by reading it)."""
    now = clock.now()
    async with uow:
        session = await owned_session(uow, buyer, session_id)
        lines = await uow.repo(CheckoutRepository).lines(session.id)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        return await refresh.summarize(uow, policy, session, lines, book=book, now=now)


async def cancel_checkout_session(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    buyer: Buyer,
    session_id: str,
    keep: KeptAnswer | None = None,
) -> CheckoutSummary:
    """Close the session and give its stock back at once."""
    now = clock.now()
    async with uow:
        session = await session_to_change(uow, buyer, session_id, now)
        repo = uow.repo(CheckoutRepository)
        await release_all(uow, await repo.reservations(session.id))
        await repo.transition_session(
            session.id, expected=[SessionStatus.OPEN, SessionStatus.COMPLETING],
            values={"status": SessionStatus.CANCELED, "reserved_until": None}, now=now,
        )  # fmt: skip
        session.status, session.reserved_until = SessionStatus.CANCELED, None
        lines = await repo.lines(session.id)
        book = await refresh.address_book(uow, buyer.shopper_id, now=now)
        summary = await refresh.summarize(uow, policy, session, lines, book=book, now=now)
        await keep_answer(uow, keep, summary)
        await uow.commit()
    return summary
