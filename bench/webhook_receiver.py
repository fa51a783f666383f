"""A minimal webhook receiver for the delivery benchmark: 204 for every POST, 200 on /healthz.

Plain ASGI (no framework) so that the receiver costs as little as possible of the shared CPU.
It does not verify signatures: the suite's receiver does; here only the sender is measured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def _drain(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body", False))


async def receiver_app(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
    """204 to any POST (after reading its body), 200 to GET /healthz, 404 otherwise."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        await _drain(receive)
        status = 204
    else:
        status = 200 if scope["path"] == "/healthz" else 404
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def create_receiver_app() -> Callable[..., Awaitable[None]]:
    """The uvicorn factory."""
    return receiver_app
