"""The webhooks API over HTTP: delivery log and replay for operators and for partners."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.partners import service as partners
from handshake.settings import DatabaseSettings, Settings
from handshake.webhooks import service
from tests.accounts_helpers import operator_headers
from tests.conftest import make_settings
from tests.partners_helpers import basic_auth
from tests.webhooks_helpers import (
    ALL_TYPES,
    TEST_WEBHOOKS,
    Receiver,
    delivery_job,
    make_worker,
    running_receiver,
)

ADMIN = "/api/v1/admin/partners"
PARTNER = "/partner/v1/webhooks"
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class PartnerSetup:
    """A partner, its client credentials and its endpoint."""

    partner_id: str
    auth: dict[str, str]
    endpoint_id: str


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with a short retry schedule."""
    return make_settings(database_settings, webhooks=TEST_WEBHOOKS)


@pytest.fixture
async def receiver(container: Container) -> AsyncIterator[Receiver]:
    """A receiver on 127.0.0.1; the sender's shared HTTP client is closed afterwards."""
    async with running_receiver() as started:
        yield started
    await delivery_job(container).aclose()


@pytest.fixture
async def op(container: Container) -> dict[str, str]:
    """Operator API key headers."""
    return await operator_headers(container)


async def _setup(container: Container, receiver: Receiver, name: str) -> PartnerSetup:
    partner, issued = await partners.register_partner(
        uow=container.uow(), name=name, kind="social", contact_email=f"dev@{name}.example"
    )
    assert issued.client_secret is not None
    endpoint = await partners.add_webhook_endpoint(
        uow=container.uow(),
        partner_id=partner.id,
        url=f"{receiver.url}/{name}",
        event_types=ALL_TYPES,
    )
    receiver.trust(endpoint.secret)
    return PartnerSetup(
        partner.id, basic_auth(issued.client_id, issued.client_secret), endpoint.endpoint_id
    )


@pytest.fixture
async def pixfeed(container: Container, receiver: Receiver) -> PartnerSetup:
    """The first partner."""
    return await _setup(container, receiver, "pixfeed")


@pytest.fixture
async def snapgram(container: Container, receiver: Receiver) -> PartnerSetup:
    """Another partner, who must never see the first one's events."""
    return await _setup(container, receiver, "snapgram")


async def _publish(container: Container, partner_id: str, event_type: str = "order.created") -> str:
    uow = container.uow()
    async with uow:
        event_id = await service.publish_event(
            uow=uow, partner_id=partner_id, event_type=event_type, data={"order_id": "ord_1"}
        )
        await uow.commit()
    return event_id


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


async def _delivery_total(container: Container, partner_id: str) -> int:
    page = await service.list_deliveries(uow=container.read_uow(), partner_id=partner_id, limit=100)
    return len(page.items)


async def test_operator_reads_the_log_and_replays_by_id_and_range(
    client: httpx.AsyncClient,
    container: Container,
    receiver: Receiver,
    op: dict[str, str],
    pixfeed: PartnerSetup,
) -> None:
    event_id = await _publish(container, pixfeed.partner_id)
    await make_worker(container).run_until_idle()
    base = f"{ADMIN}/{pixfeed.partner_id}"
    listed = await client.get(f"{base}/webhook-events", headers=op)
    assert listed.status_code == 200, listed.text
    [event] = listed.json()["items"]
    assert (event["id"], event["event_type"], event["payload"]["data"]) == (
        event_id,
        "order.created",
        {"order_id": "ord_1"},
    )
    [delivery] = event["deliveries"]
    assert {k: delivery[k] for k in ("endpoint_id", "trigger", "status", "attempt_count")} == {
        "endpoint_id": pixfeed.endpoint_id,
        "trigger": "publish",
        "status": "succeeded",
        "attempt_count": 1,
    }
    [attempt] = delivery["attempts"]
    assert (attempt["number"], attempt["status_code"], attempt["outcome"]) == (1, 200, "succeeded")
    assert isinstance(attempt["latency_ms"], int)
    one = await client.get(f"{base}/webhook-events/{event_id}", headers=op)
    assert one.json() == event
    done = await client.get(f"{base}/webhook-deliveries?status=succeeded", headers=op)
    assert [d["id"] for d in done.json()["items"]] == [delivery["id"]]
    replayed = await client.post(f"{base}/webhook-events/{event_id}/replay", headers=op)
    assert replayed.status_code == 202, replayed.text
    assert (replayed.json()["events"], replayed.json()["queued"]) == (1, 1)
    await make_worker(container).run_until_idle()
    ranged = await client.post(
        f"{base}/webhook-events/replay",
        json={"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00+02:00"},
        headers=op,
    )
    assert (ranged.status_code, ranged.json()["queued"]) == (202, 1)
    await make_worker(container).run_until_idle()
    assert [r.webhook_id for r in receiver.requests] == [event_id] * 3
    assert all(r.verified_with for r in receiver.requests)


