"""Use cases of device grants: set (create or amend), read, reconfirm streaming, revoke.

A grant's modes are bounded by the shopper's link with the maker: each mode needs its OAuth
scope (``devices.command``, ``devices.query``, ``devices.stream``). Every change is audited in
the shopper's chain with the maker, listing only what changed, and the maker gets a signed
``consent.updated`` webhook with the new details and version, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit, receipts
from handshake.devices.authorization_details import (
    ShareChange,
    amendment,
    from_details,
    to_details,
)
from handshake.devices.consent import ConsentError, DeviceGrant, SharingMode
from handshake.devices.errors import (
    DeviceGrantConflict,
    DeviceGrantNotFound,
    InvalidDeviceGrant,
    ModeNotLinked,
)
from handshake.devices.models import DeviceGrantRecord, GrantStatus
from handshake.devices.repository import DeviceGrantRepository
from handshake.devices.retention import purge_removed_shares, purge_sharing_data
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy
from handshake.webhooks import service as webhooks

MODE_SCOPES = {
    SharingMode.REPORT_ON_COMMAND: "devices.command",
    SharingMode.QUERY_CURRENT: "devices.query",
    SharingMode.STREAM_CHANGES: "devices.stream",
}
CONSENT_UPDATED = "consent.updated"


@dataclass(frozen=True)
class GrantView:
    """A stored grant, its parsed form, and what the last change changed."""

    record: DeviceGrantRecord
    grant: DeviceGrant
    changes: tuple[ShareChange, ...] = ()


def grant_of(record: DeviceGrantRecord | None) -> DeviceGrant:
    """The enforceable grant of a record (nothing shared when missing or revoked)."""
    if record is None:
        return DeviceGrant((), revoked=True)
    if record.status == GrantStatus.REVOKED:
        return DeviceGrant((), revoked=True)
    return replace(
        from_details(record.details, now=clock.now(), check=False), since=record.active_since
    )


async def _check_link(
    uow: UnitOfWork, shopper_id: str, partner_id: str, grant: DeviceGrant
) -> None:
    for mode in sorted({share.mode for share in grant.shares}):
        scope = MODE_SCOPES[mode]
        allowed = await linking.link_allows(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id, scope=scope
        )
        if not allowed:
            raise ModeNotLinked(
                f"Sharing in mode {mode.label} needs a link to this maker with scope {scope}.",
                extra={"mode": mode.label, "scope": scope},
            )


def _parse(details: list[dict[str, Any]]) -> DeviceGrant:
    try:
        return from_details(details, now=clock.now())
    except ConsentError as exc:
        raise InvalidDeviceGrant(str(exc)) from None


def _change_view(change: ShareChange) -> dict[str, Any]:
    return {
        "device_id": change.device_id, "data_type": change.data_type.value,
        "change": change.change, "before": change.before, "after": change.after,
    }  # fmt: skip


async def announce_change(
    uow: UnitOfWork, policy: LinkingPolicy, record: DeviceGrantRecord, kind: str, actor: str,
    detail: dict[str, Any],
) -> None:  # fmt: skip
    """Audit the change (with the new version), sign its receipt, send ``consent.updated``."""
    await audit.append_audit_entry(
        uow, shopper_id=record.shopper_id, partner_id=record.partner_id, kind=kind, actor=actor,
        detail={"version": record.version, **detail},
    )  # fmt: skip
    receipt = await receipts.issue_receipt(uow, policy, record, kind, detail)
    subject = linking.subject_of(policy, partner_id=record.partner_id, shopper_id=record.shopper_id)
    await webhooks.publish_event(
        uow=uow, partner_id=record.partner_id, event_type=CONSENT_UPDATED,
        data={
            "sub": subject, "grant_id": record.id, "version": record.version,
            "status": record.status, "authorization_details": record.details,
            "receipt_id": receipt.id,
        },
    )  # fmt: skip


async def set_device_grant(
    *,
    uow: UnitOfWork,
    policy: LinkingPolicy,
    shopper_id: str,
    partner_id: str,
    details: list[dict[str, Any]],
    actor: str = "shopper",
) -> GrantView:
    """Create or amend the shopper's grant to the maker; a no-op when nothing changes."""
    grant = _parse(details)
    async with uow:
        await _check_link(uow, shopper_id, partner_id, grant)
        repo = uow.repo(DeviceGrantRepository)
        record = await repo.grant_of(shopper_id, partner_id, lock=True)
        changes = amendment(grant_of(record), grant)
        if record is not None and not changes:
            return GrantView(record, grant)
        kind = (
            "grant_created"
            if record is None or record.status == GrantStatus.REVOKED
            else "grant_amended"
        )
        if record is None:
            record = DeviceGrantRecord(
                id=new_id("dgr"), shopper_id=shopper_id, partner_id=partner_id,
                status=GrantStatus.ACTIVE, version=0, details=[],
            )  # fmt: skip
            repo.add(record)
        if kind == "grant_created":
            record.active_since = clock.now()
        if kind == "grant_created" or grant_of(record).streaming_until() != grant.streaming_until():
            # A new streaming period: its reminder and pause are still to come.
            record.stream_reminded_at = record.stream_paused_at = None
        record.details, record.version = to_details(grant), record.version + 1
        record.status, record.revoked_at, record.revoked_by = GrantStatus.ACTIVE, None, None
        await repo.flush_unique(DeviceGrantConflict("The grant changed meanwhile; try again."))
        changed = {"changes": [_change_view(c) for c in changes]}
        await announce_change(uow, policy, record, kind, actor, changed)
        await purge_removed_shares(
            uow, shopper_id=shopper_id, partner_id=partner_id, grant=grant,
            removed=[(c.device_id, c.data_type) for c in changes if c.change == "removed"],
        )  # fmt: skip
        await uow.commit()
    return GrantView(record, grant, tuple(changes))


