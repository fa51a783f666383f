"""Request models and documents of the device-sharing APIs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from handshake.devices.audit_log import AuditPage
from handshake.devices.directives import DeviceAnswer
from handshake.devices.grants import GrantView
from handshake.devices.models import ConsentReceipt, DeviceEndpoint
from handshake.devices.readings import TwinView
from handshake.devices.receipts import verify_receipt
from handshake.devices.streaming import reminder_due, streaming_until
from handshake.kernel import clock
from handshake.linking.policy import LinkingPolicy


class DeviceGrantIn(BaseModel):
    """The shopper's sharing choices as RFC 9396 authorization details (checked by the service)."""

    model_config = ConfigDict(extra="forbid")

    authorization_details: list[dict[str, Any]] = Field(min_length=1, max_length=500)


def _streaming(view: GrantView) -> dict[str, Any] | None:
    until = streaming_until(view.grant)
    if until is None:
        return None
    now = clock.now()
    return {
        "pauses_at": clock.iso_z(until), "paused": now >= until,
        "reminder_due": reminder_due(view.record, now),
    }  # fmt: skip


def audit_document(page: AuditPage) -> dict[str, Any]:
    """A page of the audit log, each entry with its sentence and hash."""
    return {
        "items": [
            {"seq": line.seq, "at": clock.iso_z(line.at), "kind": line.kind, "actor": line.actor,
             "text": line.text, "detail": line.detail, "hash": line.hash}
            for line in page.lines
        ],
        "next_after": page.next_after, "chain_intact": page.intact,
    }  # fmt: skip


def grant_document(view: GrantView) -> dict[str, Any]:
    """A grant as both sides see it, with what its last change changed."""
    record = view.record
    return {
        "grant_id": record.id, "partner_id": record.partner_id, "status": record.status,
        "version": record.version, "authorization_details": record.details,
        "updated_at": clock.iso_z(record.updated_at),
        "revoked_at": None if record.revoked_at is None else clock.iso_z(record.revoked_at),
        "revoked_by": record.revoked_by, "streaming": _streaming(view),
        "changes": [
            {"device_id": c.device_id, "data_type": c.data_type.value, "change": c.change,
             "before": c.before, "after": c.after}
            for c in view.changes
        ],
    }  # fmt: skip


class DirectiveIn(BaseModel):
    """A command for a device: an Alexa interface, directive name and payload."""

    model_config = ConfigDict(extra="forbid")

    namespace: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=80)
    payload: dict[str, Any] = Field(default_factory=dict)


class DirectiveEndpointIn(BaseModel):
    """Where a device maker receives directives."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)


def device_document(row: DeviceEndpoint) -> dict[str, Any]:
    """A discovered device."""
    return {
        "device_id": row.device_id, "name": row.friendly_name, "category": row.category,
        "data_types": row.data_types, "discovered_at": clock.iso_z(row.discovered_at),
    }  # fmt: skip


def answer_document(answer: DeviceAnswer) -> dict[str, Any]:
    """What a device disclosed through the grant, and what was dropped."""
    return {
        "directive_id": answer.message_id, "properties": list(answer.properties),
        "dropped": answer.dropped, "stored": answer.stored,
    }  # fmt: skip


def twin_document(view: TwinView) -> dict[str, Any]:
    """Both sides of the twin, each reported value with its age and provenance."""
    now = view.read_at
    return {
        "desired": [
            {"namespace": d.namespace, "name": d.name, "value": d.value, "status": d.status,
             "requested_at": clock.iso_z(d.requested_at)}
            for d in view.desired
        ],
        "reported": [
            {"namespace": r.namespace, "name": r.name, "data_type": r.data_type,
             "value": r.value, "time_of_sample": clock.iso_z(r.time_of_sample),
             "uncertainty_ms": r.uncertainty_ms, "cause": r.cause,
             "stale_seconds": max(0, int((now - r.time_of_sample).total_seconds()))}
            for r in view.reported
        ],
    }  # fmt: skip


def receipt_summary(row: ConsentReceipt) -> dict[str, Any]:
    """A receipt in a list."""
    return {
        "receipt_id": row.id, "grant_id": row.grant_id, "version": row.version,
        "event": row.kind, "issued_at": clock.iso_z(row.issued_at),
    }  # fmt: skip


def receipt_document(row: ConsentReceipt, policy: LinkingPolicy) -> dict[str, Any]:
    """A receipt to download: the verified claims and the compact JWS."""
    return {**receipt_summary(row), "receipt": verify_receipt(row.jws, policy), "jws": row.jws}
