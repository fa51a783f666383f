"""The event gateway (``POST /partner/v1/devices/events``), answering as Alexa's does.

Accepted events get 202. Errors are problem+json whose ``payload`` member carries the code a
maker's Alexa client already handles (the reference's gateway error table):
``INVALID_REQUEST_EXCEPTION`` (400: fix the message), ``INVALID_ACCESS_TOKEN_EXCEPTION`` (401:
refresh the token and retry once), ``INSUFFICIENT_PERMISSION_EXCEPTION`` (403: the link lacks
``devices.stream``), ``SKILL_DISABLED_EXCEPTION`` (403: sharing ended; stop and forget the
shopper's credentials).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from handshake.devices import service
from handshake.devices.errors import GatewayRequestInvalid
from handshake.kernel.errors import DomainError, PermissionDenied, Unauthenticated
from handshake.linking import service as linking
from handshake.linking.deps import linking_policy
from handshake.linking.errors import InvalidAccessToken
from handshake.linking.service import PartnerAccess
from handshake.web.deps import app_services
from handshake.web.routing import DomainRouter

router = DomainRouter(tags=["devices"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
STREAM_SCOPE, COMMAND_SCOPE = "devices.stream", "devices.command"


class StreamingNotLinked(PermissionDenied):
    """The link's token lacks ``devices.stream`` (Alexa: INSUFFICIENT_PERMISSION_EXCEPTION)."""

    code = "insufficient_scope"


def _alexa_code(error: DomainError) -> str:
    if isinstance(error, GatewayRequestInvalid):
        return "INVALID_REQUEST_EXCEPTION"
    if isinstance(error, Unauthenticated):
        return "INVALID_ACCESS_TOKEN_EXCEPTION"
    if isinstance(error, StreamingNotLinked):
        return "INSUFFICIENT_PERMISSION_EXCEPTION"
    if isinstance(error, PermissionDenied):
        return "SKILL_DISABLED_EXCEPTION"
    return "INVALID_REQUEST_EXCEPTION"


async def _access(request: Request, scope: str) -> PartnerAccess:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidAccessToken("Send the link's access token: Authorization: Bearer …")
    services = app_services(request)
    access = await linking.authenticate_access_token(
        uow=services.read_uow(), policy=await linking_policy(request), token=token
    )
    if scope not in access.scopes or access.shopper_id is None:
        raise StreamingNotLinked(f"These events need a shopper's link with {scope}.")
    return access


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN / Infinity: JSON has no such numbers


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body(), parse_constant=_no_constants)
    except ValueError:
        raise GatewayRequestInvalid("The body is not JSON (or carries NaN/Infinity).") from None


@router.post(
    "/partner/v1/devices/events",
    status_code=202,
    summary="Event gateway: Alexa-shaped ChangeReports from device makers",
    responses={s: {"description": d, **PROBLEM} for s, d in (
        (400, "INVALID_REQUEST_EXCEPTION"), (401, "INVALID_ACCESS_TOKEN_EXCEPTION"),
        (403, "INSUFFICIENT_PERMISSION_EXCEPTION or SKILL_DISABLED_EXCEPTION"),
    )},
)  # fmt: skip
async def device_events(request: Request) -> JSONResponse:
    """ChangeReports: enforce the grant, store what it allows, drop the rest. Discovery
    reports: record the shopper's devices, report flags beyond the grant."""
    try:
        body = await _body(request)
        if service.is_discovery_event(body):
            return await _discovery(request, body)
        access = await _access(request, STREAM_SCOPE)
        assert access.shopper_id is not None
        ingested = await service.ingest_change_report(
            uow=app_services(request).uow(), shopper_id=access.shopper_id,
            partner_id=access.partner_id, body=body,
        )  # fmt: skip
    except DomainError as error:
        error.extra["payload"] = {"code": _alexa_code(error), "description": error.detail}
        raise
    return JSONResponse({"stored": ingested.stored, "dropped": ingested.dropped}, status_code=202)


async def _discovery(request: Request, body: Any) -> JSONResponse:
    access = await _access(request, COMMAND_SCOPE)
    assert access.shopper_id is not None
    result = await service.ingest_discovery_event(
        uow=app_services(request).uow(), shopper_id=access.shopper_id,
        partner_id=access.partner_id, body=body,
    )  # fmt: skip
    return JSONResponse(
        {"stored": result.stored, "removed": result.removed,
         "inconsistent": list(result.inconsistent)},
        status_code=202,
    )  # fmt: skip
