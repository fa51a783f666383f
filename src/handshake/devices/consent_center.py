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
    Purpose,
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

    def purposes_of(self, device_id: str) -> set[str]:
        """The purposes any share of the device holds (service operation when none yet)."""
        shares = [] if self.grant is None else self.grant.grant.shares
        found = {p.value for s in shares if s.device_id == device_id for p in s.purposes}
        return found or {Purpose.SERVICE_OPERATION.value}


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


def details_from_form(form: Mapping[str, Any], devices: list[str]) -> list[dict[str, Any]]:
    """Authorization details from the page's fields: ``mode_<i>_<type>``, ``purpose_<i>``
    (repeated), ``retention_days`` and ``until`` (YYYY-MM-DD); devices by position."""
    try:
        retention = int(form.get("retention_days") or DEFAULT_RETENTION_DAYS)
    except ValueError:
        raise InvalidDeviceGrant("Keep data for a whole number of days.") from None
    default_until = (clock.now() + DEFAULT_VALIDITY).strftime("%Y-%m-%d")
    until = _until(str(form.get("until") or default_until))
    details = []
    for index, device_id in enumerate(devices):
        purposes = [p for p in _values(form, f"purpose_{index}") if p in OFFERED_PURPOSES]
        by_mode: dict[str, list[str]] = {}
        for kind in DataType:
            mode = str(form.get(f"mode_{index}_{kind.value}") or "")
            if mode:
                _check_mode(mode)
                by_mode.setdefault(mode, []).append(kind.value)
        details += [
            {"type": DETAIL_TYPE, "identifier": device_id, "datatypes": kinds,
             "actions": [mode], "purposes": purposes, "retention_days": retention,
             "expires_at": until}
            for mode, kinds in sorted(by_mode.items())
        ]  # fmt: skip
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
