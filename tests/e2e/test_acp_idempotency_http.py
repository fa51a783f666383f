"""Idempotency and the protocol's HTTP rules of the ACP checkout (ACP RFC §6) over HTTP.

Every POST needs an Idempotency-Key; a replay answers the first status and body, marked
``Idempotent-Replayed: true``, and repeats nothing; the same key with another body is a
permanent 422; a key is scoped to its endpoint path and caller; 4xx answers are kept, 5xx and
crashes are not. "Nothing happened" is proved on the whole database: every table as it was.
The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris; ACM-X1-WHT costs 129.99.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.checkout.models import ReservationStatus
from handshake.kernel import clock
from handshake.payments.errors import PaymentProviderUnavailable
from handshake.payments.sandbox import SandboxProvider
from tests.acp_helpers import (
    ENDPOINTS,
    SESSIONS,
    acp_error,
    acp_headers,
    complete_body,
    create_body,
    open_session,
    ready,
    request_of,
    total_of,
    vault_token,
)
from tests.checkout_helpers import checkout_shopper
from tests.checkout_state_helpers import holds, orders_of, payments_of, same_app_shopper, stock
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import MEMBER_SKU, table_contents

KEY_REQUIRED = {
    "type": "invalid_request", "code": "idempotency_key_required",
    "message": "Send an Idempotency-Key header (1 to 255 printable characters, a UUID v4 is best).",
}  # fmt: skip
CONFLICT = {
    "type": "invalid_request", "code": "idempotency_conflict",
    "message": "This Idempotency-Key was used for a request with another body.",
}  # fmt: skip
IN_FLIGHT = {
    "type": "invalid_request", "code": "idempotency_in_flight",
    "message": "The first request with this Idempotency-Key is still running.",
}  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


def replayed(first: httpx.Response, again: httpx.Response) -> None:
    """``again`` replays ``first``: same status and JSON, marked replayed (``first`` is not)."""
    assert again.status_code == first.status_code, again.text
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("key", [None, "k" * 256], ids=["absent", "too_long"])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_post_without_a_usable_key_is_refused_and_nothing_happens(
    app: object, container: Container, client: httpx.AsyncClient, endpoint: str, key: str | None
) -> None:
    """400 idempotency_key_required; not a row of any table changed (no session, no order…)."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of(endpoint, session, token)
    before = await table_contents(container)

    refused = await client.post(path, json=body, headers=acp_headers(linked, key=None) | (
        {} if key is None else {"Idempotency-Key": key}
    ))  # fmt: skip

    assert refused.status_code == 400, refused.text
    assert refused.json() == KEY_REQUIRED
    assert await table_contents(container) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_replay_repeats_nothing(
    app: object, container: Container, client: httpx.AsyncClient, endpoint: str
) -> None:
    """Same key and body: the first status and JSON, replayed; every table as after the first."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of(endpoint, session, token)
    headers = acp_headers(linked, key=f"replay-{endpoint}")
    first = await client.post(path, json=body, headers=headers)
    after_first = await table_contents(container)

    again = await client.post(path, json=body, headers=headers)

    assert first.status_code == (201 if endpoint == "create" else 200), first.text
    replayed(first, again)
    assert await table_contents(container) == after_first


async def test_a_replayed_completion_has_one_order_one_payment_and_one_hold(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Three sends of one completion: one order, one authorisation, the 2 units ordered once."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of("complete", session, token)
    headers = acp_headers(linked, key="complete-once")

    answers = [await client.post(path, json=body, headers=headers) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, "true", "true"]
    order = answers[0].json()["order"]
    placed = await orders_of(container, linked.login.shopper_id)
    assert [(o.order.id, o.order.total_minor) for o in placed] == [(order["id"], 25998)]
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]
    assert await holds(container, session["id"], ReservationStatus.ORDERED) == [("PAR1", 2)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 2)}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_replayed_body_is_byte_identical(
    app: object, container: Container, client: httpx.AsyncClient, endpoint: str,
) -> None:  # fmt: skip
    """The replay's bytes are the first answer's bytes (regression: JSONB reordered keys)."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of(endpoint, session, token)
    headers = acp_headers(linked, key=f"bytes-{endpoint}")

    first = await client.post(path, json=body, headers=headers)
    again = await client.post(path, json=body, headers=headers)

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content


