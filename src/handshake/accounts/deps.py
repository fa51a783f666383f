"""FastAPI dependencies other domains use to know who is calling.

- ``CurrentShopper``: the shopper of the web session cookie (401 ``not_signed_in`` otherwise).
- ``OptionalShopper``: the same, or None.
- ``CurrentOperator``: an operator API key (``Authorization: Bearer hsk_…``) or an operator web
  session (401 ``operator_auth_required``; 403 ``not_an_operator`` for a shopper session).

Sessions and keys are read from the database on every request, so sign-out, erasure and key
revocation take effect at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from handshake.accounts import service
from handshake.accounts.errors import NotSignedIn, OperatorAuthRequired
from handshake.accounts.principals import OperatorPrincipal, ShopperPrincipal
from handshake.web.deps import AppSettings, ReadUow, app_services

operator_bearer = HTTPBearer(
    scheme_name="OperatorApiKey",
    description="Operator API key `hsk_<keyid>_<secret>` (`handshake operators api-key`).",
    auto_error=False,
)


async def session_token(request: Request, settings: AppSettings) -> str | None:
    """The web session cookie's token, if any."""
    return request.cookies.get(settings.security.session_cookie) or None


SessionToken = Annotated[str | None, Depends(session_token)]


async def optional_shopper(token: SessionToken, uow: ReadUow) -> ShopperPrincipal | None:
    """The signed-in shopper, or None."""
    if token is None:
        return None
    return await service.shopper_for_session(uow=uow, token=token)


async def current_shopper(
    shopper: Annotated[ShopperPrincipal | None, Depends(optional_shopper)],
) -> ShopperPrincipal:
    """The signed-in shopper; 401 ``not_signed_in`` otherwise."""
    if shopper is None:
        raise NotSignedIn("Sign in to continue.")
    return shopper


async def current_operator(
    request: Request,
    token: SessionToken,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(operator_bearer)],
) -> OperatorPrincipal:
    """The operator of the API key or operator session; 401/403 otherwise."""
    services = app_services(request)
    if bearer is not None:
        principal, due = await service.authenticate_api_key(
            uow=services.read_uow(), key=bearer.credentials
        )
        if due and principal.api_key_id is not None:
            await service.touch_api_key(uow=services.uow(), key_id=principal.api_key_id)
        return principal
    if "authorization" in request.headers or token is None:
        raise OperatorAuthRequired("Send an operator API key (Authorization: Bearer hsk_…).")
    return await service.operator_for_session(uow=services.read_uow(), token=token)


CurrentShopper = Annotated[ShopperPrincipal, Depends(current_shopper)]
OptionalShopper = Annotated[ShopperPrincipal | None, Depends(optional_shopper)]
CurrentOperator = Annotated[OperatorPrincipal, Depends(current_operator)]
