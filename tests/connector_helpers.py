"""Shared helpers of the maker-connector tests: a scripted platform, grants, accounts, parts."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from handshake.connector.accounts import Account, AccountStore, Device
from handshake.connector.grants import GrantCache
from handshake.connector.publisher import Backoff, Publisher
from handshake.connector.state import Sample, StateBook
from handshake.connector.tokens import TokenKeeper
from handshake.devices.authorization_details import to_details
from handshake.devices.consent import DataType, Purpose, Share, SharingMode, new_grant

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
PLATFORM = "http://platform.test"
SUBJECT = "sub-ada"
SECRET = "whsec_" + base64.b64encode(b"connector-test-directive-secret!").decode()
STREAM, QUERY, COMMAND = (
    SharingMode.STREAM_CHANGES,
    SharingMode.QUERY_CURRENT,
    SharingMode.REPORT_ON_COMMAND,
)
DEVICES = [
    Device(device_id="thermostat-1", kind="thermostat", name="Hall"),
    Device(device_id="sensor-2", kind="sensor", name="Bathroom"),
    Device(device_id="lock-3", kind="lock", name="Front door"),
]


def share(device: str, kind: DataType, mode: SharingMode) -> Share:
    """A share for both offered purposes, kept 30 days, lasting a year."""
    purposes = frozenset({Purpose.SERVICE_OPERATION})
    return Share(device, kind, mode, purposes, 30, NOW + timedelta(days=365))


def grant_document(
    shares: list[Share], *, version: int = 1, status: str = "active"
) -> dict[str, Any]:
    """The platform's ``GET /partner/v1/devices/grant`` answer for ``shares``."""
    details = to_details(new_grant(shares, now=NOW)) if shares else []
    return {"grant_id": "dgr_1", "version": version, "status": status,
            "authorization_details": details}  # fmt: skip


def account(subject: str = SUBJECT, *, expires_in: timedelta = timedelta(hours=1)) -> Account:
    """A linked account owning the three test devices."""
    return Account(
        subject=subject, access_token="access-1", refresh_token="refresh-1",
        expires_at=NOW + expires_in, devices=list(DEVICES),
    )  # fmt: skip


def problem(status: int, code: str | None = None) -> httpx.Response:
    """A gateway error, problem+json with the Alexa code in ``payload.code``."""
    body: dict[str, Any] = {"status": status, "code": "error"}
    if code is not None:
        body["payload"] = {"code": code, "description": "…"}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


@dataclass
class FakePlatform:
    """The platform as a maker sees it: token endpoint, grant, event gateway (scripted)."""

    grant: dict[str, Any] | None
    clock: Callable[[], float] = lambda: 0.0
    # Tokens the event gateway accepts; None accepts any.
    event_tokens: set[str] | None = None
    event_answers: list[Callable[[], httpx.Response]] = field(default_factory=list)
    token_answers: list[httpx.Response] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # accepted bodies
    attempts: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)
    grant_reads: int = 0
    _issued: int = 1

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, as an ``httpx.MockTransport`` handler."""
        if request.url.path == "/oauth/token":
            return self._token(request)
        if request.url.path == "/partner/v1/devices/grant":
            self.grant_reads += 1
            return (
                httpx.Response(404) if self.grant is None else httpx.Response(200, json=self.grant)
            )
        if request.url.path == "/partner/v1/devices/events":
            return self._event(request)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        if self.token_answers:
            return self.token_answers.pop(0)
        self._issued += 1
        body = {"access_token": f"access-{self._issued}", "token_type": "Bearer",
                "refresh_token": f"refresh-{self._issued}", "expires_in": 3600}  # fmt: skip
        return httpx.Response(200, json=body)

    def _event(self, request: httpx.Request) -> httpx.Response:
        token = request.headers["authorization"].removeprefix("Bearer ")
        body = json.loads(request.content)
        self.attempts.append((self.clock(), token, body))
        if self.event_tokens is not None and token not in self.event_tokens:
            return problem(401, "INVALID_ACCESS_TOKEN_EXCEPTION")
        answer = self.event_answers.pop(0)() if self.event_answers else None
        if answer is not None and answer.status_code != 202:
            return answer
        # A batch ({"events": [...]}) is its events, as the platform's gateway reads it.
        self.events.extend(body.get("events", [body]))
        return httpx.Response(202, json={"stored": 1, "dropped": {}})

    def change_reports(self) -> list[dict[str, Any]]:
        """Accepted ChangeReports, in order."""
        return [e for e in self.events if e["event"]["header"]["name"] == "ChangeReport"]

    def discovery(self) -> list[dict[str, Any]]:
        """Accepted discovery events, in order."""
        return [e for e in self.events if e["event"]["header"]["namespace"] == "Alexa.Discovery"]


class FakeClock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Parts:
    """A connector's platform-facing parts wired to a fake platform."""

    platform: FakePlatform
    store: AccountStore
    tokens: TokenKeeper
    grants: GrantCache
    publisher: Publisher
    states: StateBook
    clock: FakeClock


def parts(
    platform: FakePlatform, *, accounts: list[Account] | None = None, path: Path | None = None
) -> Parts:
    """Token keeper, grant cache and publisher talking to ``platform`` at a frozen time."""
    clock = FakeClock()
    platform.clock = clock
    http = httpx.AsyncClient(transport=httpx.MockTransport(platform.handler))
    store = AccountStore(accounts if accounts is not None else [account()], path)
    tokens = TokenKeeper(store=store, http=http, platform_url=PLATFORM, client_id="maker-app",
                         client_secret="maker-secret", now=lambda: NOW)  # fmt: skip
    grants = GrantCache(http=http, platform_url=PLATFORM, tokens=tokens, ttl_seconds=1.0,
                        now=lambda: NOW, monotonic=clock)  # fmt: skip
    states = StateBook()
    publisher = Publisher(
        http=http, platform_url=PLATFORM, tokens=tokens, grants=grants, store=store,
        maker="thermoco", state=states.get, backoff=Backoff(1.0, 60.0), now=lambda: NOW,
        monotonic=clock,
    )  # fmt: skip
    return Parts(platform, store, tokens, grants, publisher, states, clock)


def sample(value: Any, seconds_ago: float = 0.0) -> Sample:
    """A sample measured ``seconds_ago`` before NOW."""
    return Sample(value, NOW - timedelta(seconds=seconds_ago))


def names(properties: list[dict[str, Any]]) -> list[str]:
    """``namespace.name`` of each property, in order."""
    return [f"{p['namespace']}.{p['name']}" for p in properties]


def directive(
    namespace: str, name: str, endpoint: str | None = "thermostat-1",
    payload: dict[str, Any] | None = None, subject: str = SUBJECT,
) -> dict[str, Any]:  # fmt: skip
    """A directive as the platform sends it, naming the shopper by the link's subject."""
    body: dict[str, Any] = {
        "header": {"namespace": namespace, "name": name, "messageId": "m-1",
                   "correlationToken": "corr-1", "payloadVersion": "3"},
        "payload": dict(payload or {}),
    }  # fmt: skip
    scope = {"type": "LinkSubject", "subject": subject}
    if endpoint is None:
        body["payload"]["scope"] = scope
    else:
        body["endpoint"] = {"endpointId": endpoint, "cookie": {}, "scope": scope}
    return {"directive": body}


def signed(document: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers the platform signs a directive with."""
    body, message_id = json.dumps(document), f"msg_{uuid.uuid4().hex}"
    at = datetime.now(UTC)
    signature = Webhook(secret).sign(message_id, at, body)
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": signature, "content-type": "application/json"}  # fmt: skip
    return body.encode(), headers
