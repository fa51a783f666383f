"""The device twin: the reported side (latest value of each property, with its history) and the
desired side (what the shopper last asked for), written only with what the grant let through.

Every value carries its measured time (``timeOfSample``), staleness (``uncertaintyInMilliseconds``)
and provenance (``cause``), and is kept as long as the share's retention from when it arrived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices.consent import DataType, DeviceGrant, SharingMode, data_type_of
from handshake.devices.models import DesiredProperty
from handshake.devices.repository import TwinRepository
from handshake.devices.sample_times import parse_sample_time
from handshake.kernel.ids import new_id

MAX_UNCERTAINTY_MS = 2**31 - 1  # the column is a 32-bit integer
CAUSES = {
    "PHYSICAL_INTERACTION": "physical", "APP_INTERACTION": "app", "VOICE_INTERACTION": "voice",
    "RULE_TRIGGER": "rule", "PERIODIC_POLL": "poll",
}  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """One allowed property of one device, ready to store."""

    device_id: str
    prop: dict[str, Any]
    cause: str
    at: datetime  # when it was measured (sample_time), worked out once

    @classmethod
    def of(cls, device_id: str, prop: dict[str, Any], cause: str, now: datetime) -> Sample:
        """The sample of ``prop``, its measured time read from the report."""
        return cls(device_id, prop, cause, sample_time(prop, now))


def sample_time(prop: dict[str, Any], now: datetime) -> datetime:
    """When the value was measured (``now`` when missing, unreadable or in the future)."""
    # A device clock ahead of ours would report from the future: ours then.
    return min(parse_sample_time(prop.get("timeOfSample"), now), now)


def retention_days(
    grant: DeviceGrant, device_id: str, prop: dict[str, Any], mode: SharingMode
) -> int:
    """How long the share lets this property be kept; device health: as long as the longest
    share of the device that let it in (those allowing the ``mode`` it came in)."""
    kind = data_type_of(str(prop.get("namespace")), str(prop.get("name")))
    if kind is None:
        days = [
            s.retention_days for s in grant.shares if s.device_id == device_id and s.mode >= mode
        ]
        return max(days, default=0)
    share = grant.share(device_id, kind)
    return 0 if share is None else share.retention_days


def _row(
    shopper_id: str, partner_id: str, sample: Sample, days: int, now: datetime
) -> dict[str, Any]:
    prop = sample.prop
    namespace, name = str(prop.get("namespace")), str(prop.get("name"))
    kind: DataType | None = data_type_of(namespace, name)
    uncertainty = prop.get("uncertaintyInMilliseconds")
    if isinstance(uncertainty, bool) or not isinstance(uncertainty, int):
        uncertainty = 0
    return {
        "shopper_id": shopper_id, "partner_id": partner_id, "device_id": sample.device_id,
        "namespace": namespace, "name": name, "data_type": None if kind is None else kind.value,
        "value": prop.get("value"), "time_of_sample": sample.at,
        "cause": sample.cause, "received_at": now, "keep_until": now + timedelta(days=days),
        "uncertainty_ms": min(max(uncertainty, 0), MAX_UNCERTAINTY_MS),
    }  # fmt: skip


async def store_samples(
    uow: UnitOfWork, grant: DeviceGrant, *, shopper_id: str, partner_id: str,
    samples: Sequence[Sample], mode: SharingMode, now: datetime,
) -> Counter[str]:  # fmt: skip
    """Store allowed samples in the twin and its history (caller's transaction); how many of
    each device.

    Two statements whatever the batch: every sample goes to the history, and the latest sample
    of each property (by measured time) becomes the twin's reported value.
    """
    history: list[dict[str, Any]] = []
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for sample in samples:
        days = retention_days(grant, sample.device_id, sample.prop, mode)
        if days <= 0:  # shared for the moment only: nothing kept
            continue
        row = _row(shopper_id, partner_id, sample, days, now)
        history.append(row)
        key = (row["device_id"], row["namespace"], row["name"])
        if key not in latest or latest[key]["time_of_sample"] <= row["time_of_sample"]:
            latest[key] = row
    if history:
        repo = uow.repo(TwinRepository)
        await repo.upsert_reported([{**r, "id": new_id("drp")} for r in latest.values()])
        await repo.append_history(
            [{k: v for k, v in r.items() if k != "uncertainty_ms"} | {"id": new_id("dph")}
             for r in history]
        )  # fmt: skip
    return Counter(row["device_id"] for row in history)


async def record_desired(
    uow: UnitOfWork, *, shopper_id: str, partner_id: str, device_id: str,
    namespace: str, name: str, value: Any, directive_id: str, now: datetime,
) -> None:  # fmt: skip
    """Remember what the shopper asked a property to become (pending the maker's answer)."""
    row = DesiredProperty(
        id=new_id("ddp"), shopper_id=shopper_id, partner_id=partner_id, device_id=device_id,
        namespace=namespace, name=name, value=value, requested_at=now,
        directive_id=directive_id, status="pending",
    )  # fmt: skip
    await uow.repo(TwinRepository).upsert_desired(row)


async def settle_desired(uow: UnitOfWork, *, directive_id: str, status: str) -> None:
    """Mark the desired values a directive asked for as ``done`` or ``failed``."""
    await uow.repo(TwinRepository).settle_desired(directive_id, status)
