"""The HTTP conventions of the Agentic Commerce Protocol, for every ACP route of this store.

* ``API-Version`` is required and must be one we speak (400 ``missing_api_version`` /
  ``unsupported_api_version`` with ``supported_versions``).
* Errors are the protocol's flat ``{type, code, message, param}`` objects, not problem+json;
  ``type`` is ``invalid_request`` for 4xx, ``processing_error`` for 500 and
  ``service_unavailable`` for 503.
* ``Request-Id`` and ``Idempotency-Key`` are echoed on every answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from handshake.agentic.errors import MissingApiVersion, UnsupportedApiVersion
from handshake.kernel.errors import DomainError
from handshake.web.problems import STATUS_BY_CATEGORY

log = structlog.get_logger(__name__)

PINNED_VERSION = "2026-04-17"
SUPPORTED_VERSIONS = (PINNED_VERSION,)
ECHOED = ("Request-Id", "Idempotency-Key")
SIZED = frozenset({"content-length", "content-type"})
# Our stable codes that the protocol names otherwise.
ACP_CODES = {
    "payment_authentication_required": "requires_3ds",
    "shopper_token_required": "requires_sign_in",
}
# Statuses the protocol fixes for some errors (cancelling a closed session is 405).
ACP_STATUSES = {"session_not_cancelable": 405}


def check_api_version(value: str | None) -> str:
    """The version to answer in; raises when missing or not supported."""
    if value is None or not value.strip():
        raise MissingApiVersion(
            "Send the API-Version header.", extra={"supported_versions": list(SUPPORTED_VERSIONS)}
        )
    if value.strip() not in SUPPORTED_VERSIONS:
        raise UnsupportedApiVersion(
            f"API-Version {value.strip()!r} is not supported.",
            extra={"supported_versions": list(SUPPORTED_VERSIONS)},
        )
    return value.strip()


def error_type(status: int) -> str:
    """The protocol's error type for an HTTP status."""
    if status == 503:
        return "service_unavailable"
    return "processing_error" if status >= 500 else "invalid_request"


def error_body(status: int, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    """A protocol Error object."""
    body: dict[str, Any] = {"type": error_type(status), "code": code, "message": message}
    if param is not None:
        body["param"] = param
    return body


def domain_error_response(exc: DomainError) -> JSONResponse:
    """A domain error as a protocol Error (``Retry-After`` kept when it has one)."""
    status = ACP_STATUSES.get(exc.code, STATUS_BY_CATEGORY.get(exc.category, 400))
    body = error_body(status, ACP_CODES.get(exc.code, exc.code), exc.detail)
    param = exc.extra.get("param")
    if isinstance(param, str):
        body["param"] = param
    versions = exc.extra.get("supported_versions")
    if isinstance(versions, list):
        body["supported_versions"] = versions
    headers = {}
    retry_after = getattr(exc, "retry_after_seconds", None)
    if isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    challenge = getattr(exc, "challenge", None)
    if status == 401:
        headers["WWW-Authenticate"] = challenge or 'Bearer realm="handshake"'
    elif status == 403 and isinstance(challenge, str):
        headers["WWW-Authenticate"] = challenge  # RFC 6750 §3.1: the scope the token lacks
    return JSONResponse(body, status_code=status, headers=headers)


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """A framework refusal inside a route (a body that is not JSON…) as a protocol Error."""
    status = exc.status_code
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "invalid")
    code = code if status < 500 else "internal_error"
    detail = exc.detail if isinstance(exc.detail, str) else "Bad request."
    return JSONResponse(error_body(status, code, detail), status, headers=dict(exc.headers or {}))


async def domain_error_answer(request: Request, exc: Exception) -> Response:
    """``domain_error_response`` with the signature of an exception handler."""
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


def json_path(location: tuple[Any, ...] | list[Any]) -> str:
    """A Pydantic error location as an RFC 9535 JSONPath (``$.line_items[0].id``)."""
    parts = list(location)
    if parts and parts[0] == "body":
        parts = parts[1:]
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validation_response(exc: RequestValidationError) -> JSONResponse:
    """The first invalid field as a 400 ``invalid`` error with its JSONPath."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = first.get("loc", ())
    if location and location[0] == "header":
        return JSONResponse(error_body(400, "invalid", f"Bad header: {first.get('msg')}"), 400)
    # A body that is not JSON at all points at the whole body, not at a character position.
    param = "$" if first.get("type") == "json_invalid" else json_path(location)
    message = f"{param}: {first.get('msg', 'invalid')}"
    return JSONResponse(error_body(400, "invalid", message, param), status_code=400)


def _echo(request: Request, response: Response) -> Response:
    for name in ECHOED:
        value = request.headers.get(name)
        if value is not None and value.isprintable() and len(value) <= 255:
            response.headers[name] = value
    return response


# delegate_payment's Error has a closed list of codes (and no supported_versions member).
PSP_CODES = frozenset({
    "invalid_card", "duplicate_request", "idempotency_conflict", "too_many_requests",
    "idempotency_key_required", "idempotency_in_flight",
})  # fmt: skip


def psp_error(response: Response) -> Response:
    """A protocol Error in delegate_payment's terms: invalid input is ``invalid_card``."""
    if response.status_code < 400 or not isinstance(response, JSONResponse):
        return response
    body = json.loads(bytes(response.body))
    body.pop("supported_versions", None)
    if response.status_code == 429:
        body["type"], body["code"] = "rate_limit_exceeded", "too_many_requests"
    elif response.status_code in (400, 409, 422) and body.get("code") not in PSP_CODES:
        body["code"] = "invalid_card"
    headers = {k: v for k, v in response.headers.items() if k.lower() not in SIZED}
    return JSONResponse(body, status_code=response.status_code, headers=headers)


async def psp_error_answer(request: Request, exc: Exception) -> Response:
    """:func:`psp_error` of a domain error, with the signature of an exception handler."""
    return psp_error(await domain_error_answer(request, exc))


def unrouted_answer(request: Request, exc: StarletteHTTPException) -> Response:
    """The framework's own refusal (no such route, wrong method) of an ACP path."""
    return _echo(request, http_error_response(exc))


class AcpRoute(APIRoute):
    """A route answering in the protocol's conventions, whatever goes wrong inside it."""

    def adapt_error(self, response: Response) -> Response:
        """Hook: the error answer as this route's API spells it."""
        return response

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler wrapped: protocol errors and echoed headers."""
        handler = super().get_route_handler()

        async def acp_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except DomainError as exc:
                response = domain_error_response(exc)
            except RequestValidationError as exc:
                response = validation_response(exc)
            except StarletteHTTPException as exc:
                response = http_error_response(exc)
            except Exception:
                log.exception("acp_unhandled_error", path=request.url.path)
                message = "Something went wrong on our side; retry with the same Idempotency-Key."
                response = JSONResponse(error_body(500, "internal_error", message), 500)
            return _echo(request, self.adapt_error(response))

        return acp_handler


class PspRoute(AcpRoute):
    """A route of the delegated-payment API (its closed error codes)."""

    def adapt_error(self, response: Response) -> Response:
        """The answer with delegate_payment's error codes."""
        return psp_error(response)
