"""Use cases of links (grants): approve, list, read, receipts, activity, unlink.

Ending a link revokes its tokens and queues the partner's ``link.revoked`` webhook in the same
transaction, so the next partner call fails and the partner is told even if the process dies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking import receipts, secrets_format, wording
from handshake.linking.errors import LinkAlreadyEnded, LinkNotFound, ReceiptNotFound
from handshake.linking.events import LinkGranted, LinkRevoked
from handshake.linking.models import ConsentReceipt, Grant, GrantStatus, LinkEvent
from handshake.linking.policy import LinkingPolicy
from handshake.linking.repository import LinkingRepository
from handshake.partners.kinds import PartnerKind
from handshake.partners.models import Partner
from handshake.partners.service import PartnerClientPrincipal
from handshake.webhooks import service as webhooks

RECENT_ACTIVITY = 5


@dataclass(frozen=True)
class ApprovedLink:
    """The grant after an approval, and what this approval added."""

    grant: Grant
    scopes_added: list[str]
    receipt_id: str | None


@dataclass(frozen=True)
class LinkView:
    """A link as the shopper sees it in the consent center."""

    grant: Grant
    partner: Partner
    status: str
    receipts: Sequence[ConsentReceipt]
    recent: Sequence[LinkEvent]


def add_link_event(
    uow: UnitOfWork, grant_id: str, *, kind: str, actor: str, detail: dict[str, Any] | None = None
) -> LinkEvent:
    """Append an entry to a link's history inside the open transaction."""
    event = LinkEvent(
        id=new_id("lev"), grant_id=grant_id, kind=kind, actor=actor, detail=detail or {}
    )
    uow.repo(LinkingRepository).add(event)
    return event


def _receipt(
    policy: LinkingPolicy, grant: Grant, client: PartnerClientPrincipal, added: list[str], lang: str
) -> ConsentReceipt:
    receipt_id = new_id("rcp")
    facts = receipts.ReceiptFacts(
        receipt_id=receipt_id,
        grant_id=grant.id,
        shopper_id=grant.shopper_id,
        partner_id=client.partner_id,
        partner_name=client.partner_name,
        partner_kind=client.partner_kind,
        scopes_granted=list(grant.scopes),
        scopes_added=added,
        issued_at=clock.now(),
        expires_at=grant.expires_at,
        controller_name=policy.controller_name,
        controller_url=policy.issuer,
        language=lang,
    )
    return ConsentReceipt(id=receipt_id, grant_id=grant.id, document=receipts.build_receipt(facts))


async def approve_link(
    *,
    uow: UnitOfWork,
    policy: LinkingPolicy,
    shopper_id: str,
    client: PartnerClientPrincipal,
    scopes: list[str],
    language: str,
) -> ApprovedLink:
    """Create the shopper's link to the client's partner, or widen it to ``scopes``."""
    now = clock.now()
    async with uow:
        repo = uow.repo(LinkingRepository)
        grant = await repo.current_grant(shopper_id, client.partner_id)
        if grant is not None and not grant.is_usable(now):
            grant.status = grant.effective_status(now)
            grant = None
        created = grant is None
        if grant is None:
            grant = Grant(
                id=new_id("lnk"),
                shopper_id=shopper_id,
                partner_id=client.partner_id,
                scopes=list(dict.fromkeys(scopes)),
                purpose=wording.purpose_of(client.partner_kind),
                created_at=now,
                expires_at=now + policy.grant_lifetime,
            )
            repo.add(grant)
            await uow.flush()  # codes and receipts reference it; no ORM relationship orders them
        # A new link is created, not amended: amended_at stays empty until it is widened.
        added = list(grant.scopes) if created else grant.add_scopes(scopes, at=now)
        receipt = None
        if added:
            receipt = _receipt(policy, grant, client, added, language)
            repo.add(receipt)
            kind = "linked" if created else "scopes_added"
            detail = {"scopes": added, "client_id": client.client_id, "receipt_id": receipt.id}
            add_link_event(uow, grant.id, kind=kind, actor="shopper", detail=detail)
            uow.record(
                LinkGranted(
                    grant_id=grant.id,
                    shopper_id=shopper_id,
                    partner_id=client.partner_id,
                    scopes=tuple(grant.scopes),
                    scopes_added=tuple(added),
                )
            )
        await uow.commit()
    return ApprovedLink(grant=grant, scopes_added=added, receipt_id=receipt.id if receipt else None)


async def list_links(*, uow: UnitOfWork, shopper_id: str) -> list[LinkView]:
    """Every link of the shopper, newest first, with receipts and recent activity."""
    now = clock.now()
    async with uow:
        repo = uow.repo(LinkingRepository)
        views = []
        for grant, partner in await repo.grants_of_shopper(shopper_id):
            views.append(
                LinkView(
                    grant=grant,
                    partner=partner,
                    status=grant.effective_status(now).value,
                    receipts=await repo.receipts_of_grant(grant.id),
                    recent=await repo.events_of_grant(grant.id, limit=RECENT_ACTIVITY),
                )
            )
    return views


async def get_link(
    *, uow: UnitOfWork, shopper_id: str, grant_id: str, history: int = 100
) -> LinkView:
    """One link of the shopper with its receipts and up to ``history`` events."""
    async with uow:
        repo = uow.repo(LinkingRepository)
        grant = await _own_grant(repo, shopper_id, grant_id)
        return LinkView(
            grant=grant,
            partner=await repo.partner_of(grant),
            status=grant.effective_status(clock.now()).value,
            receipts=await repo.receipts_of_grant(grant.id),
            recent=await repo.events_of_grant(grant.id, limit=history),
        )


