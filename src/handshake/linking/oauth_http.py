"""Translation between FastAPI requests/responses and aioauth's framework-free ones."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from aioauth.collections import HTTPHeaderDict
from aioauth.requests import Post, Query
from aioauth.requests import Request as OAuthRequest
from aioauth.responses import Response as OAuthResponse
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from handshake.linking.oauth_server import response_body
from handshake.linking.service import LinkingPolicy, oauth_settings

QUERY_FIELDS = frozenset(f.name for f in fields(Query))
POST_FIELDS = frozenset(f.name for f in fields(Post))
FORM_TYPE = "application/x-www-form-urlencoded"


async def _form_values(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method != "POST" or content_type != FORM_TYPE:
        return {}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def to_oauth_request(
    request: Request, policy: LinkingPolicy, *, query: dict[str, str] | None = None
) -> OAuthRequest:
    """An aioauth request from a FastAPI one (``query`` overrides the URL's parameters)."""
    params = query if query is not None else dict(request.query_params)
    posted = await _form_values(request)
    values: dict[str, Any] = {k: v for k, v in params.items() if k in QUERY_FIELDS}
    return OAuthRequest(
        method="POST" if request.method == "POST" else "GET",
        query=Query(**values),
        post=Post(**{k: v for k, v in posted.items() if k in POST_FIELDS}),  # type: ignore[arg-type]
        headers=HTTPHeaderDict(**dict(request.headers)),  # type: ignore[no-untyped-call]
        url=str(request.url),
        settings=oauth_settings(policy),
    )


def to_response(response: OAuthResponse) -> Response:
    """A FastAPI response with aioauth's status, headers and an RFC 6749-shaped body."""
    headers = {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower() not in {"content-type", "content-length"}
    }
    headers.setdefault("cache-control", "no-store")
    headers.setdefault("pragma", "no-cache")
    if not response.content:
        return Response(status_code=int(response.status_code), headers=headers)
    return JSONResponse(
        response_body(response), status_code=int(response.status_code), headers=headers
    )
