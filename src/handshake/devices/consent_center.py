"""The consent center's device page: everything about sharing with one maker, in one read, and
the shopper's per-device, per-data-type choices turned into authorization details (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices.audit_log import AuditPage, read_audit_log
from handshake.devices.consent import (
    DETAIL_TYPE,
    OFFERED_PURPOSES,
    DataType,
    DeviceGrant,
    Purpose,
    Share,
    SharingMode,
)
from handshake.devices.discovery import list_devices
from handshake.devices.errors import DeviceGrantNotFound, InvalidDeviceGrant
from handshake.devices.grants import GrantView, get_device_grant
from handshake.devices.models import ConsentReceipt, DeviceEndpoint
from handshake.devices.receipts import list_receipts
from handshake.kernel import clock
from handshake.partners import service as partners

DEFAULT_RETENTION_DAYS = 30
DEFAULT_VALIDITY = timedelta(days=365)


@dataclass(frozen=True)
class SharingOverview:
    """The maker, the shopper's devices, the grant (if any), the log and the receipts."""

    partner_id: str
    partner_name: str
    devices: list[DeviceEndpoint]
    grant: GrantView | None
    log: AuditPage
    receipts: list[ConsentReceipt]

    def mode_of(self, device_id: str, data_type: str) -> str:
        """The chosen mode of one data type of one device ("" when not shared)."""
        if self.grant is None or self.grant.grant.revoked:
            return ""
        share = self.grant.grant.share(device_id, DataType(data_type))
        return "" if share is None else share.mode.label

    def purposes_of(self, device_id: str, data_type: str) -> set[str]:
        """The purposes of one share (service operation for a data type not shared yet)."""
        if self.grant is not None and not self.grant.grant.revoked:
            share = self.grant.grant.share(device_id, DataType(data_type))
            if share is not None:
                return {p.value for p in share.purposes}
        return {Purpose.SERVICE_OPERATION.value}


async def sharing_overview(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, language: str
) -> SharingOverview:
    """What the device page shows."""
    partner = await partners.get_partner(uow=uow, partner_id=partner_id)
    devices = await list_devices(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    try:
        grant: GrantView | None = await get_device_grant(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id
        )
    except DeviceGrantNotFound:
        grant = None
    log = await read_audit_log(
        uow=uow, shopper_id=shopper_id, partner_id=partner_id, limit=500, language=language
    )
    receipts = await list_receipts(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    return SharingOverview(partner.id, partner.name, devices, grant, log, receipts)


def _until(text: str) -> str:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidDeviceGrant("Give the end date as YYYY-MM-DD.") from None
    return clock.iso_z(datetime.combine(day, time(23, 59, 59), tzinfo=UTC))


def _retention(form: Mapping[str, Any]) -> int | None:
    text = str(form.get("retention_days") or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidDeviceGrant("Keep data for a whole number of days.") from None


def _detail(
    device_id: str, kind: DataType, mode: str, purposes: list[str], current: Share | None,
    retention: int | None, until: str | None,
) -> dict[str, Any]:  # fmt: skip
    """One share: the fields left empty keep the share's current values (new: defaults)."""
    now = clock.now()
    detail: dict[str, Any] = {
        "type": DETAIL_TYPE, "identifier": device_id, "datatypes": [kind.value],
        "actions": [mode], "purposes": purposes,
        "retention_days": retention if retention is not None else (
            current.retention_days if current else DEFAULT_RETENTION_DAYS),
        "expires_at": until or (clock.iso_z(current.expires_at) if current
                                else clock.iso_z(now + DEFAULT_VALIDITY)),
    }  # fmt: skip
    unchanged_stream = current is not None and current.mode.label == mode == "stream_changes"
    if unchanged_stream and current is not None and current.stream_confirmed_at is not None:
        # Saving the page is not a confirmation of streaming: the 90-day period goes on.
        detail["stream_confirmed_at"] = clock.iso_z(current.stream_confirmed_at)
    return detail


def details_from_form(
    form: Mapping[str, Any], devices: list[str], current: DeviceGrant | None = None
) -> list[dict[str, Any]]:
    """Authorization details from the page's fields: ``mode_<i>_<type>``, ``purpose_<i>_<type>``
    (repeated), and ``retention_days`` / ``until`` (YYYY-MM-DD) which, when given, apply to every
    share and otherwise leave each share as it was; devices by position."""
    retention = _retention(form)
    until = _until(str(form["until"])) if form.get("until") else None
    shares = current.shares if current is not None and not current.revoked else ()
    by_key = {(s.device_id, s.data_type): s for s in shares}
    details = []
    for index, device_id in enumerate(devices):
        for kind in DataType:
            mode = str(form.get(f"mode_{index}_{kind.value}") or "")
            if not mode:
                continue
            _check_mode(mode)
            chosen = _values(form, f"purpose_{index}_{kind.value}")
            purposes = [p for p in chosen if p in OFFERED_PURPOSES]
            details.append(_detail(device_id, kind, mode, purposes, by_key.get((device_id, kind)),
                                   retention, until))  # fmt: skip
    return details


def _check_mode(label: str) -> None:
    try:
        SharingMode.named(label)  # unknown labels are refused, not ignored
    except ValueError:
        raise InvalidDeviceGrant(f"Unknown sharing mode {label!r}.") from None


def _values(form: Mapping[str, Any], name: str) -> list[str]:
    getter = getattr(form, "getlist", None)
    values = getter(name) if getter is not None else form.get(name, [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]
