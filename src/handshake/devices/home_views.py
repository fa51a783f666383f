"""The shopper's home at a maker (``/account/devices/{partner_id}/home``): devices, their last
reported state, and commands that reach a device only when a share of it allows commands
(``report_on_command`` or more). A refused command shows why; nothing was sent."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.devices import service
from handshake.devices.home_api import Devices
from handshake.kernel.errors import DomainError, NotFound, PermissionDenied
from handshake.linking.deps import Policy
from handshake.web.deps import WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
HOME = "/account/devices/{partner_id}/home"
DONE = {"SetTargetTemperature": "Target temperature sent.", "Lock": "Lock sent.",
        "Unlock": "Unlock sent."}  # fmt: skip


def _status(error: DomainError) -> int:
    return 403 if isinstance(error, PermissionDenied) else 409


async def _render(
    request: Request, uow: Any, shopper_id: str, partner_id: str, *, status: int = 200,
    **extra: Any,
) -> Response:  # fmt: skip
    page = templates_of(request)
    try:
        overview = await service.home_overview(
            uow=uow, shopper_id=shopper_id, partner_id=partner_id
        )
    except NotFound:
        return page.render(request, "devices/unknown.html", {}, status_code=404)
    context = {"overview": overview, **extra}
    return page.render(request, "devices/home.html", context, status_code=status)


def _signin(partner_id: str) -> Response:
    return RedirectResponse(f"/signin?next=/account/devices/{partner_id}/home", status_code=303)


@router.get(HOME, response_class=HTMLResponse)
async def home_page(
    partner_id: str, request: Request, shopper: OptionalShopper, uow: WriteUow
) -> Response:
    """Devices with their last reported state and the commands the grant allows."""
    if shopper is None:
        return _signin(partner_id)
    done = DONE.get(request.query_params.get("done", ""))
    return await _render(request, uow, shopper.id, partner_id, done=done)


@router.post(HOME + "/{device_id}/command", response_class=HTMLResponse)
async def home_command(
    partner_id: str, device_id: str, request: Request, shopper: OptionalShopper, uow: WriteUow,
    devices: Devices, linking: Policy,
) -> Response:  # fmt: skip
    """Send the command through the consent enforcer; refused ones leave nothing behind."""
    if shopper is None:
        return _signin(partner_id)
    form = await request.form()
    try:
        namespace, name, payload = service.command_from_form(form)
        await service.send_command(
            uow=uow, policy=devices,
            caller=service.Caller(shopper.id, partner_id, device_id, linking),
            namespace=namespace, name=name, payload=payload,
        )  # fmt: skip
    except DomainError as error:
        return await _render(
            request, uow, shopper.id, partner_id, status=_status(error), error=error.detail,
            error_code=error.code, refused_device=device_id,
        )  # fmt: skip
    target = HOME.format(partner_id=partner_id)
    return RedirectResponse(f"{target}?done={name}", status_code=303)
