"""The consent center's device page (``/account/devices/{partner_id}``).

Per device the maker discovered and per data type, the shopper picks a sharing mode (or none),
the purposes, how long data is kept and until when sharing lasts; saving shows only what
changed. The same page confirms streaming again, ends sharing, lists what happened in plain
words and links the signed receipts.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPBasicCredentials

from handshake.accounts.deps import OptionalShopper
from handshake.devices import admin_views, home_views, service
from handshake.devices.consent import DataType, SharingMode
from handshake.devices.schemas import grant_document
from handshake.kernel.errors import DomainError, NotFound
from handshake.linking.deps import Policy
from handshake.partners.deps import authenticated_partner_client, partner_basic
from handshake.partners.kinds import PartnerKind
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
router.include_router(home_views.router)  # the shopper's home: devices, state, commands
router.include_router(admin_views.router)  # the operator dashboard's device makers
PAGE = "/account/devices/{partner_id}"


def _language(request: Request) -> str:
    return "fr" if getattr(request.state, "locale", "en") == "fr" else "en"


async def _render(
    request: Request, uow: Any, shopper_id: str, partner_id: str, **extra: Any
) -> Response:
    overview = await service.sharing_overview(
        uow=uow, shopper_id=shopper_id, partner_id=partner_id, language=_language(request)
    )
    context = {
        "overview": overview, "modes": [m.label for m in SharingMode],
        "data_types": [k.value for k in DataType],
        "grant": None if overview.grant is None else grant_document(overview.grant), **extra,
    }  # fmt: skip
    status = 422 if extra.get("error") else 200
    return templates_of(request).render(
        request, "devices/sharing.html", context, status_code=status
    )


async def _current(uow: Any, shopper_id: str, partner_id: str) -> Any:
    try:
        view = await service.get_device_grant(uow=uow, shopper_id=shopper_id, partner_id=partner_id)
    except NotFound:
        return None
    return view.grant


def _signin(partner_id: str) -> Response:
    return RedirectResponse(f"/signin?next=/account/devices/{partner_id}", status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
async def sharing_page(
    partner_id: str, request: Request, shopper: OptionalShopper, uow: ReadUow
) -> Response:
    """Devices × data types with the chosen modes, streaming status, history, receipts."""
    if shopper is None:
        return _signin(partner_id)
    try:
        return await _render(request, uow, shopper.id, partner_id)
    except NotFound:
        return templates_of(request).render(request, "devices/unknown.html", {}, status_code=404)


@router.post(PAGE, response_class=HTMLResponse)
async def save_sharing(
    partner_id: str, request: Request, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """Save the choices; nothing left shared ends sharing."""
    if shopper is None:
        return _signin(partner_id)
    form = await request.form()
    devices = [str(v) for v in form.getlist("device")]
    try:
        current = await _current(uow, shopper.id, partner_id)
        details = service.details_from_form(form, devices, current)
        if details:
            view = await service.set_device_grant(
                uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id,
                details=details,
            )  # fmt: skip
            changes = grant_document(view)["changes"]
        else:
            await service.revoke_device_grant(
                uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id,
                actor="shopper",
            )  # fmt: skip
            changes = []
    except DomainError as error:
        return await _render(request, uow, shopper.id, partner_id, error=error.detail)
    return await _render(request, uow, shopper.id, partner_id, saved=True, changes=changes)


@router.post(PAGE + "/reconfirm", response_class=HTMLResponse)
async def reconfirm(
    partner_id: str, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """Streaming runs 90 more days."""
    if shopper is None:
        return _signin(partner_id)
    with contextlib.suppress(DomainError):  # nothing streams any more: the page shows it
        await service.reconfirm_streaming(
            uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id
        )
    return RedirectResponse(PAGE.format(partner_id=partner_id), status_code=303)


@router.post(PAGE + "/revoke", response_class=HTMLResponse)
async def revoke(
    partner_id: str, shopper: OptionalShopper, uow: WriteUow, policy: Policy
) -> Response:
    """End every share with this maker at once."""
    if shopper is None:
        return _signin(partner_id)
    with contextlib.suppress(DomainError):  # nothing was shared: the page shows it
        await service.revoke_device_grant(
            uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id,
            actor="shopper",
        )  # fmt: skip
    return RedirectResponse(PAGE.format(partner_id=partner_id), status_code=303)


MAKER_LOG = "/partner/devices/access-log"
ASK_FOR_CREDENTIALS = {"WWW-Authenticate": 'Basic realm="handshake device makers"'}


@router.get(MAKER_LOG, response_class=HTMLResponse)
async def maker_access_log_page(
    request: Request, uow: ReadUow, policy: Policy,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(partner_basic)],
) -> Response:  # fmt: skip
    """The maker's access page: its client id and secret (HTTP Basic, the browser asks), then
    every audited access to its shoppers' data, newest first, shoppers by pairwise subject."""
    page = templates_of(request)
    try:
        caller = await authenticated_partner_client(uow, credentials)
    except DomainError:
        denied = page.render(request, "devices/maker_denied.html", {}, status_code=401)
        denied.headers.update(ASK_FOR_CREDENTIALS)
        return denied
    if caller.partner_kind != PartnerKind.DEVICE_MAKER:
        return page.render(request, "devices/maker_denied.html", {}, status_code=403)
    lines = await service.maker_access_log(
        uow=uow, policy=policy, partner_id=caller.partner_id, language=_language(request)
    )
    context = {"maker": caller.partner_name, "lines": lines}
    response = page.render(request, "devices/maker_access_log.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response
