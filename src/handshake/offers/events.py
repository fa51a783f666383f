"""Events of the offers domain."""

from __future__ import annotations

from dataclasses import dataclass

from handshake.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class OffersServed(Event):
    """A partner was shown offers (published in-process after the answer is built)."""

    partner_id: str
    grant_id: str | None
    linked: bool
    placement_id: str
    campaign_id: str | None
    creative_id: str | None
    variant_ids: tuple[str, ...]
    unknown_references: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class SigningKeyRotated(Event):
    """A new offer-signing key took over; older ones verify until their expiry."""

    kid: str
    retired_kids: tuple[str, ...]
