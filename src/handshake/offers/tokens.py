"""Offer tokens: compact JWS (Ed25519) binding an offer's terms to a partner and a shopper.

A JWS is readable by whoever holds it, so the claims carry nothing personal: the shopper is the
pairwise subject the partner already knows (``sub``), never our shopper id, name, e-mail or
address. Checkout trusts the price in a verified token instead of recomputing it from a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError

from handshake.offers.errors import (
    OfferTokenExpired,
    OfferTokenInvalid,
    OfferTokenWrongPartner,
    OfferTokenWrongShopper,
)
from handshake.offers.signing_keys import ALGORITHM, Keyring

TOKEN_TYPE = "offer+jws"  # noqa: S105  # a JOSE "typ", not a secret
ALGORITHMS = [ALGORITHM]
CLOCK_SKEW_SECONDS = 5  # tolerated for tokens that seem issued in the future


@dataclass(frozen=True, slots=True)
class OfferClaims:
    """What an offer token promises: this variant at this price, for this shopper and partner."""

    token_id: str
    issuer: str
    partner_id: str
    subject: str
    variant_id: str
    sku: str
    unit_price_minor: int
    currency: str
    member_price: bool
    placement_id: str
    campaign_id: str | None
    creative_id: str | None
    issued_at: datetime
    expires_at: datetime

    def as_payload(self) -> dict[str, Any]:
        """The JWT-style claims set."""
        return {
            "iss": self.issuer,
            "aud": self.partner_id,
            "sub": self.subject,
            "jti": self.token_id,
            "iat": int(self.issued_at.timestamp()),
            "exp": int(self.expires_at.timestamp()),
            "variant_id": self.variant_id,
            "sku": self.sku,
            "unit_price_minor": self.unit_price_minor,
            "currency": self.currency,
            "member_price": self.member_price,
            "placement_id": self.placement_id,
            "campaign_id": self.campaign_id,
            "creative_id": self.creative_id,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> OfferClaims:
        """Claims from a verified payload; :class:`OfferTokenInvalid` when a claim is off."""
        try:
            claims = cls(
                token_id=_text(data["jti"]), issuer=_text(data["iss"]),
                partner_id=_text(data["aud"]), subject=_text(data["sub"]),
                variant_id=_text(data["variant_id"]), sku=_text(data["sku"]),
                unit_price_minor=_integer(data["unit_price_minor"]),
                currency=_text(data["currency"]), member_price=data["member_price"] is True,
                placement_id=_text(data["placement_id"]),
                campaign_id=_optional_text(data.get("campaign_id")),
                creative_id=_optional_text(data.get("creative_id")),
                issued_at=_time(data["iat"]), expires_at=_time(data["exp"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, OverflowError):
            raise OfferTokenInvalid(
                "The offer token lacks a claim or has a malformed one."
            ) from None
        return claims


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not a string")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("not an integer")
    return value


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(_integer(value), tz=UTC)


def sign_offer(claims: OfferClaims, keyring: Keyring) -> str:
    """The compact JWS of ``claims`` under the keyring's signing key."""
    assert keyring.signer is not None  # the service ensures a signer before offering
    header = {"alg": ALGORITHM, "kid": keyring.signer_kid, "typ": TOKEN_TYPE}
    payload = json.dumps(claims.as_payload(), separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, keyring.signer, algorithms=ALGORITHMS)


def token_kid(token: str) -> str:
    """The ``kid`` of a token's header (unverified); :class:`OfferTokenInvalid` when unreadable."""
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise OfferTokenInvalid("The offer token is not a compact JWS.") from None
    kid = header.get("kid")
    if not isinstance(kid, str) or header.get("alg") != ALGORITHM:
        raise OfferTokenInvalid("The offer token names no key or an unexpected algorithm.")
    return kid


def verify_offer(
    token: str,
    keyring: Keyring,
    *,
    partner_id: str,
    now: datetime,
    subject: str | None = None,
) -> OfferClaims:
    """The claims of a token signed by a known key, issued to ``partner_id`` and still live."""
    key = keyring.verifiers.get(token_kid(token))
    if key is None:
        raise OfferTokenInvalid("The offer token was signed by a key we do not know (or retired).")
    try:
        verified = jws.deserialize_compact(token, key, algorithms=ALGORITHMS)
        payload = json.loads(verified.payload)
    except (JoseError, ValueError, UnicodeError):
        raise OfferTokenInvalid("The offer token's signature does not match its content.") from None
    if not isinstance(payload, dict) or verified.headers().get("typ") != TOKEN_TYPE:
        raise OfferTokenInvalid("The token is not an offer token.")
    claims = OfferClaims.from_payload(payload)
    if claims.expires_at <= now:
        raise OfferTokenExpired(
            "The offer token has expired; fetch the offer again.",
            extra={"expired_at": claims.expires_at.isoformat()},
        )
    if (claims.issued_at - now).total_seconds() > CLOCK_SKEW_SECONDS:
        raise OfferTokenInvalid("The offer token claims to be issued in the future.")
    if claims.partner_id != partner_id:
        raise OfferTokenWrongPartner("This offer token was issued to another partner.")
    if subject is not None and claims.subject != subject:
        raise OfferTokenWrongShopper("This offer token was issued for another shopper.")
    return claims
