"""The consent enforcer (pure): what may leave, what may come in, what may be read.

Every data path asks it before acting: a query the grant does not allow is refused before it is
sent; each property of an incoming report is kept only when the grant allows it in the way it
arrived (in a command's answer, a state report, a change report), anything else is dropped with
its reason, to be counted and audited but never stored; a read of stored data must name a
purpose the share holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from handshake.devices.consent import (
    DEVICE_HEALTH,
    DataType,
    DeviceGrant,
    Purpose,
    SharingMode,
    data_type_of,
)


class DropReason(StrEnum):
    """Why a property of a report was not let through."""

    GRANT_REVOKED = "grant_revoked"
    DEVICE_NOT_SHARED = "device_not_shared"
    UNKNOWN_PROPERTY = "unknown_property"
    DATA_TYPE_NOT_SHARED = "data_type_not_shared"
    SHARE_EXPIRED = "share_expired"
    MODE_NOT_GRANTED = "mode_not_granted"
    STREAM_PAUSED = "stream_paused"
    NOT_AFFECTED_BY_COMMAND = "not_affected_by_command"


@dataclass(frozen=True)
class Admitted:
    """A report split into the properties let through and the dropped ones with reasons."""

    kept: tuple[dict[str, Any], ...]
    dropped: tuple[tuple[dict[str, Any], DropReason], ...]


def _reason(
    grant: DeviceGrant, device_id: str, kind: DataType, mode: SharingMode, now: datetime
) -> DropReason | None:
    share = grant.share(device_id, kind)
    if share is None:
        return DropReason.DATA_TYPE_NOT_SHARED
    if now >= share.expires_at:
        return DropReason.SHARE_EXPIRED
    if share.allows(mode, now):
        return None
    if mode == SharingMode.STREAM_CHANGES and share.mode == SharingMode.STREAM_CHANGES:
        return DropReason.STREAM_PAUSED
    return DropReason.MODE_NOT_GRANTED


def _device_reason(grant: DeviceGrant, device_id: str) -> DropReason | None:
    if grant.revoked:
        return DropReason.GRANT_REVOKED
    if device_id not in grant.devices():
        return DropReason.DEVICE_NOT_SHARED
    return None


def _health_allowed(grant: DeviceGrant, device_id: str, mode: SharingMode, now: datetime) -> bool:
    return any(s.allows(mode, now) for s in grant.shares if s.device_id == device_id)


def _property_reason(
    grant: DeviceGrant,
    device_id: str,
    prop: dict[str, Any],
    mode: SharingMode,
    now: datetime,
    affected: frozenset[DataType] | None,
) -> DropReason | None:
    key = (str(prop.get("namespace", "")), str(prop.get("name", "")))
    if key == DEVICE_HEALTH:
        ok = _health_allowed(grant, device_id, mode, now)
        return None if ok else DropReason.MODE_NOT_GRANTED
    kind = data_type_of(*key)
    if kind is None:
        return DropReason.UNKNOWN_PROPERTY
    if affected is not None and kind not in affected:
        return DropReason.NOT_AFFECTED_BY_COMMAND
    return _reason(grant, device_id, kind, mode, now)


def admit_report(
    grant: DeviceGrant,
    device_id: str,
    properties: Sequence[dict[str, Any]],
    *,
    mode: SharingMode,
    now: datetime,
    affected: Iterable[DataType] | None = None,
) -> Admitted:
    """Split a report's properties; ``affected``: what the shopper's command touched.

    ``mode`` is how the report came: ``report_on_command`` (the answer to a command, where only
    ``affected`` data types may pass; required), ``query_current`` (a state report),
    ``stream_changes`` (a change report).
    """
    if mode == SharingMode.REPORT_ON_COMMAND and affected is None:
        raise ValueError("a command's answer passes only what the command affected: give it")
    blocked = _device_reason(grant, device_id)
    touched = None if affected is None else frozenset(affected)
    kept: list[dict[str, Any]] = []
    dropped: list[tuple[dict[str, Any], DropReason]] = []
    for prop in properties:
        reason = blocked or _property_reason(grant, device_id, prop, mode, now, touched)
        if reason is None:
            kept.append(prop)
        else:
            dropped.append((prop, reason))
    return Admitted(tuple(kept), tuple(dropped))


def refused_query(
    grant: DeviceGrant, device_id: str, data_types: Iterable[DataType], now: datetime
) -> dict[DataType, DropReason]:
    """Why asking the maker for these data types' current state is refused (empty: allowed)."""
    blocked = _device_reason(grant, device_id)
    refused = {}
    for kind in data_types:
        reason = blocked or _reason(grant, device_id, kind, SharingMode.QUERY_CURRENT, now)
        if reason is not None:
            refused[kind] = reason
    return refused


def command_allowed(grant: DeviceGrant, device_id: str, now: datetime) -> bool:
    """Whether the shopper's commands may go to this device (any live share of it)."""
    if _device_reason(grant, device_id) is not None:
        return False
    return _health_allowed(grant, device_id, SharingMode.REPORT_ON_COMMAND, now)


def read_allowed(
    grant: DeviceGrant, device_id: str, data_type: DataType, purpose: Purpose, now: datetime
) -> bool:
    """Whether platform code may read stored data of this kind for ``purpose`` now."""
    if _device_reason(grant, device_id) is not None:
        return False
    share = grant.share(device_id, data_type)
    return share is not None and now < share.expires_at and purpose in share.purposes
