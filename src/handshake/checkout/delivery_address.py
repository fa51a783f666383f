"""An address given for one purchase only (an AI agent's fulfillment details).

It is checked like a saved address and stored on the session, never in the shopper's book: an
agent's one-off address must not become one of the shopper's saved addresses behind their back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from handshake.checkout.errors import InvalidCheckoutRequest

LIMITS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}


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
        """The address with its country upper-cased; :class:`InvalidCheckoutRequest` if unusable."""
        country = self.country.strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise InvalidCheckoutRequest(
                "The country must be an ISO 3166-1 alpha-2 code.", extra={"field": "country"}
            )
        for field, limit in LIMITS.items():
            value = getattr(self, field)
            required = field not in ("line2", "region")
            if (required and not (value or "").strip()) or len(value or "") > limit:
                raise InvalidCheckoutRequest(
                    f"The address {field} must have 1 to {limit} characters.",
                    extra={"field": field},
                )
        return DeliveryAddress(
            name=self.name.strip(), line1=self.line1.strip(), city=self.city.strip(),
            postal_code=self.postal_code.strip(), country=country, line2=self.line2,
            region=self.region,
        )  # fmt: skip

    def as_document(self) -> dict[str, Any]:
        """The JSON kept on the session."""
        return asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> DeliveryAddress:
        """The address kept on a session."""
        return cls(
            name=document["name"], line1=document["line1"], city=document["city"],
            postal_code=document["postal_code"], country=document["country"],
            line2=document.get("line2"), region=document.get("region"),
        )  # fmt: skip
