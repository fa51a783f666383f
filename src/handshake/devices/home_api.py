"""The shopper's home: their devices at a maker, commands, current state, and the twin.

``/api/v1/me/devices/{partner_id}`` lists the devices the maker discovered (``…/discover`` asks
the maker again); ``…/{device_id}/directives`` sends a command (the answer holds only what it
affected); ``…/{device_id}/state`` asks the current state when the grant allows queries;
``…/{device_id}/twin`` shows desired and reported values with their age and provenance.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentShopper
from handshake.devices import service
from handshake.devices.policy import DevicesPolicy, devices_policy
from handshake.devices.schemas import (
    DirectiveIn,
    answer_document,
    device_document,
    twin_document,
)
from handshake.linking.deps import Policy
from handshake.linking.policy import LinkingPolicy
from handshake.web.deps import ReadUow, WriteUow, built_once
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/me/devices/{partner_id}", tags=["devices"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in", **PROBLEM},
    403: {"description": "The grant does not allow this", **PROBLEM},
    409: {"description": "No directive endpoint, or the device refused", **PROBLEM},
    422: {"description": "Unknown directive", **PROBLEM},
    503: {"description": "The maker did not answer", **PROBLEM},
}


async def _policy(request: Request) -> DevicesPolicy:
    return built_once(request, "devices_policy", devices_policy)


Devices = Annotated[DevicesPolicy, Depends(_policy)]


def _caller(
    shopper_id: str, partner_id: str, device_id: str, policy: LinkingPolicy
) -> service.Caller:
    return service.Caller(shopper_id, partner_id, device_id, policy)


@router.get("", summary="My devices at this maker", responses=RESPONSES)
async def my_devices(partner_id: str, shopper: CurrentShopper, uow: ReadUow) -> JSONResponse:
    """The devices the maker's discovery described, with what each can share."""
    rows = await service.list_devices(uow=uow, shopper_id=shopper.id, partner_id=partner_id)
    return JSONResponse({"items": [device_document(row) for row in rows]})


@router.post("/discover", summary="Ask the maker for my devices again", responses=RESPONSES)
async def discover(
    partner_id: str, shopper: CurrentShopper, uow: WriteUow, devices: Devices, linking: Policy
) -> JSONResponse:
    """The platform sends ``Discover`` and stores the answer."""
    result = await service.discover_devices(
        uow=uow, policy=devices, shopper_id=shopper.id, partner_id=partner_id,
        linking_policy=linking,
    )  # fmt: skip
    rows = await service.list_devices(uow=uow, shopper_id=shopper.id, partner_id=partner_id)
    return JSONResponse({
        "items": [device_document(row) for row in rows],
        "inconsistent": list(result.inconsistent),
    })  # fmt: skip


@router.post("/{device_id}/directives", summary="Command my device", responses=RESPONSES)
async def command(
    partner_id: str, device_id: str, body: DirectiveIn, shopper: CurrentShopper, uow: WriteUow,
    devices: Devices, linking: Policy,
) -> JSONResponse:  # fmt: skip
    """Send the command; the answer holds only the properties it affected (and health)."""
    answer = await service.send_command(
        uow=uow, policy=devices, caller=_caller(shopper.id, partner_id, device_id, linking),
        namespace=body.namespace, name=body.name, payload=body.payload,
    )  # fmt: skip
    return JSONResponse(answer_document(answer))


@router.post("/{device_id}/state", summary="Ask my device's current state", responses=RESPONSES)
async def current_state(
    partner_id: str, device_id: str, shopper: CurrentShopper, uow: WriteUow, devices: Devices,
    linking: Policy,
) -> JSONResponse:  # fmt: skip
    """``ReportState`` to the maker, when a share allows queries; filtered by the grant."""
    answer = await service.query_state(
        uow=uow, policy=devices, caller=_caller(shopper.id, partner_id, device_id, linking)
    )
    return JSONResponse(answer_document(answer))


@router.get("/{device_id}/twin", summary="Desired and reported state", responses=RESPONSES)
async def twin(
    partner_id: str, device_id: str, shopper: CurrentShopper, uow: WriteUow
) -> JSONResponse:
    """What the shopper asked for and what the device last reported (age, provenance)."""
    view = await service.read_twin(
        uow=uow, shopper_id=shopper.id, partner_id=partner_id, device_id=device_id
    )
    return JSONResponse(twin_document(view))
