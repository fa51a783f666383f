"""ACP order events to an agent platform on SQLite and PostgreSQL, next to Standard Webhooks.

An endpoint with the ``acp`` signature scheme gets ``{"type": "order_create", "data": …}`` with
``Merchant-Signature: t=…,v1=…``; every retry and replay sends the same bytes; standard
endpoints are unchanged; registrations that mix schemes and event types store nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.partners import service as partners
from handshake.partners.webhook_endpoints import IssuedWebhookEndpoint
from handshake.settings import DatabaseSettings, Settings
from handshake.webhooks import acp_signature, service
from tests.conftest import make_settings
from tests.webhooks_helpers import (
    TEST_WEBHOOKS,
    Receiver,
    Reply,
    delivery_job,
    make_worker,
    partner_with_endpoint,
    running_receiver,
)

SECRET = "agent_platform_secret_0123456789"  # a test value
NEW_SECRET = "agent_platform_secret_rotated_42"  # a test value
ACP_TYPES = ["acp.order_create", "acp.order_update"]
MISMATCH = "event_types_not_for_scheme"
ORDER: dict[str, Any] = {
    "id": "ord_1",
    "checkout_session_id": "cs_1",
    "permalink_url": "https://shop.example/orders/ord_1",
    "status": "created",
    "line_items": [{"id": "li_1", "title": "Café crème", "quantity": 2}],
}


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with a short retry schedule: 10 s then 20 s, no jitter."""
    return make_settings(database_settings, webhooks=TEST_WEBHOOKS)


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """The agent platform's receiver on 127.0.0.1; the sender's client is closed afterwards."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


def _start() -> datetime:
    return clock.now().replace(microsecond=0)


def _acp_body(event_type: str, data: dict[str, Any]) -> bytes:
    document = {"type": event_type, "data": data}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _v1(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def _acp_endpoint(
    container: Container, partner_id: str, url: str, secret: str | None = SECRET
) -> IssuedWebhookEndpoint:
    return await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner_id, url=url, event_types=ACP_TYPES,
        signature_scheme="acp", signing_secret=secret,
    )  # fmt: skip


async def _agent_platform(container: Container, url: str) -> tuple[str, IssuedWebhookEndpoint]:
    partner = await partners.create_partner(
        uow=container.uow(), name="Agentia", kind="assistant", contact_email="dev@agentia.example"
    )
    return partner.id, await _acp_endpoint(container, partner.id, url)


async def _publish(container: Container, partner_id: str, event_type: str, data: Any) -> str:
    uow = container.uow()
    async with uow:
        event_id = await service.publish_event(
            uow=uow, partner_id=partner_id, event_type=event_type, data=data
        )
        await uow.commit()
    return event_id


async def test_acp_endpoint_gets_the_acp_body_and_a_valid_merchant_signature(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await _agent_platform(container, receiver.url)
    assert (issued.secret, issued.endpoint.signature_scheme) == (SECRET, "acp")
    start = _start()
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id, "acp.order_create", ORDER)
        assert await make_worker(container).run_until_idle() == 1
    [request] = receiver.requests
    assert request.body == _acp_body("order_create", ORDER)
    t = int(start.timestamp())
    header = request.headers["merchant-signature"]
    assert header == f"t={t},v1={_v1(SECRET, t, request.body)}"
    assert acp_signature.verify(header, request.body, [SECRET], now=start)
    assert request.headers["webhook-id"] == event_id
    assert request.headers["content-type"] == "application/json"
    assert "webhook-signature" not in request.headers
    log = await service.get_event(
        uow=container.read_uow(), partner_id=partner_id, event_id=event_id
    )
    [delivery] = log.deliveries
    assert (delivery.delivery.status, delivery.delivery.endpoint_id) == (
        "succeeded",
        issued.endpoint_id,
    )


async def test_retries_and_replays_send_the_same_bytes_with_fresh_signatures(
    container: Container, receiver: Receiver
) -> None:
    partner_id, _ = await _agent_platform(container, receiver.url)
    receiver.reply_with(Reply(status=500))
    start = _start()
    with clock.frozen_at(start):
        event_id = await _publish(container, partner_id, "acp.order_update", ORDER)
        await make_worker(container).run_until_idle()
    with clock.frozen_at(start + timedelta(seconds=10)):
        assert await make_worker(container).run_until_idle() == 1
    with clock.frozen_at(start + timedelta(seconds=60)):
        replay = await service.replay_event(
            uow=container.uow(), partner_id=partner_id, event_id=event_id
        )
        assert replay.queued == 1
        assert await make_worker(container).run_until_idle() == 1
    first, retry, replayed = receiver.requests
    assert first.body == retry.body == replayed.body == _acp_body("order_update", ORDER)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event_id}
    for request, seconds in ((first, 0), (retry, 10), (replayed, 60)):
        at = start + timedelta(seconds=seconds)
        header = request.headers["merchant-signature"]
        assert header.startswith(f"t={int(at.timestamp())},v1=")
        assert acp_signature.verify(header, request.body, [SECRET], now=at)
        assert not acp_signature.verify(
            header, request.body, [SECRET], now=at + timedelta(seconds=301)
        )


async def test_standard_endpoints_are_unchanged_and_get_no_acp_event(
    container: Container, receiver: Receiver
) -> None:
    partner_id, standard = await partner_with_endpoint(container, receiver)
    acp = await _acp_endpoint(container, partner_id, f"{receiver.url}/acp")
    assert standard.endpoint.signature_scheme == "standard_webhooks"
    start = _start()
    with clock.frozen_at(start):
        await _publish(container, partner_id, "order.created", {"order_id": "ord_1"})
        await _publish(container, partner_id, "acp.order_create", ORDER)
        assert await make_worker(container).run_until_idle() == 2
    by_path = {r.path: r for r in receiver.requests}
    assert sorted(by_path) == ["/hooks", "/hooks/acp"]
    plain = by_path["/hooks"]
    assert plain.verified_with == (standard.secret,)
    assert (
        plain.body
        == service.serialize_event(
            event_type="order.created", occurred_at=start, data={"order_id": "ord_1"}
        ).encode()
    )
    assert "merchant-signature" not in plain.headers
    assert plain.headers["webhook-timestamp"] == str(int(start.timestamp()))
    agentic = by_path["/hooks/acp"]
    assert agentic.body == _acp_body("order_create", ORDER)
    assert agentic.verified_with == ()  # no Standard Webhooks signature on it
    assert acp_signature.verify(agentic.headers["merchant-signature"], agentic.body,
                                [acp.secret], now=start)  # fmt: skip


async def test_rotation_to_the_platforms_new_secret_signs_with_both(
    container: Container, receiver: Receiver
) -> None:
    partner_id, issued = await _agent_platform(container, receiver.url)
    rotated = await partners.rotate_webhook_secret(
        uow=container.uow(), partner_id=partner_id, endpoint_id=issued.endpoint_id,
        signing_secret=NEW_SECRET,
    )  # fmt: skip
    assert rotated.secret == NEW_SECRET
    start = _start()
    with clock.frozen_at(start):
        await _publish(container, partner_id, "acp.order_update", ORDER)
        await make_worker(container).run_until_idle()
    [request] = receiver.requests
    t = int(start.timestamp())
    header = request.headers["merchant-signature"]
    assert (
        header == f"t={t},v1={_v1(NEW_SECRET, t, request.body)},v1={_v1(SECRET, t, request.body)}"
    )
    for secret in (SECRET, NEW_SECRET):
        assert acp_signature.verify(header, request.body, [secret], now=start)
    generated = await partners.rotate_webhook_secret(
        uow=container.uow(), partner_id=partner_id, endpoint_id=issued.endpoint_id
    )
    assert generated.secret.startswith("whsec_")


async def test_generated_secret_when_the_platform_gives_none(container: Container) -> None:
    partner = await partners.create_partner(
        uow=container.uow(), name="Agentia", kind="assistant", contact_email="dev@agentia.example"
    )
    issued = await _acp_endpoint(container, partner.id, "https://agentia.example/hooks", None)
    [stored] = await partners.list_webhook_endpoints(
        uow=container.read_uow(), partner_id=partner.id
    )
    assert issued.secret.startswith("whsec_")
    assert (stored.signing_secret, stored.signature_scheme) == (issued.secret, "acp")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"signature_scheme": "acp", "event_types": ["order.created"]}, MISMATCH),
        ({"signature_scheme": "acp", "event_types": [*ACP_TYPES, "link.revoked"]}, MISMATCH),
        ({"event_types": ["order.created", "acp.order_create"]}, MISMATCH),
        ({"signature_scheme": "acp", "signing_secret": "too-short"}, "invalid_signing_secret"),
        ({"signing_secret": SECRET, "event_types": ["order.created"]}, "invalid_signing_secret"),
        ({"signature_scheme": "hmac"}, "unknown_signature_scheme"),
    ],
)  # fmt: skip
async def test_registrations_that_do_not_fit_the_scheme_store_nothing(
    container: Container, fields: dict[str, Any], code: str
) -> None:
    partner = await partners.create_partner(
        uow=container.uow(), name="Agentia", kind="assistant", contact_email="dev@agentia.example"
    )
    values: dict[str, Any] = {"event_types": ACP_TYPES, **fields}
    with pytest.raises(DomainError) as caught:
        await partners.add_webhook_endpoint(
            uow=container.uow(), partner_id=partner.id, url="https://agentia.example/h", **values
        )
    assert caught.value.code == code
    assert (
        await partners.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner.id) == []
    )


async def test_updates_and_rotations_keep_to_the_scheme(container: Container) -> None:
    partner = await partners.create_partner(
        uow=container.uow(), name="Agentia", kind="assistant", contact_email="dev@agentia.example"
    )
    acp = await _acp_endpoint(container, partner.id, "https://agentia.example/acp")
    plain = await partners.add_webhook_endpoint(
        uow=container.uow(), partner_id=partner.id, url="https://agentia.example/std",
        event_types=["order.created"],
    )  # fmt: skip
    for endpoint_id, event_type in (
        (acp.endpoint_id, "order.created"),
        (plain.endpoint_id, "acp.order_update"),
    ):
        with pytest.raises(DomainError) as caught:
            await partners.update_webhook_endpoint(
                uow=container.uow(), partner_id=partner.id, endpoint_id=endpoint_id,
                event_types=[event_type],
            )  # fmt: skip
        assert caught.value.code == MISMATCH
    with pytest.raises(DomainError) as refused:
        await partners.rotate_webhook_secret(
            uow=container.uow(), partner_id=partner.id, endpoint_id=plain.endpoint_id,
            signing_secret=NEW_SECRET,
        )  # fmt: skip
    assert refused.value.code == "invalid_signing_secret"
    stored = await partners.list_webhook_endpoints(uow=container.read_uow(), partner_id=partner.id)
    assert [(e.event_types, e.signing_secret, e.previous_signing_secret) for e in stored] == [
        (ACP_TYPES, SECRET, None),
        (["order.created"], plain.secret, None),
    ]