def subject_of(policy: LinkingPolicy, *, partner_id: str, shopper_id: str) -> str:
    """The pairwise identifier the partner knows the shopper by."""
    return secrets_format.pairwise_subject(
        key=policy.subject_key, partner_id=partner_id, shopper_id=shopper_id
    )


async def link_allows(*, uow: UnitOfWork, shopper_id: str, partner_id: str, scope: str) -> bool:
    """Whether the shopper's link to the partner is live now and grants ``scope``."""
    now = clock.now()
    async with uow:
        grant = await uow.repo(LinkingRepository).current_grant(shopper_id, partner_id)
    if grant is None or grant.effective_status(now) != GrantStatus.ACTIVE:
        return False
    return scope in grant.scopes


async def get_receipt(
    *, uow: UnitOfWork, shopper_id: str, grant_id: str, receipt_id: str
) -> ConsentReceipt:
    """A consent receipt of the shopper's link ``grant_id``."""
    async with uow:
        repo = uow.repo(LinkingRepository)
        receipt = await repo.get_receipt(receipt_id)
        grant = await repo.get_grant(grant_id)
        owned = grant is not None and grant.shopper_id == shopper_id
        if receipt is None or not owned or receipt.grant_id != grant_id:
            raise ReceiptNotFound(f"No receipt {receipt_id!r} in your account.")
        return receipt


async def _own_grant(repo: LinkingRepository, shopper_id: str, grant_id: str) -> Grant:
    grant = await repo.get_grant(grant_id)
    if grant is None or grant.shopper_id != shopper_id:
        raise LinkNotFound(f"No linked app {grant_id!r} in your account.")
    return grant


async def unlink(
    *, uow: UnitOfWork, policy: LinkingPolicy, shopper_id: str, grant_id: str
) -> Grant:
    """The shopper ends a link: tokens die now and the partner gets ``link.revoked``."""
    async with uow:
        repo = uow.repo(LinkingRepository)
        grant = await _own_grant(repo, shopper_id, grant_id)
        if not grant.is_usable(clock.now()):
            raise LinkAlreadyEnded(f"The link {grant_id!r} has already ended.")
        await end_link(uow=uow, policy=policy, grant=grant, by="shopper", reason="unlinked")
        await uow.commit()
    return grant


async def end_link(
    *, uow: UnitOfWork, policy: LinkingPolicy, grant: Grant, by: str, reason: str
) -> None:
    """Revoke ``grant`` and its tokens, log it and queue ``link.revoked`` (caller commits)."""
    now = clock.now()
    grant.revoke(by=by, reason=reason, at=now)
    await uow.repo(LinkingRepository).revoke_tokens_of_grant(
        grant.id, at=now, reason=f"link_{reason}"
    )
    kind = "unlinked" if by == "shopper" else f"revoked_by_{by}"
    add_link_event(uow, grant.id, kind=kind, actor=by, detail={"reason": reason})
    subject = secrets_format.pairwise_subject(
        key=policy.subject_key, partner_id=grant.partner_id, shopper_id=grant.shopper_id
    )
    await webhooks.publish_event(
        uow=uow,
        partner_id=grant.partner_id,
        event_type="link.revoked",
        data={
            "link_id": grant.id,
            "sub": subject,
            "revoked_at": now.isoformat(),
            "revoked_by": by,
            "reason": reason,
        },
    )
    uow.record(
        LinkRevoked(
            grant_id=grant.id,
            shopper_id=grant.shopper_id,
            partner_id=grant.partner_id,
            revoked_by=by,
            reason=reason,
        )
    )


async def end_links_of_shopper(
    *, uow: UnitOfWork, policy: LinkingPolicy, shopper_id: str, reason: str
) -> int:
    """End every live link of the shopper (account erasure); the caller's transaction."""
    ended = 0
    async with uow:
        now = clock.now()
        for grant in await uow.repo(LinkingRepository).active_grants_of_shopper(shopper_id):
            if grant.is_usable(now):
                await end_link(uow=uow, policy=policy, grant=grant, by="system", reason=reason)
                ended += 1
        await uow.commit()
    return ended


async def record_link_activity(
    *, uow: UnitOfWork, grant_id: str, kind: str, detail: dict[str, Any] | None = None
) -> None:
    """Note what a partner did through a link (offer viewed, order placed…) for the shopper."""
    async with uow:
        add_link_event(uow, grant_id, kind=kind, actor="partner", detail=detail)
        await uow.commit()


def purpose_sentence(kind: str, language: str) -> str:
    """The sentence of a link's purpose for a partner of ``kind``."""
    return wording.describe_purpose(PartnerKind(kind), language)


async def export_links(*, uow: UnitOfWork, shopper_id: str) -> list[dict[str, Any]]:
    """The shopper's links, receipts and history for the personal-data export."""
    views = await list_links(uow=uow, shopper_id=shopper_id)
    async with uow:
        repo = uow.repo(LinkingRepository)
        return [
            {
                "link_id": view.grant.id,
                "partner": {"id": view.partner.id, "name": view.partner.name},
                "status": view.status,
                "scopes": list(view.grant.scopes),
                "purpose": view.grant.purpose,
                "linked_at": view.grant.created_at.isoformat(),
                "expires_at": view.grant.expires_at.isoformat(),
                "revoked_at": view.grant.revoked_at.isoformat() if view.grant.revoked_at else None,
                "receipts": [receipt.document for receipt in view.receipts],
                "history": [
                    {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "detail": e.detail}
                    for e in await repo.events_of_grant(view.grant.id, limit=1000)
                ],
            }
            for view in views
        ]
