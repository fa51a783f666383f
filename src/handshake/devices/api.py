"""Device-sharing APIs: the shopper sets and ends grants; the maker reads and ends its own.

Shopper: ``/api/v1/me/device-sharing/{partner_id}`` (GET, PUT the authorization details, DELETE
to revoke). Maker, with the link's token (scope ``devices.command``):
``/partner/v1/devices/grant`` (GET the grant to enforce on its side, DELETE to revoke from the
maker's side). Every change reaches the other side as a ``consent.updated`` webhook.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentShopper
from handshake.devices import admin_api, gateway_api, home_api, service
from handshake.devices.models import ConsentReceipt
from handshake.devices.schemas import (
    DeviceGrantIn,
    audit_document,
    grant_document,
    receipt_document,
    receipt_summary,
)
from handshake.linking.deps import Policy, require_scopes
from handshake.linking.policy import LinkingPolicy
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


KeepData = Annotated[bool, Query(description="Keep what was shared until its retention")]
Lang = Annotated[str, Query(pattern="^(en|fr)$")]
After = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/api/v1/me/device-sharing", summary="My device sharing with every maker")
async def my_grants(shopper: CurrentShopper, uow: ReadUow) -> JSONResponse:
    """Each maker's grant, with when streaming pauses and whether a reminder is due."""
    views = await service.list_device_grants(uow=uow, shopper_id=shopper.id)
    return JSONResponse({"items": [grant_document(view) for view in views]})


@router.get(ME + "/audit", summary="What happened to my device data", responses=RESPONSES)
async def my_audit_log(
    partner_id: str, shopper: CurrentShopper, uow: ReadUow, lang: Lang = "en", after: After = 0,
    limit: Limit = 100,
) -> JSONResponse:  # fmt: skip
    """Every grant change, disclosure, query, read and purge, in plain words."""
    page = await service.read_audit_log(
        uow=uow, shopper_id=shopper.id, partner_id=partner_id, after=after, limit=limit,
        language=lang,
    )  # fmt: skip
    return JSONResponse(audit_document(page))


@router.get("/partner/v1/devices/access-log", summary="The maker's access log for the shopper")
async def maker_access_log(
    access: MakerAccess, uow: ReadUow, after: After = 0, limit: Limit = 100
) -> JSONResponse:
    """The same chain the shopper sees: every access to their data, with hashes."""
    assert access.shopper_id is not None
    page = await service.read_audit_log(
        uow=uow, shopper_id=access.shopper_id, partner_id=access.partner_id, after=after,
        limit=limit, to_maker=True,
    )  # fmt: skip
    return JSONResponse(audit_document(page))


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
    partner_id: str, shopper: CurrentShopper, uow: WriteUow, policy: Policy,
    keep_data: KeepData = False,
) -> JSONResponse:  # fmt: skip
    """Every share ends at once; the maker is told; stored data purged unless kept."""
    view = await service.revoke_device_grant(
        uow=uow, policy=policy, shopper_id=shopper.id, partner_id=partner_id, actor="shopper",
        keep_data=keep_data,
    )  # fmt: skip
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


def _receipt_file(receipt: ConsentReceipt, policy: LinkingPolicy) -> JSONResponse:
    return JSONResponse(
        receipt_document(receipt, policy),
        headers={
            "Content-Disposition": f'attachment; filename="device-receipt-{receipt.id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get(ME + "/receipts", summary="My consent receipts with one maker", responses=RESPONSES)
async def my_receipts(partner_id: str, shopper: CurrentShopper, uow: ReadUow) -> JSONResponse:
    """Every signed receipt of the grant, newest first."""
    rows = await service.list_receipts(uow=uow, shopper_id=shopper.id, partner_id=partner_id)
    return JSONResponse({"items": [receipt_summary(r) for r in rows]})


@router.get(ME + "/receipts/{receipt_id}", summary="Download one receipt", responses=RESPONSES)
async def my_receipt(
    partner_id: str, receipt_id: str, shopper: CurrentShopper, uow: ReadUow, policy: Policy
) -> JSONResponse:
    """The receipt: its claims and the compact JWS that proves them."""
    row = await service.get_receipt(
        uow=uow, shopper_id=shopper.id, partner_id=partner_id, receipt_id=receipt_id
    )
    return _receipt_file(row, policy)


@router.get(
    "/partner/v1/devices/receipts", summary="Receipts of the shopper's grant", responses=RESPONSES
)
async def maker_receipts(access: MakerAccess, uow: ReadUow) -> JSONResponse:
    """The maker's copy of every receipt of the linked shopper's grant."""
    assert access.shopper_id is not None
    rows = await service.list_receipts(
        uow=uow, shopper_id=access.shopper_id, partner_id=access.partner_id
    )
    return JSONResponse({"items": [receipt_summary(r) for r in rows]})


@router.get(
    "/partner/v1/devices/receipts/{receipt_id}", summary="Download one receipt", responses=RESPONSES
)
async def maker_receipt(
    receipt_id: str, access: MakerAccess, uow: ReadUow, policy: Policy
) -> JSONResponse:
    """One receipt, as the shopper has it."""
    assert access.shopper_id is not None
    row = await service.get_receipt(
        uow=uow, shopper_id=access.shopper_id, partner_id=access.partner_id,
        receipt_id=receipt_id,
    )  # fmt: skip
    return _receipt_file(row, policy)


@router.get("/.well-known/device-receipt-keys.json", summary="Keys verifying consent receipts")
async def receipt_keys(policy: Policy) -> JSONResponse:
    """The public JWKS of device consent receipts."""
    return JSONResponse(service.receipt_public_keys(policy))
