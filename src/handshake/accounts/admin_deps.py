"""The operator of a dashboard page (``/admin/…``): signed in with an operator web session.

Unlike ``CurrentOperator`` (JSON APIs: 401/403 problems, API keys accepted), a page sends a
visitor who is not signed in to the operator sign-in form and back afterwards; a shopper's
session still gets 403 ``not_an_operator``, before the page does anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request

from handshake.accounts import service
from handshake.accounts.deps import SessionToken
from handshake.accounts.errors import OperatorAuthRequired
from handshake.accounts.principals import OperatorPrincipal
from handshake.db.uow import UnitOfWork
from handshake.web.deps import ReadUow, WriteUow, app_services

SIGNIN_PATH = "/admin/signin"


def signin_location(request: Request) -> str:
    """The sign-in form, coming back to this page (to /admin after a form post)."""
    target = request.url.path if request.method == "GET" else "/admin"
    if request.method == "GET" and request.url.query:
        target = f"{target}?{request.url.query}"
    return f"{SIGNIN_PATH}?{urlencode({'next': target})}"


async def page_operator(request: Request, token: SessionToken) -> OperatorPrincipal:
    """The signed-in operator; otherwise a redirect to sign in (403 for a shopper session)."""
    if token is not None:
        try:
            return await service.operator_for_session(
                uow=app_services(request).read_uow(), token=token
            )
        except OperatorAuthRequired:
            pass  # an expired or unknown session: sign in again
    raise HTTPException(
        status_code=303,
        detail="Sign in as an operator.",
        headers={"Location": signin_location(request)},
    )


PageOperator = Annotated[OperatorPrincipal, Depends(page_operator)]


@dataclass(frozen=True)
class AdminPost:
    """A dashboard form post: its request, its operator, units of work to change and to re-read."""

    request: Request
    operator: OperatorPrincipal
    uow: UnitOfWork
    reader: UnitOfWork


async def admin_post(
    request: Request, operator: PageOperator, uow: WriteUow, reader: ReadUow
) -> AdminPost:
    """The posted dashboard form, once its operator is checked."""
    return AdminPost(request, operator, uow, reader)


PagePost = Annotated[AdminPost, Depends(admin_post)]
