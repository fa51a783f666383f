"""Operators register where a device maker receives directives (and get its signing secret)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from handshake.accounts.deps import CurrentOperator
from handshake.devices import service
from handshake.devices.schemas import DirectiveEndpointIn
from handshake.web.deps import WriteUow
from handshake.web.routing import DomainRouter

router = DomainRouter(prefix="/api/v1/admin/device-makers", tags=["devices"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


@router.put(
    "/{partner_id}/directive-endpoint",
    summary="Set a device maker's directive URL (a new signing secret each time)",
    responses={
        401: {"description": "Operator authentication required", **PROBLEM},
        404: {"description": "No such partner", **PROBLEM},
        422: {"description": "Not a device maker, or a URL that is not allowed", **PROBLEM},
    },
)
async def set_directive_endpoint(
    partner_id: str, body: DirectiveEndpointIn, operator: CurrentOperator, uow: WriteUow
) -> JSONResponse:
    """The maker verifies every directive with the returned secret (Standard Webhooks)."""
    row = await service.set_directive_endpoint(uow=uow, partner_id=partner_id, url=body.url)
    return JSONResponse(
        {"partner_id": row.partner_id, "url": row.url, "signing_secret": row.signing_secret},
        headers={"Cache-Control": "no-store"},
    )
