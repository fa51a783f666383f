"""The partner's webhook inbox: Standard Webhooks signatures checked, each event kept once."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.requests import Request

from handshake.kernel import clock

MAX_LOGGED = 200


class BadSignature(Exception):
    """The request is not a webhook signed by the platform (answer 401)."""


@dataclass(frozen=True)
class ReceivedEvent:
    """One webhook the app accepted."""

    id: str
    type: str
    received_at: datetime
    data: dict[str, Any]


class WebhookInbox:
    """Verifies webhooks and keeps the latest ones for the app's log page."""

    def __init__(self, secret: str) -> None:
        self._webhook = Webhook(secret)
        self.log: deque[ReceivedEvent] = deque(maxlen=MAX_LOGGED)
        self._seen: set[str] = set()

    async def receive(self, request: Request) -> ReceivedEvent | None:
        """The verified event (None: a retry of one already taken); :class:`BadSignature`."""
        body = await request.body()
        try:
            document = self._webhook.verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError, KeyError) as exc:
            raise BadSignature(str(exc)) from None
        message_id = request.headers["webhook-id"]
        if message_id in self._seen:
            return None
        self._seen.add(message_id)
        data = document.get("data") if isinstance(document, dict) else None
        event = ReceivedEvent(
            message_id,
            str(document.get("type")),
            clock.now(),
            data if isinstance(data, dict) else {},
        )
        self.log.appendleft(event)
        return event
