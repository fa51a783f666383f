"""Sends one signed webhook request and reports how the receiver answered.

Deliveries are signed with Standard Webhooks, or for endpoints using the ACP scheme with the
Agentic Commerce Protocol's ``Merchant-Signature`` (see :mod:`acp_signature`).

One ``httpx.AsyncClient`` is shared by every delivery of the process, so connections to a
receiver are kept alive between deliveries. Redirects are not followed (a 3xx is a failure) and
only the first bytes of a response body are read, for the delivery log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook

from handshake.kernel import clock
from handshake.partners.models import SignatureScheme
from handshake.settings import WebhookSettings
from handshake.webhooks import acp_signature
from handshake.webhooks.loop_client import PerLoopClient
from handshake.webhooks.retry_policy import AttemptResult, parse_retry_after
from handshake.webhooks.targets import TargetGuard

MAX_CONNECTIONS = 100


@dataclass(frozen=True)
class OutgoingWebhook:
    """One try of an event to one endpoint: the stable message id, body and signing secrets."""

    message_id: str
    url: str
    body: str
    secrets: Sequence[str]
    scheme: SignatureScheme = SignatureScheme.STANDARD_WEBHOOKS


def signature_header(
    *, message_id: str, timestamp: datetime, body: str, secrets: Sequence[str]
) -> str:
    """``v1,<sig>`` for each secret, space-separated (several during a secret rotation)."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


def signed_headers(message: OutgoingWebhook, *, timestamp: datetime) -> dict[str, str]:
    """The headers of ``message`` signed at ``timestamp`` with its endpoint's scheme."""
    if message.scheme is SignatureScheme.ACP:
        return acp_headers(message, timestamp=timestamp)
    return {
        "content-type": "application/json",
        "webhook-id": message.message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(
            message_id=message.message_id,
            timestamp=timestamp,
            body=message.body,
            secrets=message.secrets,
        ),
    }


def acp_headers(message: OutgoingWebhook, *, timestamp: datetime) -> dict[str, str]:
    """ACP's ``Merchant-Signature`` (one ``v1=`` per secret) and ``webhook-id`` for dedup."""
    unix = int(timestamp.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": message.message_id,
        acp_signature.HEADER: acp_signature.signature_header(message.secrets, unix, message.body),
    }


async def _read_start(response: httpx.Response, limit: int) -> str | None:
    """The first ``limit`` bytes of the body as text (None when empty or not kept)."""
    if limit <= 0:
        return None
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= limit:
            break
    text = bytes(kept[:limit]).decode("utf-8", errors="replace")
    return _printable(text) or None


def _printable(text: str) -> str:
    """``text`` without NUL characters, which PostgreSQL cannot store in text columns."""
    return text.replace("\x00", "")


class WebhookSender:
    """Posts signed webhooks through one shared HTTP client (recreated per event loop)."""

    def __init__(
        self,
        *,
        settings: WebhookSettings,
        guard: TargetGuard,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.guard = guard
        self._transport = transport
        self._http = PerLoopClient(self._new_client)

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(self.settings.timeout_seconds),
            follow_redirects=False,
            headers={"user-agent": self.settings.user_agent},
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
        )

    async def send(self, message: OutgoingWebhook) -> AttemptResult:
        """Try ``message`` once; never raises for network or receiver problems."""
        problem = await self.guard.problem(message.url)
        if problem is not None:
            return AttemptResult(status_code=None, latency_ms=0, error=f"blocked: {problem}")
        headers = signed_headers(message, timestamp=clock.now())
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                return await self._post(message, headers, started)
        except TimeoutError:
            error = f"timed out after {self.settings.timeout_seconds:g} s"
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return AttemptResult(
            status_code=None, latency_ms=_elapsed_ms(started), error=_printable(error)[:2000]
        )

    async def _post(
        self, message: OutgoingWebhook, headers: dict[str, str], started: float
    ) -> AttemptResult:
        request = self._http.get().stream(
            "POST", message.url, content=message.body.encode(), headers=headers
        )
        async with request as response:
            body = await _read_start(response, self.settings.max_response_body_bytes)
        return AttemptResult(
            status_code=response.status_code,
            latency_ms=_elapsed_ms(started),
            response_body=body,
            retry_after_seconds=parse_retry_after(response.headers.get("retry-after")),
        )

    async def aclose(self) -> None:
        """Close the shared client (its connections) if it belongs to the running loop."""
        await self._http.aclose()


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))
