"""RFC 9457 problem+json for every error, with a stable ``code`` clients can switch on."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from handshake.kernel.errors import DomainError, RateLimited, Unauthenticated

log = structlog.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://handshake.dev/problems/"

STATUS_BY_CATEGORY: dict[str, int] = {
    "bad_request": 400,
    "not_found": 404,
    "conflict": 409,
    "permission_denied": 403,
    "unauthenticated": 401,
    "invalid_input": 422,
    "rate_limited": 429,
    "unavailable": 503,
}

HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; extension members are added at the top level (RFC 9457 §3.2).

    Extensions never replace the standard members (``type``, ``status``, ``code``…).
    """
    body = problem_document(
        status=status, code=code, title=title, detail=detail, instance=instance,
        extensions={**(extensions or {}), **extra},
    )  # fmt: skip
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_document(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The members of a problem (RFC 9457), for a response body or an event's data."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    for name, value in (extensions or {}).items():
        body.setdefault(name, value)
    return body


# Paths whose callers are programs: they always get problem+json, whatever they accept.
MACHINE_PATHS = ("/api/", "/partner/v1/", "/oauth/token", "/oauth/revoke", "/oauth/introspect",
                 "/.well-known/", "/healthz", "/readyz", "/metrics")  # fmt: skip


def wants_html(request: Request) -> bool:
    """Whether a person's browser asked for a page (not a program, nor an htmx fragment)."""
    if request.url.path.startswith(MACHINE_PATHS) or "hx-request" in request.headers:
        return False
    return request.headers.get("accept", "").startswith("text/html")


def negotiated(request: Request, problem: JSONResponse) -> Response:
    """``problem`` as it is, or as an HTML page with the same status for a browser."""
    if not wants_html(request) or not hasattr(request.app.state, "templates"):
        return problem
    body = json.loads(bytes(problem.body))
    headers = {k: v for k, v in problem.headers.items() if k.lower() in PASSED_HEADERS}
    try:
        page: Response = request.app.state.templates.render(
            request, "web/problem.html", {"problem": body}, status_code=problem.status_code
        )
    except Exception:  # the page must never hide the error it reports
        log.exception("problem_page_failed", path=request.url.path)
        return problem
    page.headers.update(headers)
    return page


PASSED_HEADERS = frozenset({"retry-after", "www-authenticate"})


def _request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return str(value) if value else None


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    """Map a kernel error category to its HTTP status."""
    assert isinstance(exc, DomainError)
    status = STATUS_BY_CATEGORY.get(exc.category, 400)
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after_seconds", None)
    if isinstance(exc, RateLimited) or isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        challenge = exc.challenge if isinstance(exc, Unauthenticated) else None
        headers["WWW-Authenticate"] = challenge or 'Bearer realm="handshake"'
    elif status == 403 and isinstance(getattr(exc, "challenge", None), str):
        # RFC 6750 §3.1: a bearer token lacking a scope is told so in the challenge too.
        headers["WWW-Authenticate"] = exc.challenge  # type: ignore[attr-defined]
    return negotiated(
        request,
        problem_response(
            status=status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            headers=headers,
            request_id=_request_id(request),
            extensions=exc.extra,
        ),
    )


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        source, rest = parts[0], parts[1:]
        return f"{source}.{'.'.join(rest)}" if rest else source
    return ".".join(parts)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """422 listing each invalid field and why."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field_path(err.get("loc", ())),
            "message": err.get("msg", "invalid"),
            "type": err.get("type", "value_error"),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors) or "request"
    return negotiated(
        request,
        problem_response(
            status=422,
            code="validation_failed",
            title="Invalid request",
            detail=f"Some fields are invalid: {fields}.",
            instance=request.url.path,
            request_id=_request_id(request),
            errors=errors,
        ),
    )


# Path prefixes whose APIs answer errors in another format (the Agentic Commerce Protocol's
# flat objects): the framework's own refusals there (404, 405) speak it too.
HttpErrorDialect = Callable[[Request, StarletteHTTPException], Response]
_dialects: dict[str, HttpErrorDialect] = {}


def speak_errors_under(prefix: str, dialect: HttpErrorDialect) -> None:
    """Answer framework HTTP errors of paths under ``prefix`` with ``dialect``."""
    _dialects[prefix] = dialect


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Framework HTTP errors (unknown route, wrong method…) as problems too."""
    assert isinstance(exc, StarletteHTTPException)
    for prefix, dialect in _dialects.items():
        if request.url.path.startswith(prefix):
            return dialect(request, exc)
    status = exc.status_code
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return negotiated(
        request,
        problem_response(
            status=status,
            code=HTTP_CODES.get(status, f"http_{status}"),
            title=phrase,
            detail=detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
            request_id=_request_id(request),
        ),
    )


async def unhandled_error_handler(request: Request, exc: Exception) -> Response:
    """Anything unexpected: log it with the request id, answer a generic 500 problem."""
    log.exception("unhandled_error", path=request.url.path)
    return negotiated(
        request,
        problem_response(
            status=500,
            code="internal_error",
            title="Internal server error",
            detail="Something went wrong on our side; the request id helps us find it.",
            instance=request.url.path,
            request_id=_request_id(request),
        ),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register every handler on ``app``."""
    app.add_exception_handler(DomainError, domain_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unhandled_error_handler)
