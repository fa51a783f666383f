"""The demo apps' webhook inbox: a webhook counts as taken only once it was acted on."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook
from starlette.requests import Request

from handshake.demo.partner_kit.webhooks import ReceivedEvent, WebhookInbox

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def signed_request(message_id: str, document: dict[str, object]) -> Request:
    """A POST carrying ``document`` signed as the platform signs webhooks."""
    body = json.dumps(document).encode()
    now = datetime.now(UTC)
    signature = Webhook(SECRET).sign(message_id, now, body.decode())
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature}  # fmt: skip

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/webhooks/handshake",
             "headers": [(k.encode(), v.encode()) for k, v in headers.items()]}  # fmt: skip
    return Request(scope, receive)


async def test_a_webhook_whose_handling_failed_is_handled_again_on_retry() -> None:
    inbox, handled = WebhookInbox(SECRET), []

    async def failing(event: ReceivedEvent) -> None:
        raise RuntimeError("the app fell over")

    async def working(event: ReceivedEvent) -> None:
        handled.append(event.id)

    document = {"type": "order.created", "data": {"id": "ord_1"}}
    with pytest.raises(RuntimeError):
        await inbox.receive(signed_request("msg_1", document), failing)
    assert list(inbox.log) == []
    taken = await inbox.receive(signed_request("msg_1", document), working)
    assert taken is not None
    assert (handled, taken.type, taken.data) == (["msg_1"], "order.created", {"id": "ord_1"})
    again = await inbox.receive(signed_request("msg_1", document), working)
    assert (again, handled) == (None, ["msg_1"])
