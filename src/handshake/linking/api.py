"""OAuth endpoints (token, revocation, introspection, metadata), the shopper's links API and
the partner's view of its linked shopper.

OAuth endpoints answer in RFC 6749's error format (``{"error": "invalid_grant"}``), as OAuth
client libraries expect; everything else answers problem+json.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from handshake.accounts.deps import CurrentShopper
from handshake.linking import service
from handshake.linking.deps import Policy, require_scopes
from handshake.linking.oauth_http import to_oauth_request, to_response
from handshake.linking.schemas import LinkOut, PartnerShopperOut
from handshake.linking.service import PartnerAccess
from handshake.partners.deps import parse_basic_credentials
from handshake.web.client_address import client_network_key
from handshake.web.deps import ReadUow, WriteUow
from handshake.web.i18n import negotiate_locale
from handshake.web.routing import DomainRouter
from handshake.web.throttling import rate_limited

router = DomainRouter()
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
OAUTH_ERROR: dict[str, Any] = {"content": {"application/json": {}}}


def _form_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


STRING: dict[str, Any] = {"type": "string", "maxLength": 2000}
TOKEN_FORM = _form_body(
    {
        "grant_type": {
            "type": "string",
            "enum": ["authorization_code", "refresh_token", "client_credentials"],
        },
        "code": STRING,
        "redirect_uri": STRING,
        "code_verifier": STRING,
        "refresh_token": STRING,
        "scope": STRING,
        "client_id": STRING,
        "client_secret": STRING,
    },
    ["grant_type"],
)
TOKEN_INPUT_FORM = _form_body(
    {
        "token": STRING,
        "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
        "client_id": STRING,
        "client_secret": STRING,
    },
    ["token"],
)
OAUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "OAuth error (RFC 6749 §5.2)", **OAUTH_ERROR},
    401: {"description": "Client authentication failed", **OAUTH_ERROR},
}


async def token_rate_key(request: Request) -> str:
    """Token requests are limited per OAuth client and client address."""
    basic = parse_basic_credentials(request.headers.get("Authorization"))
    form = await request.form()  # Starlette caches it: the endpoint still reads the body
    client_id = basic.username if basic else str(form.get("client_id") or "-")
    return f"{client_id}|{client_network_key(request)}"


@router.post(
    "/oauth/token",
    tags=["oauth"],
    openapi_extra=TOKEN_FORM,
    responses={
        **OAUTH_RESPONSES,
        429: {"description": "Too many token requests (see Retry-After)", **PROBLEM},
    },
    dependencies=[Depends(rate_limited("token", key=token_rate_key))],
    summary="Token endpoint (RFC 6749 §3.2)",
)
async def token_endpoint(request: Request, uow: WriteUow, policy: Policy) -> Response:
    """Exchange a code (with its PKCE verifier), rotate a refresh token, or get a client token."""
    oauth_request = await to_oauth_request(request, policy)
    return to_response(await service.exchange_token(uow=uow, policy=policy, request=oauth_request))


@router.post(
    "/oauth/revoke",
    tags=["oauth"],
    openapi_extra=TOKEN_INPUT_FORM,
    responses=OAUTH_RESPONSES,
    summary="Token revocation (RFC 7009)",
)
async def revocation_endpoint(request: Request, uow: WriteUow, policy: Policy) -> Response:
    """Revoke an access token, or a refresh token, which ends the shopper's link."""
    oauth_request = await to_oauth_request(request, policy)
    return to_response(await service.revoke_token(uow=uow, policy=policy, request=oauth_request))


@router.post(
    "/oauth/introspect",
    tags=["oauth"],
    openapi_extra=TOKEN_INPUT_FORM,
    responses=OAUTH_RESPONSES,
    summary="Token introspection (RFC 7662)",
)
async def introspection_endpoint(request: Request, uow: ReadUow, policy: Policy) -> Response:
    """Whether a token of your partner is active, with its scope, subject and expiry."""
    oauth_request = await to_oauth_request(request, policy)
    response = await service.introspect_token(uow=uow, policy=policy, request=oauth_request)
    return to_response(response)


@router.get(
    "/.well-known/oauth-authorization-server",
    tags=["oauth"],
    summary="Authorization server metadata (RFC 8414)",
)
async def server_metadata(policy: Policy) -> dict[str, Any]:
    """Endpoints, grant types, scopes and PKCE methods of this server."""
    return service.server_metadata(policy)


def _language(request: Request) -> str:
    return negotiate_locale(
        query=request.query_params.get("lang"),
        cookie=request.cookies.get("hs_lang"),
        accept_language=request.headers.get("accept-language"),
    )


LINK_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in", **PROBLEM},
    404: {"description": "No such link", **PROBLEM},
}


@router.get("/api/v1/me/links", tags=["linking"], responses=LINK_ERRORS)
async def list_my_links(request: Request, shopper: CurrentShopper, uow: ReadUow) -> list[LinkOut]:
    """Every app the shopper linked: scopes, purpose, last use, recent activity, receipts."""
    views = await service.list_links(uow=uow, shopper_id=shopper.id)
    language = _language(request)
    return [LinkOut.of(view, language) for view in views]


@router.get("/api/v1/me/links/{link_id}", tags=["linking"], responses=LINK_ERRORS)
async def get_my_link(
    link_id: str, request: Request, shopper: CurrentShopper, uow: ReadUow
) -> LinkOut:
    """One linked app with its full history."""
    view = await service.get_link(uow=uow, shopper_id=shopper.id, grant_id=link_id)
    return LinkOut.of(view, _language(request))


@router.delete(
    "/api/v1/me/links/{link_id}", tags=["linking"], status_code=200, responses=LINK_ERRORS
)
async def unlink_my_link(
    link_id: str, request: Request, shopper: CurrentShopper, uow: WriteUow, policy: Policy
) -> LinkOut:
    """Unlink the app: its tokens stop working now and it receives ``link.revoked``."""
    await service.unlink(uow=uow, policy=policy, shopper_id=shopper.id, grant_id=link_id)
    view = await service.get_link(uow=uow, shopper_id=shopper.id, grant_id=link_id)
    return LinkOut.of(view, _language(request))


@router.get(
    "/api/v1/me/links/{link_id}/receipts/{receipt_id}",
    tags=["linking"],
    responses=LINK_ERRORS,
)
async def download_receipt(
    link_id: str, receipt_id: str, shopper: CurrentShopper, uow: ReadUow
) -> Response:
    """The consent receipt as a JSON file."""
    receipt = await service.get_receipt(
        uow=uow, shopper_id=shopper.id, grant_id=link_id, receipt_id=receipt_id
    )
    return Response(
        content=json.dumps(receipt.document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="consent-receipt-{receipt.id}.json"'
        },
    )


@router.get(
    "/partner/v1/shopper",
    tags=["partner"],
    responses={401: {"description": "Invalid token", **PROBLEM}, 403: {**PROBLEM}},
)
async def linked_shopper(
    access: Annotated[PartnerAccess, Depends(require_scopes("profile"))], uow: ReadUow
) -> PartnerShopperOut:
    """The linked shopper's name and membership status (scope ``profile``)."""
    profile = await service.shopper_profile(uow=uow, access=access)
    return PartnerShopperOut(
        sub=profile.sub,
        name=profile.name,
        is_member=profile.is_member,
        membership_tier=profile.membership_tier,
    )
