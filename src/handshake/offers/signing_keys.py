"""Offer-signing keys: Ed25519 pairs, their wrapping at rest, and the keyring a process uses.

Ed25519 (JWS ``alg`` "Ed25519", RFC 9864) rather than an HMAC: partners verify offer tokens with
the published public keys, and only this platform can mint them. Signing costs ~40 µs.

Private keys are wrapped with Fernet under a key derived (HKDF-SHA256) from
``security.secret_key``; changing that secret makes old keys unusable for signing (they still
verify: the public half is stored in clear) and a new key is created on the next offer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import OKPKey

from handshake.kernel.ids import new_id
from handshake.offers.models import OfferSigningKey

ALGORITHM = "Ed25519"
_WRAP_INFO = b"handshake offer signing key wrapping v1"


def wrapping_key(secret_key: str) -> Fernet:
    """The Fernet key protecting private keys at rest, derived from the platform secret."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_WRAP_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def new_signing_key(wrapper: Fernet) -> tuple[OfferSigningKey, OKPKey]:
    """A fresh key pair: the row to store and the usable private key."""
    kid = new_id("ofk")
    private = OKPKey.generate_key("Ed25519", parameters={"kid": kid}, private=True)
    public = public_jwk(private)
    row = OfferSigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        public_jwk=public,
        wrapped_private_key=wrapper.encrypt(private.as_pem(private=True)).decode("ascii"),
    )
    return row, private


def public_jwk(key: OKPKey) -> dict[str, Any]:
    """The public JWK of ``key`` with its kid, algorithm and use."""
    data = dict(key.as_dict(private=False))
    data.update({"alg": ALGORITHM, "use": "sig"})
    return data


def unwrap(row: OfferSigningKey, wrapper: Fernet) -> OKPKey | None:
    """The private key of ``row``, or None when it was wrapped under another secret."""
    try:
        pem = wrapper.decrypt(row.wrapped_private_key.encode("ascii"))
    except InvalidToken:
        return None
    return OKPKey.import_key(pem, parameters={"kid": row.kid})


@dataclass
class Keyring:
    """The key a process signs with and every public key it accepts, by kid."""

    signer: OKPKey | None
    verifiers: dict[str, OKPKey] = field(default_factory=dict)
    loaded_at: float = 0.0

    @property
    def signer_kid(self) -> str | None:
        """The kid of the signing key."""
        return None if self.signer is None else str(self.signer.kid)


def build_keyring(
    rows: list[OfferSigningKey], wrapper: Fernet, *, now: datetime, loaded_at: float
) -> Keyring:
    """The keyring of ``rows``: the newest key able to sign, and every unexpired public key."""
    verifiers = {row.kid: OKPKey.import_key(row.public_jwk) for row in rows if row.verifies_at(now)}
    signer = None
    for row in sorted(rows, key=lambda r: r.kid, reverse=True):  # ids sort by creation time
        if row.signs_at(now):
            signer = unwrap(row, wrapper)
            if signer is not None:
                break
    return Keyring(signer=signer, verifiers=verifiers, loaded_at=loaded_at)
