"""Shared test helpers of the webhooks domain: a real HTTP receiver that verifies signatures.

The receiver is a small HTTP/1.1 server (``asyncio.start_server``) on 127.0.0.1 and a random
port. It answers each request with the next scripted reply (200 when none is left) and checks
the Standard Webhooks signature with every secret it was told about, as a partner would.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from handshake.bootstrap import Container
from handshake.jobs.worker import Worker
from handshake.partners import service as partners
from handshake.partners.webhook_endpoints import IssuedWebhookEndpoint
from handshake.settings import JobSettings, WebhookSettings
from handshake.webhooks.service import DELIVER_JOB
from handshake.webhooks.tasks import DeliveryJob

ALL_TYPES = ("order.created", "order.updated", "order.shipped", "order.refunded", "link.revoked")
# Test schedule: retries 10 s and 20 s after the immediate first try (3 tries in all).
TEST_WEBHOOKS = WebhookSettings(retry_schedule_seconds=[10, 20], retry_jitter=0, timeout_seconds=5)


@dataclass(frozen=True)
class Reply:
    """What the receiver answers to one request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class Received:
    """One request the receiver got, and which of its secrets verified the signature."""

    path: str
    headers: dict[str, str]
    body: bytes
    verified_with: tuple[str, ...]

    @property
    def webhook_id(self) -> str:
        """The ``webhook-id`` header."""
        return self.headers["webhook-id"]


class Receiver:
    """A partner's webhook endpoint on 127.0.0.1 that records and verifies what it gets."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.arrived = asyncio.Event()
        self.secrets: list[str] = []
        self._replies: deque[Reply] = deque()
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The endpoint URL to register."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def reply_with(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order."""
        self._replies.extend(replies)

    def trust(self, secret: str) -> None:
        """Verify signatures with ``secret`` too."""
        self.secrets.append(secret)

    async def start(self) -> None:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        for task in list(self._tasks):
            task.cancel()
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _verify(self, body: bytes, headers: dict[str, str]) -> tuple[str, ...]:
        good = []
        for secret in self.secrets:
            with suppress(WebhookVerificationError):
                Webhook(secret).verify(body, headers)
                good.append(secret)
        return tuple(good)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                headers = {}
                for line in lines:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                path = request_line.split(" ")[1]
                self.requests.append(Received(path, headers, body, self._verify(body, headers)))
                self.arrived.set()
                reply = self._replies.popleft() if self._replies else Reply()
                await asyncio.sleep(reply.delay_seconds)
                writer.write(self._response(reply))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    @staticmethod
    def _response(reply: Reply) -> bytes:
        lines = [f"HTTP/1.1 {reply.status} X", f"content-length: {len(reply.body)}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + reply.body


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    """A started receiver, stopped at the end of the block."""
    receiver = Receiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


def delivery_job(container: Container) -> DeliveryJob:
    """The container's registered delivery handler."""
    handler = container.jobs.get(DELIVER_JOB)
    assert isinstance(handler, DeliveryJob)
    return handler


def make_worker(container: Container, **overrides: Any) -> Worker:
    """A worker over the container's registry (instant job-level retries)."""
    values: dict[str, Any] = {"backoff_base_seconds": 0.0001, "backoff_max_seconds": 0.0001}
    values.update(overrides)
    return Worker(
        uow_factory=container.uow,
        registry=container.jobs,
        settings=JobSettings(**values),
        worker_id="w1",
    )


async def partner_with_endpoint(
    container: Container,
    receiver: Receiver,
    *,
    name: str = "Pixfeed",
    event_types: Sequence[str] = ALL_TYPES,
) -> tuple[str, IssuedWebhookEndpoint]:
    """A partner with one endpoint at ``receiver`` whose secret the receiver trusts."""
    partner = await partners.create_partner(
        uow=container.uow(),
        name=name,
        kind="social",
        contact_email=f"dev@{name.lower()}.example",
    )
    issued = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner.id, url=receiver.url, event_types=event_types
    )
    receiver.trust(issued.secret)
    return partner.id, issued
