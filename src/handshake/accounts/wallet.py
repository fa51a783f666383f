"""Use cases of saved payment methods: only the provider's token and displayable card facts.

A card number never reaches us: requests carry a token from the payments provider, brand, last
four digits and expiry. Tokens that look like a card number are refused as a safety net.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from handshake.accounts.errors import CardExpired, PaymentMethodNotFound
from handshake.accounts.models import PaymentMethod, card_expired
from handshake.accounts.repository import ShopperRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.errors import InvalidInput
from handshake.kernel.ids import new_id

_PROVIDER_RE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
_PAN_LIKE_RE = re.compile(r"^[\d -]{12,23}$")


class InvalidPaymentMethod(InvalidInput):
    """A payment method field is not acceptable."""

    code = "invalid_payment_method"


def _check(provider: str, token: str, brand: str, last4: str, exp_month: int) -> None:
    def refuse(message: str, field: str) -> InvalidPaymentMethod:
        return InvalidPaymentMethod(message, extra={"field": field})

    if not _PROVIDER_RE.match(provider):
        raise refuse("Unknown payment provider name.", "provider")
    if not token.strip() or len(token) > 255:
        raise refuse("The provider token is missing or too long.", "token")
    if _PAN_LIKE_RE.match(token):
        raise refuse("Send the provider's token, never a card number.", "token")
    if not brand.strip() or len(brand) > 40:
        raise refuse("The card brand is missing or too long.", "brand")
    if not (len(last4) == 4 and last4.isdigit()):
        raise refuse("last4 must be the last four digits of the card.", "last4")
    if not 1 <= exp_month <= 12:
        raise refuse("The expiry month must be between 1 and 12.", "exp_month")


async def list_payment_methods(*, uow: UnitOfWork, shopper_id: str) -> Sequence[PaymentMethod]:
    """The shopper's saved payment methods, oldest first."""
    async with uow:
        return await uow.repo(ShopperRepository).payment_methods(shopper_id)


async def add_payment_method(
    *,
    uow: UnitOfWork,
    shopper_id: str,
    provider: str,
    token: str,
    brand: str,
    last4: str,
    exp_month: int,
    exp_year: int,
    make_default: bool = False,
) -> PaymentMethod:
    """Save a tokenised card; expired cards are refused (``card_expired``)."""
    _check(provider, token, brand, last4, exp_month)
    if card_expired(exp_month, exp_year, clock.now()):
        raise CardExpired(
            f"This card expired at the end of {exp_month:02d}/{exp_year}.",
            extra={"field": "exp_year"},
        )
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        first = not await repo.payment_methods(shopper_id)
        method = PaymentMethod(
            id=new_id("pmt"),
            shopper_id=shopper_id,
            provider=provider,
            provider_token=token.strip(),
            brand=brand.strip().lower(),
            last4=last4,
            exp_month=exp_month,
            exp_year=exp_year,
            is_default=False,
        )
        repo.add(method)
        await uow.flush()
        if first or make_default:
            await repo.set_default(PaymentMethod, shopper_id, method.id)
        await uow.commit()
    return method


async def _owned_method(repo: ShopperRepository, shopper_id: str, method_id: str) -> PaymentMethod:
    found = await repo.get_owned(PaymentMethod, shopper_id, method_id)
    if not isinstance(found, PaymentMethod):
        raise PaymentMethodNotFound(f"No payment method {method_id}.")
    return found


async def set_default_payment_method(
    *, uow: UnitOfWork, shopper_id: str, method_id: str
) -> PaymentMethod:
    """Make this payment method the default."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        method = await _owned_method(repo, shopper_id, method_id)
        await repo.set_default(PaymentMethod, shopper_id, method_id)
        await uow.commit()
    return method


async def delete_payment_method(*, uow: UnitOfWork, shopper_id: str, method_id: str) -> None:
    """Forget a payment method; when it was the default, the oldest remaining one takes over."""
    async with uow:
        repo = uow.repo(ShopperRepository)
        await repo.require(shopper_id, lock=True)
        method = await _owned_method(repo, shopper_id, method_id)
        was_default = method.is_default
        await repo.delete_owned(method)
        remaining = await repo.payment_methods(shopper_id)
        if was_default and remaining:
            await repo.set_default(PaymentMethod, shopper_id, remaining[0].id)
        await uow.commit()
