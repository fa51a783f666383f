"""Consent receipts: the shopper's own record of an approval, in the spirit of Kantara's
Consent Receipt Specification (who, what, when, for which purpose, how to revoke)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.linking import wording
from handshake.partners.kinds import PartnerKind

RECEIPT_VERSION = "handshake-consent-receipt/1"


@dataclass(frozen=True)
class ReceiptFacts:
    """Everything a receipt states about one approval."""

    receipt_id: str
    grant_id: str
    shopper_id: str
    partner_id: str
    partner_name: str
    partner_kind: PartnerKind
    scopes_granted: list[str]
    scopes_added: list[str]
    issued_at: datetime
    expires_at: datetime
    controller_name: str
    controller_url: str
    language: str


def build_receipt(facts: ReceiptFacts) -> dict[str, Any]:
    """The receipt document (stored as issued, so it never changes afterwards)."""
    language = facts.language
    return {
        "version": RECEIPT_VERSION,
        "receipt_id": facts.receipt_id,
        "language": language,
        "consent_timestamp": facts.issued_at.isoformat(),
        "collection_method": "consent page of the store during account linking (OAuth 2.0)",
        "pii_principal_id": facts.shopper_id,
        "pii_controller": {"name": facts.controller_name, "url": facts.controller_url},
        "recipient": {
            "partner_id": facts.partner_id,
            "name": facts.partner_name,
            "kind": facts.partner_kind.value,
        },
        "link_id": facts.grant_id,
        "purpose": {
            "code": wording.purpose_of(facts.partner_kind),
            "text": wording.describe_purpose(facts.partner_kind, language),
        },
        "scopes": [
            {
                "scope": name,
                "text": wording.describe_scope(name, language),
                "added_by_this_approval": name in facts.scopes_added,
            }
            for name in facts.scopes_granted
        ],
        "not_shared": wording.never_shared(facts.partner_kind, language),
        "valid_until": facts.expires_at.isoformat(),
        "how_to_revoke": {
            "text": wording.HOW_TO_REVOKE.in_language(language),
            "url": f"{facts.controller_url.rstrip('/')}/account/links/{facts.grant_id}",
            "api": f"DELETE /api/v1/me/links/{facts.grant_id}",
        },
    }
