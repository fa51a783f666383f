"""Shoply's inbox of the store's ACP order events (``order_create``, ``order_update``).

Each delivery is checked against its ``Merchant-Signature`` (HMAC-SHA256 of ``t.body`` with the
secret the store and Shoply share, on time within 5 minutes) before anything in it is believed.
Every delivery is logged for the "Order events" page, verified or not; only verified ones are
acted on, once per ``webhook-id`` (the store retries until answered).
"""

from __future__ import annotations

import json
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from handshake.kernel import clock
from handshake.webhooks import acp_signature

MAX_LOGGED = 200
MAX_SEEN = 10_000  # ids of taken events: the store retries for hours, not forever
SHORT = 80  # what the log keeps of a text it was sent


@dataclass(frozen=True)
class OrderEvent:
    """One delivery as the log shows it."""

    type: str
    order_id: str
    status: str
    verified: bool
    received_at: datetime


@dataclass(frozen=True)
class Received:
    """A delivery: its log entry (None: a retry of one already taken) and, when verified, the
    order it carries."""

    event: OrderEvent | None
    order: dict[str, Any] | None


def _text(value: Any) -> str:
    return value[:SHORT] if isinstance(value, str) else ""


def _document(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


class OrderEvents:
    """Verifies the store's order events and keeps the latest for the log page."""

    def __init__(self, secret: str) -> None:
        self.secrets = [secret] if secret else []
        self.log: deque[OrderEvent] = deque(maxlen=MAX_LOGGED)
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def receive(self, request: Request) -> Received:
        """Check and log one delivery."""
        body = await request.body()
        header = request.headers.get(acp_signature.HEADER, "")
        verified = bool(self.secrets) and acp_signature.verify(
            header, body, self.secrets, clock.now()
        )
        message_id = request.headers.get("webhook-id", "")
        if verified and message_id in self._seen:
            return Received(None, None)
        document = _document(body)
        data = document.get("data")
        data = data if isinstance(data, dict) else {}
        event = OrderEvent(
            type=_text(document.get("type")), order_id=_text(data.get("id")),
            status=_text(data.get("status")), verified=verified, received_at=clock.now(),
        )  # fmt: skip
        self.log.appendleft(event)
        if not verified:
            return Received(event, None)
        if message_id:
            self._seen[message_id] = None
            while len(self._seen) > MAX_SEEN:
                self._seen.popitem(last=False)
        return Received(event, data)
