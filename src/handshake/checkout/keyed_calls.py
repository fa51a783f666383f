"""Idempotency-Key handling of mutating checkout calls (the Agentic Commerce Protocol's rules).

Keys are scoped to the caller (partner and shopper) and the endpoint. A call with a key is
claimed first: a replay returns the first answer as it was (``Idempotent-Replayed: true``),
nothing runs again. A 4xx answer is kept like a success (the same request would fail the same
way), except a transient one carrying ``Retry-After``; 5xx answers and crashes release the key so
a retry runs afresh. Completion stores its success answer in the order's own transaction; the
other calls store it right after theirs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from handshake.idempotency import service as idempotency
from handshake.idempotency.service import IdempotentRequest, StoredAnswer
from handshake.kernel.errors import DomainError
from handshake.web.deps import app_services
from handshake.web.problems import PROBLEM_JSON, domain_error_handler

REPLAYED = "Idempotent-Replayed"


@dataclass(frozen=True)
class Answer:
    """A JSON answer; ``kept`` when the service already stored it under the key."""

    status_code: int
    body: Any
    kept: bool = False


KeyedRun = Callable[[IdempotentRequest | None], Awaitable[Answer]]
ErrorRenderer = Callable[[Request, Exception], Awaitable[Response]]


def _replay(stored: StoredAnswer, error_media: str) -> Response:
    media = error_media if stored.status_code >= 400 else "application/json"
    return JSONResponse(
        stored.body, status_code=stored.status_code, media_type=media, headers={REPLAYED: "true"}
    )


async def _body(request: Request) -> Any:
    raw = await request.body()
    return json.loads(raw) if raw else None


async def keyed_call(
    request: Request,
    *,
    scope: str,
    key: str | None,
    run: KeyedRun,
    required: bool = False,
    lease: timedelta = idempotency.DEFAULT_LEASE,
    render_error: ErrorRenderer = domain_error_handler,
    error_media: str = PROBLEM_JSON,
) -> Response:
    """Run ``run`` once per key (when a key is given, or ``required``).

    ``render_error`` turns a domain error into the answer (and the kept answer to replay):
    problem+json by default, the Agentic Commerce Protocol's error objects on its routes.
    """
    if key is None and not required:
        answer = await run(None)
        return JSONResponse(answer.body, status_code=answer.status_code)
    keyed = idempotency.keyed_request(scope=scope, key=key, body=await _body(request))
    services = app_services(request)
    stored = await idempotency.claim(uow=services.uow(), request=keyed, lease=lease)
    if stored is not None:
        return _replay(stored, error_media)
    try:
        answer = await run(keyed)
    except DomainError as exc:
        response = await render_error(request, exc)
        transient = getattr(exc, "retry_after_seconds", None) is not None
        if response.status_code < 500 and not transient:
            body = json.loads(bytes(response.body))
            await idempotency.record_answer(
                uow=services.uow(), request=keyed, status_code=response.status_code, body=body
            )
        else:
            await idempotency.release(uow=services.uow(), request=keyed)
        return response
    except BaseException:
        await idempotency.release(uow=services.uow(), request=keyed)
        raise
    if not answer.kept:
        await idempotency.record_answer(
            uow=services.uow(), request=keyed, status_code=answer.status_code, body=answer.body
        )
    return JSONResponse(answer.body, status_code=answer.status_code)
