"""An address given for one purchase only (an AI agent's fulfillment details).

It is checked like a saved address and stored on the session, never in the shopper's book: an
agent's one-off address must not become one of the shopper's saved addresses behind their back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from handshake.accounts import service as accounts
from handshake.accounts.errors import InvalidAddress

MAX_REGION = 100


@dataclass(frozen=True)
class DeliveryAddress:
    """Recipient and postal address; ``country`` is ISO 3166-1 alpha-2."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str | None = None
    region: str | None = None

    def checked(self) -> DeliveryAddress:
        """The address checked and normalised by the address book's own rules (a one-off address
        is held to the same rules as a saved one); ``invalid_address`` names the faulty field."""
        fields = accounts.validate_address(
            name=self.name, line1=self.line1, line2=self.line2, city=self.city,
            postal_code=self.postal_code, country=self.country,
        )  # fmt: skip
        region = (self.region or "").strip() or None
        if region is not None and len(region) > MAX_REGION:
            raise InvalidAddress(
                f"The region is too long (at most {MAX_REGION} characters).",
                extra={"field": "region"},
            )
        return DeliveryAddress(
            name=fields.name, line1=fields.line1, line2=fields.line2, city=fields.city,
            postal_code=fields.postal_code, country=fields.country, region=region,
        )  # fmt: skip

    def as_document(self) -> dict[str, Any]:
        """The JSON kept on the session."""
        return asdict(self)
