"""Request models and documents of the device-sharing APIs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from handshake.devices.grants import GrantView
from handshake.kernel import clock


class DeviceGrantIn(BaseModel):
    """The shopper's sharing choices as RFC 9396 authorization details (checked by the service)."""

    model_config = ConfigDict(extra="forbid")

    authorization_details: list[dict[str, Any]] = Field(min_length=1, max_length=500)


def grant_document(view: GrantView) -> dict[str, Any]:
    """A grant as both sides see it, with what its last change changed."""
    record = view.record
    return {
        "grant_id": record.id, "partner_id": record.partner_id, "status": record.status,
        "version": record.version, "authorization_details": record.details,
        "updated_at": clock.iso_z(record.updated_at),
        "revoked_at": None if record.revoked_at is None else clock.iso_z(record.revoked_at),
        "revoked_by": record.revoked_by,
        "changes": [
            {"device_id": c.device_id, "data_type": c.data_type.value, "change": c.change,
             "before": c.before, "after": c.after}
            for c in view.changes
        ],
    }  # fmt: skip
