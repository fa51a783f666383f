"""The sandbox provider: test cards become tokens, and tokens decide the outcome."""

from __future__ import annotations

import pytest

from handshake.payments.errors import (
    PaymentDeclined,
    PaymentProviderUnavailable,
    UnknownPaymentProvider,
)
from handshake.payments.provider import AuthorizationOutcome
from handshake.payments.sandbox import SandboxProvider, tokenize
from handshake.payments.service import provider_named


@pytest.mark.parametrize(
    ("number", "brand", "last4", "outcome", "decline_code"),
    [
        ("4242 4242 4242 4242", "visa", "4242", AuthorizationOutcome.APPROVED, None),
        ("5555-5555-5555-4444", "mastercard", "4444", AuthorizationOutcome.APPROVED, None),
        ("4000000000000002", "visa", "0002", AuthorizationOutcome.DECLINED, "card_declined"),
        ("4000000000009995", "visa", "9995", AuthorizationOutcome.DECLINED, "insufficient_funds"),
        ("4000002500003155", "visa", "3155", AuthorizationOutcome.AUTHENTICATION_REQUIRED, None),
    ],
)
async def test_each_test_card_authorizes_as_documented(
    number: str,
    brand: str,
    last4: str,
    outcome: AuthorizationOutcome,
    decline_code: str | None,
) -> None:
    card = tokenize(number)

    answer = await SandboxProvider().authorize(
        token=card.token, amount_minor=1999, currency="EUR", idempotency_key="k"
    )

    assert (card.brand, card.last4) == (brand, last4)
    assert card.token.startswith("tok_sandbox_")
    assert number.replace(" ", "") not in card.token
    assert (answer.outcome, answer.decline_code) == (outcome, decline_code)
    approved = outcome is AuthorizationOutcome.APPROVED
    assert (answer.reference or "").startswith("sbx_auth_") is approved


async def test_the_unavailable_card_makes_the_provider_fail() -> None:
    card = tokenize("4000 0000 0000 0119")

    with pytest.raises(PaymentProviderUnavailable):
        await SandboxProvider().authorize(
            token=card.token, amount_minor=100, currency="EUR", idempotency_key="k"
        )


def test_an_unknown_card_number_is_declined_at_tokenization() -> None:
    with pytest.raises(PaymentDeclined) as caught:
        tokenize("4111 1111 1111 1111")

    assert caught.value.extra == {"decline_code": "unknown_test_card"}


def test_every_token_is_new() -> None:
    assert tokenize("4242424242424242").token != tokenize("4242424242424242").token


def test_providers_are_found_by_the_name_saved_with_the_card() -> None:
    assert isinstance(provider_named("sandbox"), SandboxProvider)
    with pytest.raises(UnknownPaymentProvider):
        provider_named("stripe")
