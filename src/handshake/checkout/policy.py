"""The settings checkout uses, as one immutable value built once per application."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from handshake.offers.click_ids import derive_click_secret
from handshake.offers.policy import OfferPolicy
from handshake.settings import DeliveryOptionSettings, Settings


@dataclass(frozen=True)
class CheckoutPolicy:
    """Reservation time, delivery options, tax table, limits and the secrets checkout needs."""

    currency: str
    reservation: timedelta
    completion_lease: timedelta
    delivery_options: tuple[DeliveryOptionSettings, ...]
    prices_include_tax: bool
    tax_rates_bp: dict[str, int]
    default_tax_rate_bp: int
    max_lines: int
    max_quantity: int
    public_url: str
    click_secret: bytes
    sheet_secret: bytes
    offers: OfferPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckoutPolicy:
        """The policy of ``settings``."""
        checkout = settings.checkout
        secret = settings.security.secret_key.get_secret_value().encode()
        return cls(
            currency=settings.catalog.default_currency,
            reservation=timedelta(minutes=checkout.reservation_minutes),
            completion_lease=timedelta(seconds=checkout.completion_lease_seconds),
            delivery_options=tuple(checkout.delivery_options),
            prices_include_tax=checkout.prices_include_tax,
            tax_rates_bp=dict(checkout.tax_rates_bp),
            default_tax_rate_bp=checkout.default_tax_rate_bp,
            max_lines=checkout.max_lines,
            max_quantity=checkout.max_quantity,
            public_url=settings.http.public_url.rstrip("/"),
            click_secret=derive_click_secret(secret),
            sheet_secret=hmac.new(secret, b"handshake checkout sheet", hashlib.sha256).digest(),
            offers=OfferPolicy.from_settings(settings),
        )

    def option(self, code: str) -> DeliveryOptionSettings | None:
        """The delivery option called ``code``."""
        return next((o for o in self.delivery_options if o.code == code), None)

    def option_or_default(self, code: str) -> DeliveryOptionSettings:
        """The option called ``code``, else the first one (a code the settings no longer have)."""
        return self.option(code) or self.delivery_options[0]

    @property
    def default_option(self) -> str:
        """The first configured delivery option."""
        return self.delivery_options[0].code

    def tax_rate_bp(self, country: str | None) -> int:
        """The rate of the destination country (the default rate when unknown)."""
        if country is None:
            return self.default_tax_rate_bp
        return self.tax_rates_bp.get(country, self.default_tax_rate_bp)
