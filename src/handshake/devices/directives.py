"""The platform talking to a maker: the shopper's commands and queries of current state.

The consent enforcer stands on the way out and on the way back. A command leaves only for a
device the shopper shares; its answer may disclose only the data type the command affected (and
device health). A query (``ReportState``) leaves only for data types shared in
``query_current`` or above; the ``StateReport`` is filtered the same way. Refusals happen before
anything is sent and are audited; what comes back outside the grant is dropped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices import audit
from handshake.devices.consent import DataType, SharingMode
from handshake.devices.directive_shapes import (
    Answer,
    Command,
    command_of,
    directive,
    read_answer,
)
from handshake.devices.discovery import DiscoveryResult, parse_endpoints, record_discovery
from handshake.devices.enforcement import admit_report, command_allowed, refused_query
from handshake.devices.errors import (
    DeviceRefused,
    GatewayRequestInvalid,
    MakerUnreachable,
    NotAllowedByGrant,
)
from handshake.devices.grants import enforceable_grant
from handshake.devices.maker_endpoints import directive_target
from handshake.devices.policy import DevicesPolicy
from handshake.devices.twin import Sample, record_desired, settle_desired, store_samples
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy


@dataclass(frozen=True)
class DeviceAnswer:
    """What the maker disclosed that the grant let through, and what was dropped."""

    message_id: str
    properties: tuple[dict[str, Any], ...]
    dropped: dict[str, int]
    stored: int


@dataclass(frozen=True)
class Caller:
    """Who asks: the shopper, which maker, which device ("" for discovery), the link's policy."""

    shopper_id: str
    partner_id: str
    device_id: str
    linking: LinkingPolicy


async def _audit(uow: UnitOfWork, caller: Caller, kind: str, detail: dict[str, Any]) -> None:
    async with uow:
        await audit.append_audit_entry(
            uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id, kind=kind,
            actor="platform", detail={"device": caller.device_id, **detail},
        )  # fmt: skip
        await uow.commit()


async def _ask(
    uow: UnitOfWork, policy: DevicesPolicy, caller: Caller, namespace: str, name: str,
    payload: dict[str, Any], expected: str, message_id: str,
) -> Answer:  # fmt: skip
    target = await directive_target(uow, caller.partner_id)
    subject = linking.subject_of(
        caller.linking, partner_id=caller.partner_id, shopper_id=caller.shopper_id
    )
    body = directive(
        namespace, name, message_id=message_id, subject=subject,
        device_id=caller.device_id or None, payload=payload,
    )  # fmt: skip
    answer = await policy.maker_client.call(target, body)
    return read_answer(answer, message_id=message_id, expected=expected)


async def _keep(
    uow: UnitOfWork, caller: Caller, answer: Answer, *, mode: SharingMode,
    affected: Iterable[DataType] | None, cause: str, kind: str, message_id: str,
) -> DeviceAnswer:  # fmt: skip
    """Filter the answer through the grant as it is now (read under the chain's lock, so a
    revocation meanwhile is seen), store and audit what passed, in one transaction."""
    now = clock.now()
    async with uow:
        await audit.lock_chain(uow, caller.shopper_id, caller.partner_id)
        grant = await enforceable_grant(
            uow=uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id
        )
        admitted = admit_report(
            grant, caller.device_id, answer.properties, mode=mode, now=now, affected=affected
        )
        dropped = dict(Counter(reason.value for _, reason in admitted.dropped))
        samples = [Sample.of(caller.device_id, p, cause, now) for p in admitted.kept]
        counts = await store_samples(
            uow, grant, shopper_id=caller.shopper_id, partner_id=caller.partner_id,
            samples=samples, mode=mode, now=now,
        )  # fmt: skip
        stored = counts.total()
        if kind == "command":
            await settle_desired(uow, directive_id=message_id, status="done")
        await audit.append_audit_entry(
            uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id, kind=kind,
            actor="platform",
            detail={"device": caller.device_id, "directive": message_id, "disclosed": len(samples),
                    "stored": stored, "dropped": dropped},
        )  # fmt: skip
        await uow.commit()
    return DeviceAnswer(message_id, admitted.kept, dropped, stored)


def _refusal(answer: Answer) -> DeviceRefused:
    kind = str(answer.payload.get("type") or "INTERNAL_ERROR")
    text = str(answer.payload.get("message") or "The device refused.")[:300]
    return DeviceRefused(text, extra={"device_error": kind})


