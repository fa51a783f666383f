"""The hosted sheet's use cases: who may open it, and the shopper's one tap, once per sheet."""

from __future__ import annotations

from handshake.checkout import sheet_links
from handshake.checkout.completion import Confirmation, complete_checkout
from handshake.checkout.errors import CheckoutSessionNotFound
from handshake.checkout.placement import Renderer
from handshake.checkout.policy import CheckoutPolicy
from handshake.checkout.repository import CheckoutRepository
from handshake.checkout.sessions import Buyer
from handshake.db.uow import UnitOfWork
from handshake.idempotency import service as idempotency
from handshake.kernel import clock
from handshake.linking import service as linking
from handshake.partners import service as partners


async def sheet_buyer(
    *, uow: UnitOfWork, policy: CheckoutPolicy, session_id: str, token: str
) -> Buyer:
    """The buyer of a session opened through its sheet link (not found: a bad or old link,
    or a partner the shopper has unlinked or no longer lets check out)."""
    missing = CheckoutSessionNotFound(f"No checkout session {session_id!r}.")
    if not sheet_links.sheet_token_valid(policy, session_id, token, clock.now()):
        raise missing
    async with uow:
        session = await uow.repo(CheckoutRepository).get_session(session_id)
        if session is None:
            raise missing
        channel = "store"
        if session.partner_id is not None:
            allowed = await linking.link_allows(
                uow=uow, shopper_id=session.shopper_id, partner_id=session.partner_id,
                scope="checkout",
            )  # fmt: skip
            if not allowed:
                raise missing
            channel = (await partners.get_partner(uow=uow, partner_id=session.partner_id)).name
    return Buyer(
        shopper_id=session.shopper_id, partner_id=session.partner_id,
        client_id=session.client_id, subject=None, channel=channel,
    )  # fmt: skip


async def pay_from_sheet(
    *,
    uow: UnitOfWork,
    policy: CheckoutPolicy,
    session_id: str,
    token: str,
    attempt: str,
    confirmation: Confirmation,
    render: Renderer,
) -> Buyer:
    """Complete the session shown with ``attempt`` (a key per rendered sheet); the buyer.

    A second tap on the same sheet finds the attempt answered and does nothing. A refusal frees
    the attempt: the sheet is shown again with a new one.
    """
    buyer = await sheet_buyer(uow=uow, policy=policy, session_id=session_id, token=token)
    body = {"total_minor": confirmation.total_minor, "currency": confirmation.currency}
    keyed = idempotency.keyed_request(scope=f"sheet:{session_id}", key=attempt, body=body)
    if await idempotency.claim(uow=uow, request=keyed, lease=policy.completion_lease) is not None:
        return buyer
    try:
        await complete_checkout(
            uow=uow, policy=policy, buyer=buyer, session_id=session_id,
            confirmation=confirmation, render=render, idempotent=keyed,
        )  # fmt: skip
    except BaseException:
        await idempotency.release(uow=uow, request=keyed)
        raise
    return buyer
