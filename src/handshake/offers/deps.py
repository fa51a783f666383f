"""What the offers domain offers other domains' delivery code: the application's offer policy."""

from __future__ import annotations

from fastapi import Request

from handshake.offers.policy import OfferPolicy
from handshake.web.deps import built_once


def offer_policy(request: Request) -> OfferPolicy:
    """The app's offer policy, built once per application."""
    return built_once(request, "offer_policy", OfferPolicy.from_settings)
