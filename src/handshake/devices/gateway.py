"""The event gateway's ChangeReports: enforce the grant, store what passes, audit the rest.

A maker pushes Alexa-shaped ``ChangeReport`` events with the link's bearer token. The report is
checked against the shopper's enforced grant in ``stream_changes`` mode, property by property
(changed ones and the unchanged context alike: both disclose state). What passes updates the
device twin's reported side, kept for the share's retention; what does not is dropped — never
stored — and counted in the audit log by reason, without its values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import DataType, DeviceGrant, SharingMode, data_type_of
from handshake.devices.enforcement import admit_report
from handshake.devices.errors import GatewayRequestInvalid, SharingEnded
from handshake.devices.grants import enforceable_grant
from handshake.devices.models import ReportedProperty
from handshake.devices.repository import TwinRepository
from handshake.kernel import clock
from handshake.kernel.ids import new_id

CAUSES = {
    "PHYSICAL_INTERACTION": "physical", "APP_INTERACTION": "app", "VOICE_INTERACTION": "voice",
    "RULE_TRIGGER": "rule", "PERIODIC_POLL": "poll",
}  # fmt: skip
MAX_PROPERTIES = 100
MAX_DEVICE_ID = 256


@dataclass(frozen=True)
class ChangeReport:
    """A parsed ChangeReport: the device, the cause, and every property it discloses."""

    device_id: str
    cause: str
    properties: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Ingested:
    """What became of a report's properties."""

    stored: int
    dropped: dict[str, int]


def _field(document: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(document, dict) or key not in document:
            raise GatewayRequestInvalid(f"The event lacks {'.'.join(path)}.")
        document = document[key]
    return document


def parse_change_report(body: Any) -> ChangeReport:
    """The ChangeReport in ``body``; :class:`GatewayRequestInvalid` on anything else."""
    header = _field(body, "event", "header")
    if not isinstance(header, dict) or (
        header.get("namespace"), header.get("name"), header.get("payloadVersion")
    ) != (
        "Alexa", "ChangeReport", "3",
    ):  # fmt: skip
        raise GatewayRequestInvalid("Only Alexa ChangeReport events (payloadVersion 3) come here.")
    device_id = _field(body, "event", "endpoint", "endpointId")
    cause = CAUSES.get(str(_field(body, "event", "payload", "change", "cause", "type")))
    changed = _field(body, "event", "payload", "change", "properties")
    context = (
        body.get("context", {}).get("properties", [])
        if isinstance(body.get("context"), dict)
        else []
    )
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= MAX_DEVICE_ID or cause is None:
        raise GatewayRequestInvalid("endpointId must name a device and cause.type a known cause.")
    if not isinstance(changed, list) or not isinstance(context, list):
        raise GatewayRequestInvalid("properties must be lists.")
    properties = [*changed, *context]
    if (
        not properties
        or len(properties) > MAX_PROPERTIES
        or not all(isinstance(p, dict) for p in properties)
    ):
        raise GatewayRequestInvalid(f"A report carries 1 to {MAX_PROPERTIES} property objects.")
    return ChangeReport(device_id, cause, tuple(properties))


def _sample_time(prop: dict[str, Any], now: datetime) -> datetime:
    text = prop.get("timeOfSample")
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return now
    return now if moment.tzinfo is None or moment > now else moment


def _retention(grant: DeviceGrant, device_id: str, prop: dict[str, Any]) -> int:
    kind = data_type_of(str(prop.get("namespace")), str(prop.get("name")))
    if kind is None:  # device health: kept as long as the longest share of the device
        days = [s.retention_days for s in grant.shares if s.device_id == device_id]
        return max(days, default=0)
    share = grant.share(device_id, kind)
    return 0 if share is None else share.retention_days


def _twin_row(
    shopper_id: str, partner_id: str, report: ChangeReport, prop: dict[str, Any], *,
    days: int, now: datetime,
) -> ReportedProperty:  # fmt: skip
    namespace, name = str(prop.get("namespace")), str(prop.get("name"))
    kind: DataType | None = data_type_of(namespace, name)
    uncertainty = prop.get("uncertaintyInMilliseconds")
    return ReportedProperty(
        id=new_id("drp"), shopper_id=shopper_id, partner_id=partner_id,
        device_id=report.device_id, namespace=namespace, name=name,
        data_type=None if kind is None else kind.value, value=prop.get("value"),
        time_of_sample=_sample_time(prop, now),
        uncertainty_ms=uncertainty if isinstance(uncertainty, int) else 0, cause=report.cause,
        received_at=now, keep_until=now + timedelta(days=days),
    )  # fmt: skip


async def ingest_change_report(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, body: Any
) -> Ingested:
    """Enforce, store what the grant allows, audit the report; :class:`SharingEnded` when the
    grant or link is gone (the maker must stop and forget the shopper's credentials)."""
    report, now = parse_change_report(body), clock.now()
    grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    if grant.revoked:
        raise SharingEnded("The shopper ended device sharing with this maker.")
    admitted = admit_report(
        grant, report.device_id, report.properties, mode=SharingMode.STREAM_CHANGES, now=now
    )
    dropped = Counter(reason.value for _, reason in admitted.dropped)
    stored = 0
    async with uow:
        repo = uow.repo(TwinRepository)
        for prop in admitted.kept:
            days = _retention(grant, report.device_id, prop)
            if days > 0:
                row = _twin_row(shopper_id, partner_id, report, prop, days=days, now=now)
                await repo.upsert(row)
                stored += 1
        await audit.append_audit_entry(
            uow, shopper_id=shopper_id, partner_id=partner_id, kind="change_report",
            actor="maker",
            detail={"device": report.device_id, "stored": stored, "dropped": dict(dropped),
                    "cause": report.cause},
        )  # fmt: skip
        await uow.commit()
    return Ingested(stored, dict(dropped))
