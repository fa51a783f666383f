"""Errors of the offers domain, each with a stable code.

Offer-token errors are what checkout (above offers) raises when a partner presents a token:
tampered, unknown key, expired, another partner's or another shopper's token.
"""

from __future__ import annotations

from handshake.kernel.errors import InvalidInput, PermissionDenied, Unavailable


class OfferTokenInvalid(InvalidInput):
    """The offer token is malformed, tampered with, or signed by a key we do not know."""

    code = "offer_token_invalid"


class OfferTokenExpired(InvalidInput):
    """The offer token's lifetime is over: ask for a fresh offer."""

    code = "offer_token_expired"


class OfferTokenWrongPartner(PermissionDenied):
    """The offer token was issued to another partner."""

    code = "offer_token_wrong_partner"


class OfferTokenWrongShopper(PermissionDenied):
    """The offer token was issued for another shopper."""

    code = "offer_token_wrong_shopper"


class OfferBatchTooLarge(InvalidInput):
    """More variants than one call may ask for."""

    code = "offer_batch_too_large"


class SigningKeyUnavailable(Unavailable):
    """No signing key can be unwrapped (the secret key changed?): rotate a new one in."""

    code = "offer_signing_key_unavailable"


class InvalidOfferRequest(InvalidInput):
    """An offer request names no variant, or both a SKU and a GTIN for one item."""

    code = "invalid_offer_request"
