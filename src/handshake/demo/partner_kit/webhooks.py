"""The partner's webhook inbox: Standard Webhooks signatures checked, each event kept once."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.requests import Request

from handshake.kernel import clock

MAX_LOGGED = 200
# Ids of taken webhooks, to answer retries without acting twice; the platform retries for hours,
# not forever, so the latest ids are enough and memory stays bounded.
MAX_SEEN = 10_000


class BadSignature(Exception):
    """The request is not a webhook signed by the platform (answer 401)."""


@dataclass(frozen=True)
class ReceivedEvent:
    """One webhook the app accepted."""

    id: str
    type: str
    received_at: datetime
    data: dict[str, Any]


EventHandler = Callable[[ReceivedEvent], Awaitable[None]]


class WebhookInbox:
    """Verifies webhooks and keeps the latest ones for the app's log page."""

    def __init__(self, secret: str) -> None:
        self._webhook = Webhook(secret)
        self.log: deque[ReceivedEvent] = deque(maxlen=MAX_LOGGED)
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def receive(self, request: Request, handle: EventHandler) -> ReceivedEvent | None:
        """Verify, then ``handle`` the event once (None: a retry of one already taken);
        :class:`BadSignature` when unsigned. An id counts as taken only once ``handle`` returned:
        if it raises, the platform's retry is handled again, not dropped."""
        body = await request.body()
        try:
            document = self._webhook.verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError, KeyError) as exc:
            raise BadSignature(str(exc)) from None
        message_id = request.headers["webhook-id"]
        if message_id in self._seen:
            return None
        data = document.get("data") if isinstance(document, dict) else None
        event = ReceivedEvent(
            message_id,
            str(document.get("type")),
            clock.now(),
            data if isinstance(data, dict) else {},
        )
        await handle(event)
        self._seen[message_id] = None
        while len(self._seen) > MAX_SEEN:
            self._seen.popitem(last=False)
        self.log.appendleft(event)
        return event
