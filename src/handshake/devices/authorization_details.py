"""Device grants as RFC 9396 ``authorization_details``, and what an amendment changes (pure).

One detail object per device and set of identical choices::

    {"type": "handshake_device_sharing", "identifier": "thermostat-123",
     "datatypes": ["setpoint", "temperature"], "actions": ["query_current"],
     "purposes": ["service_operation"], "retention_days": 30,
     "expires_at": "2027-01-01T00:00:00Z"}

``actions`` holds exactly one sharing mode (modes are levels). Streaming shares also carry
``stream_confirmed_at``. Parsing refuses anything else with :class:`ConsentError`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handshake.devices.consent import (
    DETAIL_TYPE,
    ConsentError,
    DataType,
    DeviceGrant,
    Purpose,
    Share,
    SharingMode,
    new_grant,
)
from handshake.kernel import clock

_KEYS = {
    "type", "identifier", "datatypes", "actions", "purposes", "retention_days", "expires_at",
    "stream_confirmed_at",
}  # fmt: skip


def _moment(value: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ConsentError(f"{name} must be an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise ConsentError(f"{name} must carry a time zone (UTC: Z).")
    return moment.astimezone(UTC)


def to_details(grant: DeviceGrant) -> list[dict[str, Any]]:
    """The grant as ``authorization_details``, grouped, in a stable order."""
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for s in grant.shares:
        key = (
            s.device_id, s.mode, tuple(sorted(s.purposes)), s.retention_days, s.expires_at,
            s.stream_confirmed_at,
        )  # fmt: skip
        groups[key].append(s.data_type.value)
    details = []
    for (device_id, mode, purposes, retention, expires, confirmed), kinds in sorted(groups.items()):
        detail: dict[str, Any] = {
            "type": DETAIL_TYPE, "identifier": device_id, "datatypes": sorted(kinds),
            "actions": [mode.label], "purposes": list(purposes), "retention_days": retention,
            "expires_at": clock.iso_z(expires),
        }  # fmt: skip
        if confirmed is not None:
            detail["stream_confirmed_at"] = clock.iso_z(confirmed)
        details.append(detail)
    return details


def _strings(detail: dict[str, Any], name: str) -> list[str]:
    value = detail.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConsentError(f"{name} must be a non-empty list of strings.")
    return value


def _shares_of(detail: Any) -> list[Share]:
    if not isinstance(detail, dict) or detail.get("type") != DETAIL_TYPE:
        raise ConsentError(f"Each authorization detail has type {DETAIL_TYPE!r}.")
    unknown = sorted(set(detail) - _KEYS)
    if unknown:
        raise ConsentError(f"Unknown fields: {', '.join(unknown)}.")
    device_id, retention = detail.get("identifier"), detail.get("retention_days")
    if (
        not isinstance(device_id, str)
        or not isinstance(retention, int)
        or isinstance(retention, bool)
    ):
        raise ConsentError("identifier is a device id and retention_days a whole number.")
    actions = _strings(detail, "actions")
    if len(actions) != 1:
        raise ConsentError("actions holds exactly one sharing mode.")
    try:
        mode = SharingMode.named(actions[0])
        purposes = frozenset(Purpose(p) for p in _strings(detail, "purposes"))
        kinds = [DataType(k) for k in _strings(detail, "datatypes")]
    except ValueError as exc:
        raise ConsentError(str(exc)) from None
    confirmed = detail.get("stream_confirmed_at")
    return [
        Share(
            device_id,
            kind,
            mode,
            purposes,
            retention,
            _moment(detail.get("expires_at"), "expires_at"),
            None if confirmed is None else _moment(confirmed, "stream_confirmed_at"),
        )
        for kind in kinds
    ]


def from_details(details: Iterable[Any], *, now: datetime, check: bool = True) -> DeviceGrant:
    """The grant ``details`` describe, every share checked (unless reading a stored grant)."""
    shares = [share for detail in details for share in _shares_of(detail)]
    if not shares and check:
        raise ConsentError("A device grant shares at least one data type of one device.")
    return new_grant(shares, now=now, check=check)


@dataclass(frozen=True)
class ShareChange:
    """One difference between two grants, for the shopper to review (only what changes)."""

    device_id: str
    data_type: DataType
    change: str  # added, removed or changed
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _view(share: Share) -> dict[str, Any]:
    return {
        "mode": share.mode.label, "purposes": sorted(share.purposes),
        "retention_days": share.retention_days, "expires_at": clock.iso_z(share.expires_at),
    }  # fmt: skip


def amendment(old: DeviceGrant, new: DeviceGrant) -> list[ShareChange]:
    """What ``new`` changes relative to ``old``, share by share, in a stable order."""
    before = {(s.device_id, s.data_type): s for s in old.shares}
    after = {(s.device_id, s.data_type): s for s in new.shares}
    changes = []
    for key in sorted(before.keys() | after.keys()):
        was, now = before.get(key), after.get(key)
        old_view = None if was is None else _view(was)
        new_view = None if now is None else _view(now)
        if old_view == new_view:
            continue
        kind = "added" if was is None else "removed" if now is None else "changed"
        changes.append(ShareChange(key[0], key[1], kind, old_view, new_view))
    return changes
