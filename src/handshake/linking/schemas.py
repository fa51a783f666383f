"""Pydantic models of the linking JSON APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from handshake.linking import wording
from handshake.linking.links import LinkView
from handshake.linking.models import ConsentReceipt, LinkEvent
from handshake.partners.kinds import PartnerKind


class LinkedPartnerOut(BaseModel):
    """The partner at the other end of a link."""

    id: str
    name: str
    kind: str


class ScopeOut(BaseModel):
    """A granted scope and what it means, in the shopper's language."""

    name: str
    description: str


class PurposeOut(BaseModel):
    """What the link is for."""

    code: str
    description: str


class LinkEventOut(BaseModel):
    """One entry of a link's history."""

    id: str
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]


class ReceiptRefOut(BaseModel):
    """A consent receipt and where to download it."""

    id: str
    issued_at: datetime
    download_url: str


class LinkOut(BaseModel):
    """A linked app as the shopper's consent center shows it."""

    id: str
    partner: LinkedPartnerOut
    status: str = Field(description="active, revoked or expired")
    scopes: list[ScopeOut]
    purpose: PurposeOut
    linked_at: datetime
    amended_at: datetime | None
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    activity: list[LinkEventOut]
    receipts: list[ReceiptRefOut]

    @classmethod
    def of(cls, view: LinkView, language: str) -> LinkOut:
        """The API shape of ``view`` with sentences in ``language``."""
        grant, partner = view.grant, view.partner
        kind = PartnerKind(partner.kind)
        return cls(
            id=grant.id,
            partner=LinkedPartnerOut(id=partner.id, name=partner.name, kind=partner.kind),
            status=view.status,
            scopes=[
                ScopeOut(name=s, description=wording.describe_scope(s, language))
                for s in grant.scopes
            ],
            purpose=PurposeOut(
                code=grant.purpose, description=wording.describe_purpose(kind, language)
            ),
            linked_at=grant.created_at,
            amended_at=grant.amended_at,
            expires_at=grant.expires_at,
            last_used_at=grant.last_used_at,
            revoked_at=grant.revoked_at,
            revoked_by=grant.revoked_by,
            activity=[_event(e) for e in view.recent],
            receipts=[_receipt(grant.id, r) for r in view.receipts],
        )


def _event(event: LinkEvent) -> LinkEventOut:
    return LinkEventOut(
        id=event.id, at=event.at, kind=event.kind, actor=event.actor, detail=event.detail
    )


def _receipt(grant_id: str, receipt: ConsentReceipt) -> ReceiptRefOut:
    return ReceiptRefOut(
        id=receipt.id,
        issued_at=receipt.issued_at,
        download_url=f"/api/v1/me/links/{grant_id}/receipts/{receipt.id}",
    )


class PartnerShopperOut(BaseModel):
    """What a partner with the ``profile`` scope learns about the linked shopper."""

    sub: str = Field(description="Pairwise identifier of the shopper, stable for your app only.")
    name: str | None
    is_member: bool
    membership_tier: str | None
