"""The connector's small ASGI app: ``POST /directives`` (signed by the platform) and health.

Every directive must carry a valid Standard Webhooks signature made with the ``whsec_`` secret
the operator got when registering the directive URL, and be under 5 minutes old; a signed
directive is accepted once (its ``webhook-id``), so a captured ``Unlock`` cannot be replayed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

import structlog
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from handshake.connector.directives import DirectiveHandler

log = structlog.get_logger(__name__)
MAX_BODY_BYTES = 256 * 1024
# Older signatures are refused by their timestamp (5 minutes): remembering ids a bit longer
# than that is enough.
REPLAY_WINDOW_SECONDS = 600.0
MAX_REMEMBERED_IDS = 100_000


class ReplayGuard:
    """Remembers recent message ids so each signed directive runs at most once."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._monotonic = monotonic

    def first_time(self, message_id: str) -> bool:
        """Whether ``message_id`` is new (and remember it)."""
        now = self._monotonic()
        while self._seen and (
            len(self._seen) >= MAX_REMEMBERED_IDS
            or now - next(iter(self._seen.values())) > REPLAY_WINDOW_SECONDS
        ):
            self._seen.popitem(last=False)
        if message_id in self._seen:
            return False
        self._seen[message_id] = now
        return True


def _problem(status: int, code: str, detail: str) -> JSONResponse:
    body = {"status": status, "code": code, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def create_directive_app(handler: DirectiveHandler, secret: str) -> Starlette:
    """The ASGI app answering signed directives with ``handler``."""
    webhook, replays = Webhook(secret), ReplayGuard()

    async def directives(request: Request) -> JSONResponse:
        """Verify, then answer one directive."""
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _problem(413, "payload_too_large", "A directive is at most 256 KiB.")
        try:
            document = webhook.verify(body, dict(request.headers))
        except WebhookVerificationError as exc:
            log.warning("connector.directive_signature_refused", error=str(exc))
            return _problem(401, "invalid_signature", "The directive's signature is not valid.")
        except ValueError:
            return _problem(400, "invalid_json", "The directive is not JSON.")
        if not replays.first_time(request.headers["webhook-id"]):
            return _problem(409, "replayed", "This directive was already received.")
        return JSONResponse(await handler.handle(document))

    async def healthz(request: Request) -> JSONResponse:
        """Alive."""
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/directives", directives, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
