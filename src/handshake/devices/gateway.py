"""The event gateway's ChangeReports: enforce the grant, store what passes, audit the rest.

A maker pushes Alexa-shaped ``ChangeReport`` events with the link's bearer token, one per request
or up to ``MAX_BATCH`` at once (``{"events": [...]}``). Each report is checked against the
shopper's enforced grant in ``stream_changes`` mode, property by property (changed ones and the
unchanged context alike: both disclose state). What passes updates the device twin and its
history, kept for the share's retention; what does not is dropped — never stored — and counted.
Each request gets one audit entry listing, per device, the data types disclosed, how many values,
the time window they cover and the drops by reason (never the values).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import DeviceGrant, SharingMode, data_type_of
from handshake.devices.enforcement import admit_report
from handshake.devices.errors import GatewayRequestInvalid, SharingEnded
from handshake.devices.grants import enforceable_grant
from handshake.devices.twin import CAUSES, Sample, store_samples
from handshake.kernel import clock

MAX_PROPERTIES = 100
MAX_DEVICE_ID = 256
MAX_BATCH = 500


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


def parse_events(body: Any) -> list[ChangeReport]:
    """One report, or a batch ``{"events": [...]}`` of them."""
    if isinstance(body, dict) and "events" in body:
        events = body["events"]
        if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
            raise GatewayRequestInvalid(f"A batch carries 1 to {MAX_BATCH} events.")
        return [parse_change_report(event) for event in events]
    return [parse_change_report(body)]


@dataclass
class _DeviceTally:
    stored: int = 0
    dropped: Counter[str] | None = None
    kinds: set[str] | None = None
    first: datetime | None = None
    last: datetime | None = None

    def add(self, kept: list[Sample], dropped: Counter[str]) -> None:
        self.dropped = (self.dropped or Counter()) + dropped
        kinds = (data_type_of(str(s.prop.get("namespace")), str(s.prop.get("name"))) for s in kept)
        self.kinds = (self.kinds or set()) | {"health" if k is None else k.value for k in kinds}
        for moment in (s.at for s in kept):
            self.first = moment if self.first is None else min(self.first, moment)
            self.last = moment if self.last is None else max(self.last, moment)

    def detail(self, device_id: str) -> dict[str, Any]:
        window = None if self.first is None or self.last is None else [
            clock.iso_z(self.first), clock.iso_z(self.last)
        ]  # fmt: skip
        return {
            "device": device_id, "stored": self.stored, "data_types": sorted(self.kinds or ()),
            "dropped": dict(self.dropped or {}), "window": window,
        }  # fmt: skip


async def ingest_change_report(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, body: Any
) -> Ingested:
    """Enforce, store what the grant allows, audit the reports; :class:`SharingEnded` when the
    grant or link is gone (the maker must stop and forget the shopper's credentials)."""
    reports, now = parse_events(body), clock.now()
    async with uow:
        await audit.lock_chain(uow, shopper_id, partner_id)  # before the grant is read
        grant = await enforceable_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
        if grant.revoked:
            raise SharingEnded("The shopper ended device sharing with this maker.")
        ingested = await _store(uow, grant, reports, shopper_id, partner_id, now)
        await uow.commit()
    return ingested


async def _store(
    uow: UnitOfWork, grant: DeviceGrant, reports: list[ChangeReport], shopper_id: str,
    partner_id: str, now: datetime,
) -> Ingested:  # fmt: skip
    """Admit every report, store what passed in one go, audit the request in one entry."""
    tallies: dict[str, _DeviceTally] = defaultdict(_DeviceTally)
    samples: list[Sample] = []
    for report in reports:
        admitted = admit_report(
            grant, report.device_id, report.properties, mode=SharingMode.STREAM_CHANGES, now=now
        )
        dropped = Counter(reason.value for _, reason in admitted.dropped)
        kept = [Sample.of(report.device_id, p, report.cause, now) for p in admitted.kept]
        tallies[report.device_id].add(kept, dropped)
        samples += kept
    counts = await store_samples(
        uow, grant, shopper_id=shopper_id, partner_id=partner_id, samples=samples,
        mode=SharingMode.STREAM_CHANGES, now=now,
    )  # fmt: skip
    for device_id, tally in tallies.items():
        tally.stored = counts[device_id]
    dropped_total: Counter[str] = sum((t.dropped or Counter() for t in tallies.values()), Counter())
    await audit.append_audit_entry(
        uow, shopper_id=shopper_id, partner_id=partner_id, kind="change_report", actor="maker",
        detail={"stored": counts.total(), "dropped": dict(dropped_total),
                "devices": [tallies[d].detail(d) for d in sorted(tallies)]},
    )  # fmt: skip
    return Ingested(counts.total(), dict(dropped_total))
