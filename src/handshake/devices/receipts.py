"""Consent receipts of device grants: a signed record of every change, for both sides.

Each change of a grant (created, amended, reconfirmed, paused, revoked) issues a receipt in the
same transaction, in the spirit of Kantara Consent Receipt v1.1 / ISO/IEC TS 27560 and the
Australian CDR receipts: who (the pairwise subject the maker knows), to whom, what (the full
authorization details and only what changed), for which purposes, under which restrictions, and
how to end it. It is a compact JWS (Ed25519) so either side can prove what was agreed; the
public key is published at ``/.well-known/device-receipt-keys.json``. The key derives from the
platform secret, so it outlives key rotations of offer tokens; changing the secret changes it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from handshake.db.uow import UnitOfWork
from handshake.devices.errors import ReceiptNotFound
from handshake.devices.models import ConsentReceipt, DeviceGrantRecord
from handshake.devices.repository import ReceiptRepository
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy
from handshake.partners import service as partners

RECEIPT_VERSION = "handshake-device-consent-receipt/1"
ALGORITHM = "Ed25519"
RESTRICTIONS = ["no_competing_product_use", "no_profiling_beyond_service", "no_onward_sharing"]


@lru_cache(maxsize=4)
def receipt_key(seed: bytes) -> OKPKey:
    """The signing key of ``seed`` (with its kid: a prefix of its RFC 7638 thumbprint)."""
    private = OKPKey.import_key(Ed25519PrivateKey.from_private_bytes(seed))
    return OKPKey.import_key(
        private.as_pem(private=True), {"kid": "dcr-" + private.thumbprint()[:16]}
    )


def receipt_public_keys(policy: LinkingPolicy) -> dict[str, Any]:
    """The JWKS receipts verify with."""
    key = receipt_key(policy.receipt_seed)
    public = {**key.as_dict(private=False), "kid": key.kid, "alg": ALGORITHM, "use": "sig"}
    return {"keys": [public]}


def sign(claims: dict[str, Any], policy: LinkingPolicy) -> str:
    """The compact JWS of ``claims``."""
    key = receipt_key(policy.receipt_seed)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": "consent-receipt+jws"}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


def verify_receipt(token: str, policy: LinkingPolicy) -> dict[str, Any]:
    """The claims of a receipt signed by this platform; ValueError when it is not."""
    try:
        found = jws.deserialize_compact(token, receipt_key(policy.receipt_seed), [ALGORITHM])
    except (JoseError, ValueError) as exc:
        raise ValueError("not a receipt signed by this platform") from exc
    claims: dict[str, Any] = json.loads(found.payload)
    return claims


async def issue_receipt(
    uow: UnitOfWork, policy: LinkingPolicy, record: DeviceGrantRecord, kind: str,
    changes: Any,
) -> ConsentReceipt:  # fmt: skip
    """Sign and store the receipt of a grant change (caller's transaction)."""
    partner = await partners.get_partner(uow=uow, partner_id=record.partner_id)
    now, receipt_id = clock.now(), new_id("dcr")
    claims = {
        "version": RECEIPT_VERSION, "receipt_id": receipt_id, "iss": policy.issuer,
        "iat": int(now.timestamp()), "consent_timestamp": clock.iso_z(now), "event": kind,
        "pii_principal": linking.subject_of(
            policy, partner_id=record.partner_id, shopper_id=record.shopper_id
        ),
        "pii_controller": {"name": policy.controller_name, "url": policy.issuer},
        "recipient": {"partner_id": partner.id, "name": partner.name, "kind": partner.kind},
        "grant": {"grant_id": record.id, "version": record.version, "status": record.status,
                  "authorization_details": record.details},
        "changes": changes, "restrictions": RESTRICTIONS,
        "revocation": {"shopper": f"{policy.issuer}/api/v1/me/device-sharing/{partner.id}",
                       "maker": f"{policy.issuer}/partner/v1/devices/grant"},
    }  # fmt: skip
    row = ConsentReceipt(
        id=receipt_id, grant_id=record.id, shopper_id=record.shopper_id,
        partner_id=record.partner_id, version=record.version, kind=kind,
        jws=sign(claims, policy), issued_at=now,
    )  # fmt: skip
    uow.repo(ReceiptRepository).add(row)
    return row


async def list_receipts(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str
) -> list[ConsentReceipt]:
    """The receipts of the shopper's grant to the maker, newest first."""
    async with uow:
        return await uow.repo(ReceiptRepository).of_pair(shopper_id, partner_id)


async def get_receipt(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, receipt_id: str
) -> ConsentReceipt:
    """One receipt of the shopper's grant to the maker."""
    found = [
        r for r in await list_receipts(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
        if r.id == receipt_id
    ]  # fmt: skip
    if not found:
        raise ReceiptNotFound("No such receipt of this device grant.")
    return found[0]
