"""The settings offers use, as one immutable value built once per application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet

from handshake.offers.signing_keys import wrapping_key
from handshake.settings import Settings


@dataclass(frozen=True)
class OfferPolicy:
    """Token lifetime, caches, defaults and the key wrapping the signing keys."""

    issuer: str
    token_ttl: timedelta
    cache_seconds: float
    cache_entries: int
    default_country: str
    low_stock_threshold: int
    activity_interval_seconds: int
    keyring_refresh_seconds: int
    wrapper: Fernet

    @classmethod
    def from_settings(cls, settings: Settings) -> OfferPolicy:
        """The policy of ``settings``."""
        offers = settings.offers
        return cls(
            issuer=settings.http.public_url.rstrip("/"),
            token_ttl=timedelta(seconds=offers.token_ttl_seconds),
            cache_seconds=offers.cache_seconds,
            cache_entries=offers.cache_entries,
            default_country=offers.default_country,
            low_stock_threshold=settings.catalog.low_stock_threshold,
            activity_interval_seconds=offers.activity_interval_seconds,
            keyring_refresh_seconds=offers.keyring_refresh_seconds,
            wrapper=wrapping_key(settings.security.secret_key.get_secret_value()),
        )

    @property
    def key_verify_margin(self) -> timedelta:
        """How long a retired key keeps verifying: tokens it (or a stale process) signed live."""
        return self.token_ttl + timedelta(seconds=self.keyring_refresh_seconds)
