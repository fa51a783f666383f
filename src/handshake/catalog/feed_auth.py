"""Operator authentication for feed URLs: Bearer, or HTTP Basic carrying an operator API key.

Scheduled fetchers (Google Merchant Center, Meta) can only send a user name and password, so the
feed URL also accepts ``Authorization: Basic base64(anything:<operator API key>)``. The key is
handed to the regular operator check as a Bearer token, so there is one place that verifies keys.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from handshake.accounts.deps import CurrentOperator
from handshake.accounts.principals import OperatorPrincipal


def basic_password(authorization: str) -> str | None:
    """The password of a ``Basic`` authorization value, or None when it is not one."""
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None


async def basic_as_bearer(request: Request) -> None:
    """Rewrite a Basic authorization into Bearer before the operator check reads it."""
    password = basic_password(request.headers.get("authorization", ""))
    if password is None:
        return
    headers = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"authorization"]
    headers.append((b"authorization", f"Bearer {password}".encode("latin-1", "replace")))
    request.scope["headers"] = headers
    # Starlette caches parsed headers on the request; drop the cache so later readers see Bearer.
    request.__dict__.pop("_headers", None)


async def feed_operator(
    _rewritten: Annotated[None, Depends(basic_as_bearer)], operator: CurrentOperator
) -> OperatorPrincipal:
    """The operator behind a Bearer or Basic feed request."""
    return operator


# Declared after ``basic_as_bearer`` in ``feed_operator`` so FastAPI runs the rewrite first.
FeedOperator = Annotated[OperatorPrincipal, Depends(feed_operator)]
