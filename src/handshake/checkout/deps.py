"""FastAPI dependencies of checkout offered to other domains' delivery code."""

from __future__ import annotations

from fastapi import Request

from handshake.checkout.service import Buyer, CheckoutPolicy
from handshake.linking.service import PartnerAccess
from handshake.web.deps import built_once


def checkout_policy(request: Request) -> CheckoutPolicy:
    """The app's checkout policy, built once per application."""
    return built_once(request, "checkout_policy", CheckoutPolicy.from_settings)


def buyer_of(access: PartnerAccess) -> Buyer:
    """The buyer a shopper's token acts for."""
    assert access.shopper_id is not None  # require_scopes demands a shopper's token
    return Buyer(
        shopper_id=access.shopper_id, partner_id=access.partner_id, client_id=access.client_id,
        subject=access.subject, channel=access.partner_name,
    )  # fmt: skip