async def get_device_grant(*, uow: UnitOfWork, shopper_id: str, partner_id: str) -> GrantView:
    """The shopper's grant to the maker."""
    async with uow:
        record = await uow.repo(DeviceGrantRepository).grant_of(shopper_id, partner_id)
    if record is None:
        raise DeviceGrantNotFound("No device sharing with this maker.")
    return GrantView(record, grant_of(record))


async def list_device_grants(*, uow: UnitOfWork, shopper_id: str) -> list[GrantView]:
    """Every grant of the shopper, one per maker (the consent center's device section)."""
    async with uow:
        records = await uow.repo(DeviceGrantRepository).grants_of_shopper(shopper_id)
    return [GrantView(record, grant_of(record)) for record in records]


async def enforceable_grant(*, uow: UnitOfWork, shopper_id: str, partner_id: str) -> DeviceGrant:
    """The grant every data path enforces: nothing while the link with the maker is not live.

    Unlinking the maker in the consent center (or its link expiring) ends device sharing at
    once, whatever the stored grant says.
    """
    async with uow:
        record = await uow.repo(DeviceGrantRepository).grant_of(shopper_id, partner_id)
        live = await linking.link_allows(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id, scope="devices.command"
        )
    return grant_of(record) if live else DeviceGrant((), revoked=True)


async def revoke_device_grant(
    *, uow: UnitOfWork, policy: LinkingPolicy, shopper_id: str, partner_id: str, actor: str,
    keep_data: bool = False,
) -> GrantView:  # fmt: skip
    """End every share at once (either side may): maker told, audited, stored data purged —
    unless the shopper chose to keep it (it then lives out its retention, read by nobody)."""
    async with uow:
        record = await uow.repo(DeviceGrantRepository).grant_of(shopper_id, partner_id, lock=True)
        if record is None:
            raise DeviceGrantNotFound("No device sharing with this maker.")
        if record.status == GrantStatus.REVOKED:
            return GrantView(record, grant_of(record))
        changes = [_change_view(c) for c in amendment(grant_of(record), DeviceGrant(()))]
        record.status, record.version = GrantStatus.REVOKED, record.version + 1
        record.revoked_at, record.revoked_by = clock.now(), actor
        await uow.flush()
        kept = keep_data and actor == "shopper"  # only the shopper may choose to keep it
        detail = {"changes": changes, **({"data_kept": True} if kept else {})}
        await announce_change(uow, policy, record, "grant_revoked", actor, detail)
        if not kept:
            await purge_sharing_data(
                uow, shopper_id=shopper_id, partner_id=partner_id, reason="grant_revoked"
            )
        await uow.commit()
    return GrantView(record, grant_of(record))


async def reconfirm_streaming(
    *, uow: UnitOfWork, policy: LinkingPolicy, shopper_id: str, partner_id: str
) -> GrantView:
    """The shopper confirms streaming again: every streaming share runs 90 more days."""
    now = clock.now()
    async with uow:
        record = await uow.repo(DeviceGrantRepository).grant_of(shopper_id, partner_id, lock=True)
        grant = grant_of(record)
        streaming = [s for s in grant.shares if s.mode == SharingMode.STREAM_CHANGES]
        if record is None or grant.revoked or not streaming:
            raise DeviceGrantNotFound("No streaming shares with this maker to confirm.")
        record.stream_reminded_at = record.stream_paused_at = None
        renewed = DeviceGrant(tuple(
            replace(s, stream_confirmed_at=now) if s.mode == SharingMode.STREAM_CHANGES else s
            for s in grant.shares
        ))  # fmt: skip
        record.details, record.version = to_details(renewed), record.version + 1
        await uow.flush()
        detail = [{"device_id": s.device_id, "data_type": s.data_type.value} for s in streaming]
        await announce_change(
            uow, policy, record, "grant_reconfirmed", "shopper", {"streaming": detail}
        )
        await uow.commit()
    return GrantView(record, renewed)