async def test_key_order_and_number_spelling_do_not_make_another_body(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Members reordered and 1.0 for 1 (RFC 8785 canonical form): a replay, one session."""
    linked, _, _ = await ready(app, container, client)
    headers = {**acp_headers(linked, key="canonical"), "Content-Type": "application/json"}
    body = create_body((MEMBER_SKU, 1))
    body["line_items"] = [{"id": MEMBER_SKU, "quantity": 1}]
    first = await client.post(SESSIONS, json=body, headers=headers)
    after_first = await table_contents(container)
    shuffled = {name: body[name] for name in reversed(list(body))}
    shuffled["line_items"] = [{"quantity": 1.0, "id": MEMBER_SKU}]
    text = json.dumps(shuffled)
    assert '"quantity": 1.0' in text

    again = await client.post(SESSIONS, content=text, headers=headers)

    assert first.status_code == 201, first.text
    replayed(first, again)
    assert await table_contents(container) == after_first


async def test_null_is_not_absent_and_another_body_is_a_permanent_conflict(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """``"buyer": null`` or another item under the key: 422, every time, nothing done; the
    original body still replays."""
    linked, _, _ = await ready(app, container, client)
    headers = acp_headers(linked, key="one-body")
    body = create_body((MEMBER_SKU, 1))
    first = await client.post(SESSIONS, json=body, headers=headers)
    after_first = await table_contents(container)
    others = [{**body, "buyer": None}, create_body((MEMBER_SKU, 2)), {**body, "buyer": None}]

    refused = [await client.post(SESSIONS, json=other, headers=headers) for other in others]

    assert [(a.status_code, a.json()) for a in refused] == [(422, CONFLICT)] * 3
    assert all(a.headers["content-type"] == "application/json" for a in refused)
    assert await table_contents(container) == after_first
    replayed(first, await client.post(SESSIONS, json=body, headers=headers))


async def test_a_completion_key_reused_with_another_token_is_a_conflict(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """After the order, the key with another vault token: 422; still one order and payment."""
    linked, session, token = await ready(app, container, client)
    path = f"{SESSIONS}/{session['id']}/complete"
    headers = acp_headers(linked, key="pay-once")
    done = await client.post(path, json=complete_body(token), headers=headers)
    other = await vault_token(client, linked, session["id"], total_of(session))

    refused = await client.post(path, json=complete_body(other), headers=headers)

    assert done.status_code == 200, done.text
    assert (refused.status_code, refused.json()) == (422, CONFLICT)
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]


async def test_a_key_is_scoped_to_its_path(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The key of an update of session A, on session B's path: B is updated, not a replay."""
    linked, first, _ = await ready(app, container, client)
    second = await open_session(client, linked, (MEMBER_SKU, 1))
    change = {"line_items": [{"id": MEMBER_SKU, "quantity": 3}]}
    headers = acp_headers(linked, key="shared-key")

    one = await client.post(f"{SESSIONS}/{first['id']}", json=change, headers=headers)
    two = await client.post(f"{SESSIONS}/{second['id']}", json=change, headers=headers)

    assert (one.status_code, two.status_code) == (200, 200), two.text
    assert "Idempotent-Replayed" not in two.headers
    assert (one.json()["id"], two.json()["id"]) == (first["id"], second["id"])
    assert await holds(container, first["id"]) == [("PAR1", 3)]
    assert await holds(container, second["id"]) == [("PAR1", 3)]


async def test_a_key_is_scoped_to_its_caller(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The same key and body by another shopper of the platform, or another platform's: fresh."""
    linked, _, _ = await ready(app, container, client)
    neighbour = await same_app_shopper(app, container, linked.app, "checkout")
    stranger = await checkout_shopper(app, container, scope="checkout")
    body = create_body((MEMBER_SKU, 1))

    answers = [
        await client.post(SESSIONS, json=body, headers=acp_headers(caller, key="same-key"))
        for caller in (linked, neighbour, stranger)
    ]

    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.headers.get("Idempotent-Replayed") for a in answers] == [None, None, None]
    assert len({a.json()["id"] for a in answers}) == 3
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 5)}