async def send_command(
    *, uow: UnitOfWork, policy: DevicesPolicy, caller: Caller, namespace: str, name: str,
    payload: Any,
) -> DeviceAnswer:  # fmt: skip
    """Send the shopper's command to their device; the answer as the grant lets it through."""
    command: Command = command_of(namespace, name, payload)
    message_id = await _remember(uow, caller, command)
    if message_id is None:
        await _audit(uow, caller, "command_refused", {"directive": f"{namespace}.{name}"})
        raise NotAllowedByGrant("The shopper does not share this device with the maker.")
    try:
        answer = await _ask(
            uow, policy, caller, namespace, name, command.payload, "Response", message_id
        )
    except Exception:
        await _settle(uow, message_id, "failed")
        raise
    if answer.name == "ErrorResponse":
        await _settle(uow, message_id, "failed")
        raise _refusal(answer)
    return await _keep(
        uow, caller, answer, mode=SharingMode.REPORT_ON_COMMAND,
        affected=[command.affects], cause="app", kind="command", message_id=message_id,
    )  # fmt: skip


async def _remember(uow: UnitOfWork, caller: Caller, command: Command) -> str | None:
    """The directive's id, with the desired value recorded as pending when it is absolute;
    None when the grant does not let commands reach the device (checked under the lock)."""
    message_id = new_id("dir")
    async with uow:
        await audit.lock_chain(uow, caller.shopper_id, caller.partner_id)
        grant = await enforceable_grant(
            uow=uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id
        )
        if not command_allowed(grant, caller.device_id, clock.now()):
            return None
        if command.desired is not None:
            prop, value = command.desired
            await record_desired(
                uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id,
                device_id=caller.device_id, namespace=command.namespace, name=prop,
                value=value, directive_id=message_id, now=clock.now(),
            )  # fmt: skip
        await uow.commit()
    return message_id


async def _settle(uow: UnitOfWork, message_id: str, status: str) -> None:
    async with uow:
        await settle_desired(uow, directive_id=message_id, status=status)
        await uow.commit()


async def query_state(
    *, uow: UnitOfWork, policy: DevicesPolicy, caller: Caller,
    data_types: Iterable[DataType] | None = None,
) -> DeviceAnswer:  # fmt: skip
    """Ask the maker for the device's current state (``ReportState``), as the grant allows."""
    grant = await enforceable_grant(
        uow=uow, shopper_id=caller.shopper_id, partner_id=caller.partner_id
    )
    shared = [s.data_type for s in grant.shares if s.device_id == caller.device_id]
    wanted = sorted(set(shared if data_types is None else data_types))
    refused = refused_query(grant, caller.device_id, wanted, clock.now())
    if refused or not wanted:
        reasons = {k.value: r.value for k, r in refused.items()}
        await _audit(uow, caller, "query_refused", {"refused": reasons})
        raise NotAllowedByGrant(
            "The shopper does not let the platform ask this device's current state.",
            extra={"refused": reasons},
        )
    message_id = new_id("dir")
    answer = await _ask(uow, policy, caller, "Alexa", "ReportState", {}, "StateReport", message_id)
    if answer.name == "ErrorResponse":
        raise _refusal(answer)
    return await _keep(
        uow, caller, answer, mode=SharingMode.QUERY_CURRENT, affected=None,
        cause="poll", kind="query", message_id=message_id,
    )  # fmt: skip


async def discover_devices(
    *, uow: UnitOfWork, policy: DevicesPolicy, shopper_id: str, partner_id: str,
    linking_policy: LinkingPolicy,
) -> DiscoveryResult:  # fmt: skip
    """Ask the maker which devices the shopper has (``Discover``) and record the answer."""
    live = await linking.link_allows(
        uow=uow, shopper_id=shopper_id, partner_id=partner_id, scope="devices.command"
    )
    if not live:  # the shopper's subject is not sent to a maker they are not linked with
        raise NotAllowedByGrant("Link this maker first.")
    caller = Caller(shopper_id, partner_id, "", linking_policy)  # about no device
    answer = await _ask(
        uow, policy, caller, "Alexa.Discovery", "Discover", {}, "Discover.Response", new_id("dir")
    )
    if answer.name == "ErrorResponse":
        raise _refusal(answer)
    try:
        devices = parse_endpoints(answer.payload.get("endpoints"))
    except GatewayRequestInvalid as exc:
        raise MakerUnreachable(f"The maker's discovery answer is unusable: {exc.detail}") from None
    return await record_discovery(
        uow=uow, shopper_id=shopper_id, partner_id=partner_id, devices=devices
    )
