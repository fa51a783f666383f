"""The built-in sandbox provider: test cards with every outcome, and no money involved.

Test card numbers (any future expiry, any CVC) are exchanged for tokens by :func:`tokenize`, as a
real provider's card form would; the token says how the sandbox will behave, so every path of
checkout can be tried by hand or in tests:

===================  ====================================  =================================
card number          token word                            outcome of an authorisation
===================  ====================================  =================================
4242 4242 4242 4242  ``visa``                              approved
5555 5555 5555 4444  ``mastercard``                        approved
4000 0000 0000 0002  ``declined``                          declined (``card_declined``)
4000 0000 0000 9995  ``insufficient_funds``                declined (``insufficient_funds``)
4000 0025 0000 3155  ``authentication_required``           the issuer asks for 3-D Secure
4000 0000 0000 0119  ``unavailable``                       the provider fails (no charge)
===================  ====================================  =================================

A token without one of these words (``tok_visa_…`` saved by older demo data) is approved.
Cards vaulted for a delegated payment (:meth:`SandboxProvider.vault_card`) follow the same table.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from handshake.payments.errors import PaymentDeclined, PaymentProviderUnavailable
from handshake.payments.provider import Authorization, AuthorizationOutcome, VaultedCard


@dataclass(frozen=True)
class SandboxCard:
    """A sandbox card as it may be saved: token and displayable facts."""

    token: str
    brand: str
    last4: str


TEST_CARDS: dict[str, tuple[str, str]] = {
    "4242424242424242": ("visa", "visa"),
    "5555555555554444": ("mastercard", "mastercard"),
    "4000000000000002": ("visa", "declined"),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000002500003155": ("visa", "authentication_required"),
    "4000000000000119": ("visa", "unavailable"),
}
DECLINE_WORDS = ("insufficient_funds", "declined")


def tokenize(card_number: str) -> SandboxCard:
    """The token of a sandbox test card; any other number is declined as a real form would."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    known = TEST_CARDS.get(digits)
    if known is None:
        raise PaymentDeclined(
            "The sandbox only knows its test cards (4242 4242 4242 4242 and the others listed"
            " in the documentation).",
            extra={"decline_code": "unknown_test_card"},
        )
    brand, word = known
    return SandboxCard(f"tok_sandbox_{word}_{secrets.token_hex(8)}", brand, digits[-4:])


def _fails(reference_or_token: str) -> bool:
    return "unavailable" in reference_or_token


class SandboxProvider:
    """A provider that decides by the words in the token; references carry the same word."""

    name = "sandbox"

    async def vault_card(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str | None, idempotency_key: str
    ) -> VaultedCard:
        """Vault a test card (any other number is declined with ``unknown_test_card``)."""
        card = tokenize(number)
        return VaultedCard(card.token, card.brand, card.last4)

    async def authorize(
        self, *, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> Authorization:
        """Approve, decline, ask for authentication or fail, as the token says."""
        if _fails(token):
            raise PaymentProviderUnavailable("The sandbox provider is unavailable (test card).")
        for word in DECLINE_WORDS:
            if word in token:
                code = "card_declined" if word == "declined" else word
                return Authorization(AuthorizationOutcome.DECLINED, None, code)
        if "authentication_required" in token:
            return Authorization(AuthorizationOutcome.AUTHENTICATION_REQUIRED, None)
        return Authorization(AuthorizationOutcome.APPROVED, f"sbx_auth_{secrets.token_hex(10)}")

    async def capture(self, *, reference: str, amount_minor: int, idempotency_key: str) -> None:
        """Captures always succeed in the sandbox."""

    async def void(self, *, reference: str, idempotency_key: str) -> None:
        """Voids always succeed in the sandbox."""

    async def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> None:
        """Refunds always succeed in the sandbox."""
