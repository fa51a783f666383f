"""Saving one of the sandbox's test cards for a shopper, as a real provider's card form would.

The shopper picks the outcome they want to try (approved, declined, 3-D Secure…); the sandbox
exchanges that test card for a token and only the token and the displayable facts are saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.accounts import service as accounts
from handshake.accounts.models import PaymentMethod
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.payments.errors import PaymentDeclined
from handshake.payments.sandbox import TEST_CARDS, tokenize

# Test cards take any future expiry: saved ones expire at the end of a year this far ahead.
EXPIRY_YEARS = 4


@dataclass(frozen=True)
class SandboxTestCard:
    """A sandbox test card as a shopper chooses it: its outcome word, brand and last digits."""

    outcome: str
    brand: str
    last4: str


def sandbox_test_cards() -> list[SandboxTestCard]:
    """Every sandbox test card, approved ones first as the sandbox lists them."""
    return [
        SandboxTestCard(word, brand, number[-4:]) for number, (brand, word) in TEST_CARDS.items()
    ]


async def save_test_card(
    *, uow: UnitOfWork, shopper_id: str, outcome: str, make_default: bool = False
) -> PaymentMethod:
    """Tokenise the test card with this outcome and save it (unknown outcome: declined)."""
    number = next((n for n, (_, word) in TEST_CARDS.items() if word == outcome), None)
    if number is None:
        raise PaymentDeclined(
            "Choose one of the sandbox's test cards.",
            extra={"decline_code": "unknown_test_card", "field": "outcome"},
        )
    card = tokenize(number)
    return await accounts.add_payment_method(
        uow=uow, shopper_id=shopper_id, provider="sandbox", token=card.token, brand=card.brand,
        last4=card.last4, exp_month=12, exp_year=clock.now().year + EXPIRY_YEARS,
        make_default=make_default,
    )  # fmt: skip