async def test_admin_routes_need_an_operator_and_change_nothing_without_one(
    client: httpx.AsyncClient, container: Container, pixfeed: PartnerSetup
) -> None:
    event_id = await _publish(container, pixfeed.partner_id)
    base = f"{ADMIN}/{pixfeed.partner_id}"
    for response in [
        await client.get(f"{base}/webhook-events"),
        await client.get(f"{base}/webhook-events/{event_id}"),
        await client.get(f"{base}/webhook-deliveries"),
        await client.post(f"{base}/webhook-events/{event_id}/replay"),
        await client.post(
            f"{base}/webhook-events/replay",
            json={"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"},
        ),
        await client.get(f"{base}/webhook-events", headers=pixfeed.auth),
    ]:
        _problem(response, 401, "operator_auth_required")
    assert await _delivery_total(container, pixfeed.partner_id) == 1


async def test_partner_sees_and_replays_only_its_own_events(
    client: httpx.AsyncClient,
    container: Container,
    receiver: Receiver,
    pixfeed: PartnerSetup,
    snapgram: PartnerSetup,
) -> None:
    mine = await _publish(container, pixfeed.partner_id)
    theirs = await _publish(container, snapgram.partner_id, "order.shipped")
    await make_worker(container).run_until_idle()
    own = await client.get(f"{PARTNER}/events", headers=pixfeed.auth)
    assert [e["id"] for e in own.json()["items"]] == [mine]
    other = await client.get(f"{PARTNER}/events", headers=snapgram.auth)
    assert [e["id"] for e in other.json()["items"]] == [theirs]
    deliveries = await client.get(f"{PARTNER}/deliveries", headers=snapgram.auth)
    assert [d["event_id"] for d in deliveries.json()["items"]] == [theirs]
    _problem(
        await client.get(f"{PARTNER}/events/{mine}", headers=snapgram.auth),
        404,
        "webhook_event_not_found",
    )
    _problem(
        await client.post(f"{PARTNER}/events/{mine}/replay", headers=snapgram.auth),
        404,
        "webhook_event_not_found",
    )
    _problem(
        await client.post(
            f"{PARTNER}/events/{theirs}/replay",
            json={"endpoint_id": pixfeed.endpoint_id},
            headers=snapgram.auth,
        ),
        404,
        "webhook_endpoint_not_found",
    )
    ranged = await client.post(
        f"{PARTNER}/events/replay",
        json={"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"},
        headers=snapgram.auth,
    )
    assert ranged.json() == {
        "events": 1,
        "queued": 1,
        "delivery_ids": ranged.json()["delivery_ids"],
    }
    assert await _delivery_total(container, pixfeed.partner_id) == 1
    assert await _delivery_total(container, snapgram.partner_id) == 2
    replayed = await client.post(f"{PARTNER}/events/{mine}/replay", headers=pixfeed.auth)
    assert (replayed.status_code, replayed.json()["queued"]) == (202, 1)
    await make_worker(container).run_until_idle()
    assert [(r.path, r.webhook_id) for r in receiver.requests[2:]] == [
        ("/hooks/snapgram", theirs),
        ("/hooks/pixfeed", mine),
    ]


async def test_partner_routes_need_client_credentials(
    client: httpx.AsyncClient, container: Container, pixfeed: PartnerSetup
) -> None:
    event_id = await _publish(container, pixfeed.partner_id)
    wrong = {"Authorization": "Basic bm9wZTpub3Bl"}
    for response in [
        await client.get(f"{PARTNER}/events"),
        await client.get(f"{PARTNER}/deliveries", headers=wrong),
        await client.post(f"{PARTNER}/events/{event_id}/replay", headers=wrong),
    ]:
        body = _problem(response, 401, "invalid_client")
        assert body["status"] == 401
    assert await _delivery_total(container, pixfeed.partner_id) == 1


async def test_bad_queries_and_replays_are_problems(
    client: httpx.AsyncClient, container: Container, op: dict[str, str], pixfeed: PartnerSetup
) -> None:
    base = f"{ADMIN}/{pixfeed.partner_id}"
    reversed_range = {"from": "2030-01-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"}
    _problem(
        await client.post(f"{base}/webhook-events/replay", json=reversed_range, headers=op),
        422,
        "invalid_replay_range",
    )
    for body in [
        {"from": "2020-01-01T00:00:00", "to": "2030-01-01T00:00:00Z"},
        {"from": "0001-01-01T00:00:00+01:00", "to": "2030-01-01T00:00:00Z"},
        {"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z", "extra": 1},
        {"to": "2030-01-01T00:00:00Z"},
    ]:
        response = await client.post(f"{base}/webhook-events/replay", json=body, headers=op)
        _problem(response, 422, "validation_failed")
    for query in ["limit=0", "limit=101", "status=lost", "since=yesterday", "before=" + "x" * 40]:
        response = await client.get(f"{base}/webhook-events?{query}", headers=op)
        if query.startswith("status"):
            response = await client.get(f"{base}/webhook-deliveries?{query}", headers=op)
        _problem(response, 422, "validation_failed")
    _problem(
        await client.get(f"{ADMIN}/ptn_missing/webhook-events", headers=op),
        404,
        "partner_not_found",
    )
    _problem(
        await client.post(f"{ADMIN}/ptn_missing/webhook-events/msg_x/replay", headers=op),
        404,
        "webhook_event_not_found",
    )
    assert await _delivery_total(container, pixfeed.partner_id) == 0
