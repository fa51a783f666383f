"""JSON sign-up, sign-in and sign-out (shoppers), and operator sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request, Response

from handshake.accounts import service
from handshake.accounts.deps import SessionToken
from handshake.accounts.schemas import SessionOut, SignInIn, SignUpIn
from handshake.accounts.session_cookie import clear_session_cookie, set_session_cookie
from handshake.web.deps import AppSettings, WriteUow
from handshake.web.routing import DomainRouter
from handshake.web.throttling import rate_limited

router = DomainRouter(tags=["accounts"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
# Per client address, checked before the handler touches the database; complements the
# per-account lockout (which stops guessing one password from many addresses).
SIGN_IN_LIMIT = Depends(rate_limited("sign_in"))


def _responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": text, **PROBLEM} for status, text in described.items()}


@router.post(
    "/api/v1/auth/signup",
    summary="Create a shopper account and sign in",
    status_code=201,
    response_model=SessionOut,
    responses=_responses(
        {403: "CSRF check failed", 409: "E-mail already used", 422: "Invalid e-mail or password"}
    ),
)
async def signup(
    body: SignUpIn,
    request: Request,
    response: Response,
    uow: WriteUow,
    settings: AppSettings,
    token: SessionToken,
) -> SessionOut:
    """Sign up; the session cookie is set on the response."""
    signed = await service.sign_up_and_sign_in(
        uow=uow,
        email=body.email,
        password=body.password,
        name=body.name,
        locale=body.locale,
        policy=service.AuthPolicy.from_settings(settings.security),
        user_agent=request.headers.get("user-agent"),
        replaces_token=token,
    )
    set_session_cookie(response, settings, signed.session.token, signed.session.expires_at)
    return SessionOut(id=signed.shopper.id, kind="shopper", expires_at=signed.session.expires_at)


@router.post(
    "/api/v1/auth/signin",
    summary="Sign in as a shopper",
    response_model=SessionOut,
    dependencies=[SIGN_IN_LIMIT],
    responses=_responses(
        {
            401: "Wrong e-mail or password",
            403: "CSRF check failed",
            422: "Invalid request",
            429: "Too many attempts from this address, or account locked (see Retry-After)",
        }
    ),
)
async def signin(
    body: SignInIn,
    request: Request,
    response: Response,
    uow: WriteUow,
    settings: AppSettings,
    token: SessionToken,
) -> SessionOut:
    """Check the password and start a new session (a new id on every sign-in)."""
    issued = await service.sign_in(
        uow=uow,
        email=body.email,
        password=body.password,
        policy=service.AuthPolicy.from_settings(settings.security),
        user_agent=request.headers.get("user-agent"),
        replaces_token=token,
    )
    set_session_cookie(response, settings, issued.token, issued.expires_at)
    return SessionOut(id=issued.principal_id, kind="shopper", expires_at=issued.expires_at)


@router.post(
    "/api/v1/admin/auth/signin",
    summary="Sign in as an operator (web session)",
    response_model=SessionOut,
    dependencies=[SIGN_IN_LIMIT],
    responses=_responses(
        {
            401: "Wrong e-mail or password",
            403: "CSRF check failed",
            429: "Too many attempts from this address, or locked out (see Retry-After)",
        }
    ),
)
async def operator_signin(
    body: SignInIn,
    request: Request,
    response: Response,
    uow: WriteUow,
    settings: AppSettings,
    token: SessionToken,
) -> SessionOut:
    """Operator sign-in (same throttling as shoppers, separate accounts)."""
    issued = await service.sign_in_operator(
        uow=uow,
        email=body.email,
        password=body.password,
        policy=service.AuthPolicy.from_settings(settings.security),
        user_agent=request.headers.get("user-agent"),
        replaces_token=token,
    )
    set_session_cookie(response, settings, issued.token, issued.expires_at)
    return SessionOut(id=issued.principal_id, kind="operator", expires_at=issued.expires_at)


@router.post(
    "/api/v1/auth/signout",
    summary="Sign out (end this session)",
    status_code=204,
    response_class=Response,
    responses=_responses({403: "CSRF check failed"}),
)
async def signout(uow: WriteUow, settings: AppSettings, token: SessionToken) -> Response:
    """Delete the session server-side and clear the cookie."""
    if token:
        await service.end_session(uow=uow, token=token)
    response = Response(status_code=204)
    clear_session_cookie(response, settings)
    return response
