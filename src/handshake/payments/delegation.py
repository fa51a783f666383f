"""Delegated payment (Agentic Commerce Protocol): a card vaulted to pay once, within an allowance.

An agent's payment service hands over card details with an *allowance*: at most this amount, in
this currency, for this checkout session of this merchant, until ``expires_at``, once. The card
goes straight to the provider, which answers a reusable token; only that token and displayable
facts are kept (:class:`DelegatedPaymentToken`), never the number or CVC.

:func:`authorize_delegated_payment` refuses anything outside the allowance before asking the
provider. Single use holds under concurrency: the token is claimed by one conditional UPDATE in
the transaction that records the authorised payment, so of two racing authorisations one is
recorded and the other's hold is voided. A decline or a provider failure leaves the token
unused; voiding the payment it backed makes it usable again (one live authorisation at most).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.kernel.money import Money, MoneyError, exponent
from handshake.payments.authorization import authorize_and_record, provider_named
from handshake.payments.errors import (
    InvalidAllowance,
    InvalidDelegatedCard,
    InvalidDelegationMetadata,
    PaymentDeclined,
)
from handshake.payments.models import DelegatedPaymentToken, Payment
from handshake.payments.provider import PaymentProvider
from handshake.payments.repository import DelegatedTokenRepository

MAX_ALLOWANCE = timedelta(days=30)
MAX_AMOUNT_MINOR = 2**31 - 1  # amounts are 32-bit integer columns
MAX_REFERENCE_LENGTH = 64
METADATA_MAX_KEYS, METADATA_MAX_KEY_LENGTH, METADATA_MAX_VALUE_LENGTH = 50, 40, 500
REFUSALS = {
    "token_not_found": "No delegated payment token with this id.",
    "allowance_expired": "The token's allowance has expired.",
    "allowance_session_mismatch": "The token was delegated for another checkout session.",
    "allowance_merchant_mismatch": "The token was delegated for another merchant.",
    "allowance_currency_mismatch": "The token's allowance is in another currency.",
    "allowance_exceeded": "The amount is above the token's allowance.",
    "token_already_used": "The token already paid (it is single use).",
}


@dataclass(frozen=True)
class DelegatedCard:
    """Card details as the agent hands them over; they only pass through to the provider."""

    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str | None = field(default=None, repr=False)
    display_brand: str | None = None
    display_last4: str | None = None


@dataclass(frozen=True)
class Allowance:
    """What a delegated token may pay: at most this much, for this session and merchant, until."""

    max_amount_minor: int
    currency: str
    checkout_session_id: str
    merchant_id: str
    expires_at: datetime
    reason: str = "one_time"


@dataclass(frozen=True)
class DelegatedToken:
    """The token handed back to the agent, with the metadata it sent."""

    id: str
    created_at: datetime
    metadata: dict[str, str]


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card_problem(card: DelegatedCard, number: str, now: datetime) -> tuple[str, str] | None:
    checks = (
        (not (_digits(number) and 12 <= len(number) <= 19 and _luhn_valid(number)), "number",
         "The card number is not a valid card number."),
        (not 1 <= card.exp_month <= 12, "exp_month", "The expiry month must be 1 to 12."),
        (not 2000 <= card.exp_year <= now.year + 50, "exp_year", "The expiry year is not valid."),
        ((card.exp_year, card.exp_month) < (now.year, now.month), "exp_year",
         "The card has expired."),
        (card.cvc is not None and not (_digits(card.cvc) and 3 <= len(card.cvc) <= 4), "cvc",
         "The CVC must be 3 or 4 digits."),
        (card.display_last4 is not None
         and not (_digits(card.display_last4) and len(card.display_last4) == 4), "display_last4",
         "display_last4 must be 4 digits."),
        (card.display_brand is not None and not 0 < len(card.display_brand.strip()) <= 24,
         "display_brand", "display_brand must be 1 to 24 characters."),
    )  # fmt: skip
    return next(((name, why) for failed, name, why in checks if failed), None)


def _checked_card(card: DelegatedCard, now: datetime) -> str:
    number = card.number.replace(" ", "").replace("-", "")
    problem = _card_problem(card, number, now)
    if problem is not None:
        raise InvalidDelegatedCard(problem[1], extra={"field": problem[0]})
    return number


def _allowance_problem(allowance: Allowance, now: datetime) -> tuple[str, str] | None:
    amount, expires = allowance.max_amount_minor, allowance.expires_at
    checks = (
        (allowance.reason != "one_time", "reason", "Only one_time allowances are supported."),
        (isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT_MINOR, "max_amount",
         "The maximum amount must be a positive integer of minor units."),
        (not _known_currency(allowance.currency), "currency",
         "The currency must be an ISO 4217 code this installation accepts."),
        (not 0 < len(allowance.checkout_session_id) <= MAX_REFERENCE_LENGTH,
         "checkout_session_id", "checkout_session_id must be 1 to 64 characters."),
        (not 0 < len(allowance.merchant_id) <= MAX_REFERENCE_LENGTH, "merchant_id",
         "merchant_id must be 1 to 64 characters."),
        (expires.tzinfo is None, "expires_at", "expires_at must carry a UTC offset."),
        (expires.tzinfo is not None and expires <= now, "expires_at",
         "expires_at has already passed."),
        (expires.tzinfo is not None and expires > now + MAX_ALLOWANCE, "expires_at",
         "expires_at may be at most 30 days ahead."),
    )  # fmt: skip
    return next(((name, why) for failed, name, why in checks if failed), None)


def _known_currency(currency: str) -> bool:
    try:
        exponent(currency.upper())
    except MoneyError:
        return False
    return len(currency) == 3


def _checked_allowance(allowance: Allowance, now: datetime) -> Allowance:
    problem = _allowance_problem(allowance, now)
    if problem is not None:
        raise InvalidAllowance(problem[1], extra={"field": problem[0]})
    return replace(
        allowance,
        currency=allowance.currency.upper(),
        expires_at=clock.ensure_utc(allowance.expires_at),
    )


def _checked_metadata(metadata: dict[str, str]) -> dict[str, str]:
    fits = len(metadata) <= METADATA_MAX_KEYS and all(
        isinstance(key, str)
        and isinstance(value, str)
        and 0 < len(key) <= METADATA_MAX_KEY_LENGTH
        and len(value) <= METADATA_MAX_VALUE_LENGTH
        for key, value in metadata.items()
    )
    if not fits:
        raise InvalidDelegationMetadata(
            f"metadata holds at most {METADATA_MAX_KEYS} string values, keys up to"
            f" {METADATA_MAX_KEY_LENGTH} and values up to {METADATA_MAX_VALUE_LENGTH} characters.",
            extra={"field": "metadata"},
        )
    return dict(metadata)


async def delegate_payment(
    *,
    uow: UnitOfWork,
    provider: PaymentProvider,
    card: DelegatedCard,
    allowance: Allowance,
    metadata: dict[str, str],
) -> DelegatedToken:
    """Vault ``card`` with the provider and keep its token, usable only within ``allowance``."""
    now = clock.now()
    number = _checked_card(card, now)
    allowed = _checked_allowance(allowance, now)
    details = _checked_metadata(metadata)
    token_id = new_id("vt")
    vaulted = await provider.vault_card(
        number=number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc,
        idempotency_key=f"{token_id}:vault",
    )  # fmt: skip
    row = DelegatedPaymentToken(
        id=token_id, provider=provider.name, provider_token=vaulted.token,
        brand=card.display_brand or vaulted.brand, last4=card.display_last4 or vaulted.last4,
        max_amount_minor=allowed.max_amount_minor, currency=allowed.currency,
        checkout_session_id=allowed.checkout_session_id, merchant_id=allowed.merchant_id,
        expires_at=allowed.expires_at, details=details, created_at=now,
    )  # fmt: skip
    async with uow:
        uow.repo(DelegatedTokenRepository).add(row)
        await uow.commit()
    return DelegatedToken(id=token_id, created_at=now, metadata=dict(details))


async def delegated_card_label(*, uow: UnitOfWork, token: str) -> str:
    """How the card behind a delegated token reads on an order ("visa •••• 4242")."""
    async with uow:
        row = await uow.repo(DelegatedTokenRepository).get(token)
    if row is None:
        raise _refused("token_not_found")
    return f"{row.brand} •••• {row.last4}"


def _refused(code: str) -> PaymentDeclined:
    return PaymentDeclined(REFUSALS[code], extra={"decline_code": code})


async def authorize_delegated_payment(
    *,
    uow: UnitOfWork,
    token: str,
    amount: Money,
    reference: str,
    merchant_id: str,
    idempotency_key: str,
) -> Payment:
    """Hold ``amount`` on a delegated token for ``reference`` (its checkout session), once."""
    async with uow:
        row = await uow.repo(DelegatedTokenRepository).get(token)
    if row is None:
        raise _refused("token_not_found")
    refusal = row.refusal(
        amount_minor=amount.minor, currency=amount.currency, reference=reference,
        merchant_id=merchant_id, now=clock.now(),
    )  # fmt: skip
    if refusal is not None:
        raise _refused(refusal)

    async def claim(claiming: UnitOfWork, payment: Payment) -> None:
        now = clock.now()
        tokens = claiming.repo(DelegatedTokenRepository)
        if not await tokens.claim(token_id=row.id, payment_id=payment.id, now=now):
            raise _refused("allowance_expired" if now >= row.expires_at else "token_already_used")

    return await authorize_and_record(
        uow=uow, provider=provider_named(row.provider), token=row.provider_token, amount=amount,
        reference=reference, idempotency_key=idempotency_key, claim=claim,
    )  # fmt: skip
