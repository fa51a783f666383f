"""Device-sharing APIs: the shopper sets and ends grants; the maker reads and ends its own.

Shopper: ``/api/v1/me/device-sharing/{partner_id}`` (GET, PUT the authorization details, DELETE
to revoke). Maker, with the link's token (scope ``devices.command``):
``/partner/v1/devices/grant`` (GET the grant to enforce on its side, DELETE to revoke from the
maker's side). Every change reaches the other side as a ``consent.updated`` webhook.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentShopper
from handshake.devices import admin_api, gateway_api, home_api, service
from handshake.devices.schemas import DeviceGrantIn, grant_document
from handshake.linking.deps import Policy, require_scopes
from handshake.linking.service import PartnerAccess
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(tags=["devices"])
router.include_router(gateway_api.router)
router.include_router(home_api.router)
router.include_router(admin_api.router)
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or no valid token", **PROBLEM},
    403: {"description": "The link does not allow this sharing mode", **PROBLEM},
    404: {"description": "No device sharing with this maker", **PROBLEM},
    422: {"description": "Invalid sharing choices", **PROBLEM},
}
MakerAccess = Annotated[PartnerAccess, Depends(require_scopes("devices.command"))]
ME = "/api/v1/me/device-sharing/{partner_id}"


@router.get(ME, summary="My device sharing with one maker", responses=RESPONSES)
async def my_grant(partner_id: str, shopper: CurrentShopper, uow: ReadUow) -> JSONResponse:
    """The grant with its authorization details and version."""
    view = await service.get_device_grant(uow=uow, shopper_id=shopper.id, partner_id=partner_id)
    return JSONResponse(grant_document(view))


@router.put(ME, summary="Set my device sharing with one maker", responses=RESPONSES)
async def set_my_grant(
    partner_id: str, body: DeviceGrantIn, shopper: CurrentShopper, uow: WriteUow, policy: Policy
) -> JSONResponse:
    """Create or amend the grant; the answer lists only what changed."""
    view = await service.set_device_grant(
        uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id,
        details=body.authorization_details,
    )  # fmt: skip
    return JSONResponse(grant_document(view))


@router.post(ME + "/reconfirm", summary="Confirm streaming again for 90 days", responses=RESPONSES)
async def reconfirm_my_streaming(
    partner_id: str, shopper: CurrentShopper, uow: WriteUow, policy: Policy
) -> JSONResponse:
    """Streaming shares pause 90 days after the last confirmation; this restarts the period."""
    view = await service.reconfirm_streaming(
        uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id
    )
    return JSONResponse(grant_document(view))


@router.delete(ME, summary="End my device sharing with one maker", responses=RESPONSES)
async def revoke_my_grant(
    partner_id: str, shopper: CurrentShopper, uow: WriteUow, policy: Policy
) -> JSONResponse:
    """Every share ends at once; the maker is told."""
    view = await service.revoke_device_grant(
        uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id, actor="shopper"
    )
    return JSONResponse(grant_document(view))


@router.get("/partner/v1/devices/grant", summary="The linked shopper's grant", responses=RESPONSES)
async def maker_grant(access: MakerAccess, uow: ReadUow) -> JSONResponse:
    """What the shopper lets this maker share, to enforce on the maker's side too."""
    assert access.shopper_id is not None  # require_scopes demands a shopper's token
    view = await service.get_device_grant(
        uow=uow, shopper_id=access.shopper_id, partner_id=access.partner_id
    )
    return JSONResponse(grant_document(view))


@router.delete(
    "/partner/v1/devices/grant", summary="End sharing from the maker's side", responses=RESPONSES
)
async def maker_revoke(access: MakerAccess, uow: WriteUow, policy: Policy) -> JSONResponse:
    """The shopper (or an admin) ended sharing at the maker: it ends here too."""
    assert access.shopper_id is not None
    view = await service.revoke_device_grant(
        uow=uow, policy=policy, shopper_id=access.shopper_id, partner_id=access.partner_id,
        actor="maker",
    )  # fmt: skip
    return JSONResponse(grant_document(view))
