"""Pure parts of webhook sending: retry policy, Retry-After, SSRF guard, signing, the sender."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from handshake.kernel import clock
from handshake.partners import credentials
from handshake.settings import Environment, Settings, WebhookSettings
from handshake.webhooks.models import AttemptOutcome, DeliveryStatus
from handshake.webhooks.retry_policy import AttemptResult, Decision, RetryPolicy, parse_retry_after
from handshake.webhooks.sender import OutgoingWebhook, WebhookSender, signature_header
from handshake.webhooks.service import serialize_event
from handshake.webhooks.targets import Resolver, TargetGuard
from handshake.webhooks.tasks import private_targets_allowed

POLICY = RetryPolicy(retries=(5, 300), max_retry_after_seconds=3600)
FIXED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _result(status: int | None, retry_after: float | None = None) -> AttemptResult:
    return AttemptResult(status_code=status, latency_ms=3, retry_after_seconds=retry_after)


@pytest.mark.parametrize(
    ("status", "retry_after", "attempt", "expected"),
    [
        (200, None, 1, Decision(AttemptOutcome.SUCCEEDED, DeliveryStatus.SUCCEEDED)),
        (204, None, 3, Decision(AttemptOutcome.SUCCEEDED, DeliveryStatus.SUCCEEDED)),
        (410, None, 1, Decision(AttemptOutcome.GONE, DeliveryStatus.GONE)),
        (500, None, 1, Decision(AttemptOutcome.FAILED, DeliveryStatus.PENDING, 5)),
        (None, None, 2, Decision(AttemptOutcome.FAILED, DeliveryStatus.PENDING, 300)),
        (301, None, 3, Decision(AttemptOutcome.FAILED, DeliveryStatus.DEAD)),
        (429, None, 1, Decision(AttemptOutcome.THROTTLED, DeliveryStatus.PENDING, 5)),
        (503, 120, 1, Decision(AttemptOutcome.THROTTLED, DeliveryStatus.PENDING, 120)),
        (502, 2, 2, Decision(AttemptOutcome.THROTTLED, DeliveryStatus.PENDING, 300)),
        (504, 99999, 1, Decision(AttemptOutcome.THROTTLED, DeliveryStatus.PENDING, 3600)),
        (400, 120, 1, Decision(AttemptOutcome.FAILED, DeliveryStatus.PENDING, 5)),
        (503, 120, 3, Decision(AttemptOutcome.THROTTLED, DeliveryStatus.DEAD)),
    ],
)
def test_policy_decides_by_status_try_and_retry_after(
    status: int | None, retry_after: float | None, attempt: int, expected: Decision
) -> None:
    assert POLICY.decide(_result(status, retry_after), attempt_number=attempt) == expected


def test_default_schedule_is_the_standard_webhooks_one() -> None:
    policy = RetryPolicy.from_settings(WebhookSettings(retry_jitter=0))
    assert policy.max_attempts == 10
    assert [policy.wait_after(n) for n in range(1, 10)] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        50400,
        72000,
        86400,
    ]


def test_jitter_spreads_waits_within_the_configured_fraction() -> None:
    draws: list[tuple[float, float]] = []

    def draw(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    policy = RetryPolicy(retries=(0, 100), jitter=0.1, draw=draw)
    assert policy.wait_after(1) == 0  # no jitter on an immediate retry
    assert policy.wait_after(2) == pytest.approx(110)
    [(low, high)] = draws
    assert (low, high) == pytest.approx((0.9, 1.1))


def test_empty_schedule_means_a_single_try() -> None:
    policy = RetryPolicy(retries=())
    decision = policy.decide(_result(500), attempt_number=1)
    assert (policy.max_attempts, decision.status) == (1, DeliveryStatus.DEAD)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("Sat, 01 Mar 2025 12:01:30 GMT", 90.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=FIXED) == expected


def test_schedule_settings_reject_negative_waits_and_accept_env_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError):
        WebhookSettings(retry_schedule_seconds=[1, -1])
    monkeypatch.setenv("HANDSHAKE_WEBHOOKS__RETRY_SCHEDULE_SECONDS", "[0.5, 1]")
    assert Settings().webhooks.retry_schedule_seconds == [0.5, 1]


@pytest.mark.parametrize(
    ("environment", "configured", "allowed"),
    [
        ("development", None, True),
        ("test", None, True),
        ("production", None, False),
        ("production", True, True),
        ("development", False, False),
    ],
)
def test_private_targets_allowed_by_environment_unless_configured(
    environment: Environment, configured: bool | None, allowed: bool
) -> None:
    settings = Settings(
        environment=environment,
        webhooks=WebhookSettings(allow_private_targets=configured),
    )
    assert private_targets_allowed(settings) is allowed


def _resolver(addresses: list[str], calls: list[str]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        calls.append(f"{host}:{port}")
        return addresses

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.9/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://[fe80::1]/hook",
    ],
)
async def test_guard_refuses_internal_address_literals(url: str) -> None:
    calls: list[str] = []
    guard = TargetGuard(allow_private=False, resolver=_resolver([], calls))
    problem = await guard.problem(url)
    assert problem is not None
    assert "resolves to the internal address" in problem
    assert calls == []


async def test_guard_resolves_names_once_and_checks_every_address() -> None:
    calls: list[str] = []
    public = TargetGuard(allow_private=False, resolver=_resolver(["93.184.216.34"], calls))
    assert await public.problem("https://hooks.example/a") is None
    assert await public.problem("https://hooks.example/b") is None
    assert calls == ["hooks.example:443"]
    mixed = TargetGuard(
        allow_private=False,
        resolver=_resolver(["93.184.216.34", "10.0.0.7"], calls),
    )
    assert await mixed.problem("http://rebind.example:8080/") == (
        "the host 'rebind.example' resolves to the internal address 10.0.0.7"
    )
    assert calls[-1] == "rebind.example:8080"


async def test_guard_reports_unresolvable_hosts_and_allows_everything_when_told() -> None:
    async def failing(host: str, port: int) -> list[str]:
        raise OSError(8, "nodename nor servname provided")

    guard = TargetGuard(allow_private=False, resolver=failing)
    assert await guard.problem("https://nowhere.invalid/") == (
        "the host 'nowhere.invalid' cannot be resolved (nodename nor servname provided)"
    )
    assert (
        await TargetGuard(allow_private=True, resolver=failing).problem("http://10.0.0.1/") is None
    )


def test_signature_header_carries_one_verifiable_signature_per_secret() -> None:
    old, new = credentials.new_webhook_secret(), credentials.new_webhook_secret()
    now = clock.now()
    body = '{"type":"order.created"}'
    header = signature_header(message_id="msg_1", timestamp=now, body=body, secrets=[new, old])
    assert len(header.split(" ")) == 2
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": header,
    }
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers) == {"type": "order.created"}


def _sender(
    handler: Callable[[httpx.Request], httpx.Response], **settings: object
) -> WebhookSender:
    return WebhookSender(
        settings=WebhookSettings(**settings),
        guard=TargetGuard(allow_private=True),
        transport=httpx.MockTransport(handler),
    )


MESSAGE = OutgoingWebhook(
    message_id="msg_01ABC",
    url="https://hooks.example/in",
    body='{"type":"order.created","timestamp":"2025-03-01T12:00:00.000Z","data":{}}',
    secrets=("whsec_" + "A" * 43 + "=",),
)


async def test_sender_posts_the_exact_body_with_standard_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, text="x" * 100, headers={"retry-after": "3"})

    sender = _sender(handler, max_response_body_bytes=10, user_agent="hs-test/1")
    with clock.frozen_at(FIXED):
        result = await sender.send(MESSAGE)
    await sender.aclose()
    [request] = seen
    assert (request.method, str(request.url), request.content) == (
        "POST",
        MESSAGE.url,
        MESSAGE.body.encode(),
    )
    assert {k: request.headers[k] for k in ("webhook-id", "webhook-timestamp", "user-agent")} == {
        "webhook-id": "msg_01ABC",
        "webhook-timestamp": str(int(FIXED.timestamp())),
        "user-agent": "hs-test/1",
    }
    assert request.headers["webhook-signature"] == signature_header(
        message_id=MESSAGE.message_id, timestamp=FIXED, body=MESSAGE.body, secrets=MESSAGE.secrets
    )
    assert (result.status_code, result.response_body, result.retry_after_seconds, result.error) == (
        201,
        "x" * 10,
        3.0,
        None,
    )


async def test_sender_drops_nul_characters_postgresql_cannot_store() -> None:
    sender = _sender(lambda request: httpx.Response(500, content=b"bad\x00body\xff"))
    result = await sender.send(MESSAGE)
    await sender.aclose()
    assert (result.status_code, result.response_body) == (500, "badbody\ufffd")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("connection refused"), "ConnectError: connection refused"),
        (httpx.ReadTimeout("read timed out"), "ReadTimeout: read timed out"),
        (httpx.RemoteProtocolError("bad status line"), "RemoteProtocolError: bad status line"),
    ],
)
async def test_sender_reports_network_errors_without_raising(
    error: Exception, expected: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    sender = _sender(handler)
    result = await sender.send(MESSAGE)
    await sender.aclose()
    assert (result.status_code, result.error, result.response_body) == (None, expected, None)


async def test_sender_stops_at_its_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(1)
        return httpx.Response(200)

    sender = WebhookSender(
        settings=WebhookSettings(timeout_seconds=0.05),
        guard=TargetGuard(allow_private=True),
        transport=httpx.MockTransport(slow),
    )
    result = await sender.send(MESSAGE)
    await sender.aclose()
    assert (result.status_code, result.error) == (None, "timed out after 0.05 s")


async def test_sender_does_not_call_a_blocked_target() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    sender = WebhookSender(
        settings=WebhookSettings(),
        guard=TargetGuard(allow_private=False),
        transport=httpx.MockTransport(handler),
    )
    blocked = OutgoingWebhook("msg_1", "http://127.0.0.1:9/x", "{}", ("whsec_" + "A" * 43 + "=",))
    result = await sender.send(blocked)
    assert (seen, result.status_code, result.latency_ms) == ([], None, 0)
    assert (
        result.error == "blocked: the host '127.0.0.1' resolves to the internal address 127.0.0.1"
    )


def test_event_body_is_compact_standard_webhooks_json() -> None:
    body = serialize_event(
        event_type="order.refunded",
        occurred_at=FIXED + timedelta(microseconds=123456),
        data={"order_id": "ord_1", "note": "café"},
    )
    assert body == (
        '{"type":"order.refunded","timestamp":"2025-03-01T12:00:00.123Z",'
        '"data":{"order_id":"ord_1","note":"café"}}'
    )
    assert json.loads(body)["data"]["note"] == "café"
