"""Signed calls from the platform to a device maker's directive endpoint.

Each directive is POSTed with Standard Webhooks headers (the maker verifies them with the secret
it was given when its endpoint was registered) and must be answered within the Alexa budget of
8 seconds with one JSON event. The same SSRF guard as webhooks applies: in production a maker's
URL must resolve to public addresses. One HTTP client per event loop keeps connections alive.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx

from handshake.devices.errors import MakerUnreachable
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.webhooks.loop_client import PerLoopClient
from handshake.webhooks.sender import OutgoingWebhook, signed_headers
from handshake.webhooks.targets import TargetGuard

DIRECTIVE_TIMEOUT_SECONDS = 8.0
MAX_ANSWER_BYTES = 256 * 1024


@dataclass(frozen=True)
class MakerTarget:
    """A maker's directive URL and the secret its requests are signed with."""

    url: str
    secret: str


class MakerClient:
    """Posts signed directives and returns the maker's JSON answer."""

    def __init__(
        self,
        *,
        guard: TargetGuard,
        timeout_seconds: float = DIRECTIVE_TIMEOUT_SECONDS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.guard = guard
        self.timeout_seconds = timeout_seconds
        self._http = PerLoopClient(
            lambda: httpx.AsyncClient(
                transport=transport, timeout=httpx.Timeout(timeout_seconds),
                follow_redirects=False, headers={"user-agent": "handshake-directives/1"},
            )
        )  # fmt: skip

    async def call(self, target: MakerTarget, directive: dict[str, Any]) -> dict[str, Any]:
        """The maker's answer to ``directive``; :class:`MakerUnreachable` on any failure."""
        problem = await self.guard.problem(target.url)
        if problem is not None:
            raise MakerUnreachable(f"The maker's directive URL is not allowed: {problem}.")
        body = json.dumps(directive, separators=(",", ":"))
        message = OutgoingWebhook(new_id("msg"), target.url, body, [target.secret])
        headers = signed_headers(message, timestamp=clock.now())
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._post(target.url, body, headers)
        except TimeoutError:
            raise MakerUnreachable(
                f"The maker did not answer within {self.timeout_seconds:g} s."
            ) from None
        except (httpx.HTTPError, OSError) as exc:
            raise MakerUnreachable(
                f"The maker could not be reached ({type(exc).__name__})."
            ) from None

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
        async with self._http.get().stream(
            "POST", url, content=body.encode(), headers=headers
        ) as r:
            if r.status_code != 200:
                raise MakerUnreachable(f"The maker answered HTTP {r.status_code}.")
            kept = bytearray()
            async for chunk in r.aiter_bytes():
                kept += chunk
                if len(kept) > MAX_ANSWER_BYTES:
                    raise MakerUnreachable("The maker's answer is too large.")
        try:
            answer = json.loads(bytes(kept), parse_constant=_no_constants)
        except ValueError:
            raise MakerUnreachable("The maker's answer is not JSON.") from None
        if not isinstance(answer, dict):
            raise MakerUnreachable("The maker's answer is not a JSON object.")
        return answer


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN / Infinity would poison the twin