async def test_a_4xx_answer_is_kept_and_replayed(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """An unknown SKU: 422 unknown_items, replayed as it was (the request would fail again)."""
    linked, _, _ = await ready(app, container, client)
    headers = acp_headers(linked, key="unknown-sku")
    before = await table_contents(container)
    body = create_body(("ACM-NOPE-1", 1))

    first = await client.post(SESSIONS, json=body, headers=headers)
    after_first = await table_contents(container)
    again = await client.post(SESSIONS, json=body, headers=headers)

    assert first.json() == {
        "type": "invalid_request", "code": "unknown_items", "message": "Some items are not sold.",
    }  # fmt: skip
    acp_error(first, 422, "unknown_items")
    replayed(first, again)
    assert again.headers["content-type"] == "application/json"
    changed = {name for name in before if before[name] != after_first[name]}
    assert changed == {"idempotency_keys"}  # only the kept answer
    assert await table_contents(container) == after_first


def held_authorisations(monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """Sandbox authorisations wait for ``go`` once they have set ``started``."""
    started, go = asyncio.Event(), asyncio.Event()
    authorize = SandboxProvider.authorize

    async def held(self: SandboxProvider, **call: Any) -> Any:
        started.set()
        await go.wait()
        return await authorize(self, **call)

    monkeypatch.setattr(SandboxProvider, "authorize", held)
    return started, go


async def test_the_same_key_while_the_first_runs_is_409_in_flight(
    app: object, container: Container, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-payment, the key again: 409 idempotency_in_flight with Retry-After (the completion
    lease); once done, the key replays the order. One order, one payment."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of("complete", session, token)
    headers = acp_headers(linked, key="slow-pay")
    started, go = held_authorisations(monkeypatch)
    first = asyncio.create_task(client.post(path, json=body, headers=headers))
    await asyncio.wait_for(started.wait(), 10)

    waiting = await client.post(path, json=body, headers=headers)
    seen = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))
    go.set()
    done = await asyncio.wait_for(first, 10)

    assert waiting.status_code == 409, waiting.text
    assert waiting.json() == IN_FLIGHT
    lease = container.settings.checkout.completion_lease_seconds
    assert waiting.headers["Retry-After"] == str(lease)
    assert seen.json()["status"] == "complete_in_progress"
    assert (done.status_code, done.json()["status"]) == (200, "completed")
    replayed(done, await client.post(path, json=body, headers=headers))
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]


def failing_once(monkeypatch: pytest.MonkeyPatch, failure: BaseException) -> None:
    """The next sandbox authorisation raises ``failure``; later ones behave as usual."""
    authorize, failures = SandboxProvider.authorize, [failure]

    async def flaky(self: SandboxProvider, **call: Any) -> Any:
        if failures:
            raise failures.pop()
        return await authorize(self, **call)

    monkeypatch.setattr(SandboxProvider, "authorize", flaky)


@pytest.mark.parametrize(
    ("failure", "status", "kind", "code"),
    [
        (PaymentProviderUnavailable("down"), 503, "service_unavailable",
         "payment_provider_unavailable"),
        (RuntimeError("crash"), 500, "processing_error", "internal_error"),
    ],
    ids=["provider_unavailable", "crash"],
)  # fmt: skip
async def test_a_5xx_is_not_kept_and_the_retry_with_the_key_runs_afresh(
    app: object, container: Container, client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch, failure: BaseException, status: int, kind: str, code: str,
) -> None:  # fmt: skip
    """The provider fails once: 5xx, nothing paid, the session and its hold as they were; the
    retry with the same key places the order (not a replay)."""
    linked, session, token = await ready(app, container, client)
    path, body = request_of("complete", session, token)
    headers = acp_headers(linked, key="retry-me")
    failing_once(monkeypatch, failure)

    failed = await client.post(path, json=body, headers=headers)
    seen = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))
    held, paid = await holds(container, session["id"]), await payments_of(container, session["id"])
    retried = await client.post(path, json=body, headers=headers)

    acp_error(failed, status, code, kind)
    assert (seen.json()["status"], held, paid) == ("ready_for_payment", [("PAR1", 2)], [])
    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert await payments_of(container, session["id"]) == [("authorized", 25998, None)]
    assert len(await orders_of(container, linked.login.shopper_id)) == 1


async def test_the_unavailable_test_card_is_503_and_never_replayed(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Card 4000 0000 0000 0119: 503 service_unavailable each time, run afresh; nothing paid."""
    linked, session, _ = await ready(app, container, client)
    token = await vault_token(
        client, linked, session["id"], total_of(session), number="4000000000000119"
    )
    path, body = request_of("complete", session, token)
    headers = acp_headers(linked, key="unavailable")

    answers = [await client.post(path, json=body, headers=headers) for _ in range(2)]

    for answer in answers:
        assert acp_error(answer, 503, "payment_provider_unavailable", "service_unavailable") == {
            "type": "service_unavailable", "code": "payment_provider_unavailable",
            "message": "The sandbox provider is unavailable (test card).",
        }  # fmt: skip
        assert "Idempotent-Replayed" not in answer.headers
    assert await payments_of(container, session["id"]) == []
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await holds(container, session["id"]) == [("PAR1", 2)]
