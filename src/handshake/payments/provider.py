"""The payment provider port: what handshake asks of any payments provider.

Only tokenised methods: the provider's token of a saved card, never a card number. The one place
a card number passes through is :meth:`PaymentProvider.vault_card` (a delegated payment), which
hands it straight to the provider and keeps only the token it answers. Every call carries an
idempotency key, so a call retried after a timeout is not charged twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class AuthorizationOutcome(StrEnum):
    """What the provider answered to an authorisation."""

    APPROVED = "approved"
    DECLINED = "declined"
    AUTHENTICATION_REQUIRED = "authentication_required"


@dataclass(frozen=True)
class Authorization:
    """The provider's answer to an authorisation; ``reference`` names it for later calls."""

    outcome: AuthorizationOutcome
    reference: str | None
    decline_code: str | None = None


@dataclass(frozen=True)
class VaultedCard:
    """A card the provider vaulted: its reusable token and displayable facts (no number)."""

    token: str
    brand: str
    last4: str


class PaymentProvider(Protocol):
    """A payments provider. Methods raise ``PaymentProviderUnavailable`` when it cannot answer."""

    name: str

    async def vault_card(
        self, *, number: str, exp_month: int, exp_year: int, cvc: str | None, idempotency_key: str
    ) -> VaultedCard:
        """Exchange card details for a reusable token (refused cards raise PaymentDeclined)."""
        ...

    async def authorize(
        self, *, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> Authorization:
        """Hold ``amount_minor`` on the method behind ``token`` (saved or vaulted)."""
        ...

    async def capture(self, *, reference: str, amount_minor: int, idempotency_key: str) -> None:
        """Take ``amount_minor`` (at most what was authorised) of an authorisation."""
        ...

    async def void(self, *, reference: str, idempotency_key: str) -> None:
        """Release an authorisation that was not captured."""
        ...

    async def refund(self, *, reference: str, amount_minor: int, idempotency_key: str) -> None:
        """Give back ``amount_minor`` of what was captured."""
        ...
