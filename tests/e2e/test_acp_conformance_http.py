"""ACP 2026-04-17 conformance over HTTP: every answer of our ACP endpoints against the spec.

All calls go through ``checked_client``: each answer of ``/acp``, ``/agentic_commerce`` and
``/.well-known/acp.json`` is validated against the vendored JSON Schemas by operation and
status, with the protocol's headers. Scenarios walk every endpoint and the main states; property
tests post bodies generated from the spec's own request schemas; the stored order events are
checked against the webhook bundle. Known spec mismatches are strict xfails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.idempotency import service as idempotency
from handshake.kernel import clock
from handshake.linking.policy import LinkingPolicy
from handshake.linking.service import authenticate_access_token
from tests import acp_conformance as spec
from tests.acp_conformance import DELEGATE, refused
from tests.acp_helpers import (
    ADDRESS,
    SESSIONS,
    VERSION,
    acp_headers,
    card_body,
    complete_body,
    create_body,
    open_session,
    total_of,
    vault_token,
)
from tests.checkout_helpers import checkout_shopper, partner_events, prepared_catalog
from tests.checkout_state_helpers import set_price
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LOW_SKU, MEMBER_SKU, OUT_SKU, PLAIN_SKU, LinkedShopper
from tests.offers_helpers import client_credentials_token as platform_token


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


@pytest.fixture
def http(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The test client, validating every ACP answer against the spec."""
    return spec.checked_client(client)


@pytest.fixture
async def shopper(app: object, container: Container) -> LinkedShopper:
    """The offers catalog and a shopper linked with scope checkout (saved address and card)."""
    await prepared_catalog(container)
    return await checkout_shopper(app, container, scope="checkout")


async def call(
    http: httpx.AsyncClient, linked: LinkedShopper, path: str, body: Any = None, **extra: str
) -> httpx.Response:
    """POST ``body`` to an ACP path with a fresh Idempotency-Key."""
    return await http.post(path, json=body, headers=acp_headers(linked, **extra))


async def platform_headers(
    http: httpx.AsyncClient, linked: LinkedShopper, key: str | None = None
) -> dict[str, str]:
    """The platform's (client-credentials) headers for delegate_payment, with a key."""
    token = await platform_token(http, linked.app, scope="checkout")
    return {
        "Authorization": f"Bearer {token}", "API-Version": VERSION,
        "Idempotency-Key": key or str(uuid.uuid4()),
    }  # fmt: skip


async def test_discovery_is_a_discovery_response(http: httpx.AsyncClient) -> None:
    answer = await http.get(spec.DISCOVERY)
    assert answer.json()["protocol"]["supported_versions"] == [VERSION]
    assert spec.hook_of(http).checked == [("GET", spec.DISCOVERY, 200, "DiscoveryResponse")]


async def test_a_session_through_every_endpoint_to_its_order(
    http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    session = await open_session(http, shopper, (MEMBER_SKU, 2))
    path = f"{SESSIONS}/{session['id']}"
    assert session["status"] == "ready_for_payment", session
    assert (await http.get(path, headers=acp_headers(shopper, None))).json() == session
    lines = [line["id"] for line in session["line_items"]]
    change = {
        "selected_fulfillment_options": [
            {"type": "shipping", "option_id": "express", "item_ids": lines}
        ],
        "buyer": {"email": "ada@example.com", "first_name": "Ada"},
    }
    key = str(uuid.uuid4())
    updated = await http.post(path, json=change, headers=acp_headers(shopper, key))
    assert updated.json()["selected_fulfillment_options"][0]["option_id"] == "express"
    again = await http.post(path, json=change, headers=acp_headers(shopper, key))
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await http.post(
        path, json={"buyer": change["buyer"]}, headers=acp_headers(shopper, key)
    )
    refused(other, 422, "idempotency_conflict")
    token = await vault_token(http, shopper, session["id"], total_of(updated.json()))
    traced = {"Request-Id": "req-42"}  # echoed, as the hook checks
    done = (await call(http, shopper, f"{path}/complete", complete_body(token), **traced)).json()
    assert (done["status"], done["order"]["status"]) == ("completed", "confirmed")
    shown = (await http.get(path, headers=acp_headers(shopper, None))).json()
    assert (shown["status"], shown["order"]["id"]) == ("completed", done["order"]["id"])
    refused(await call(http, shopper, f"{path}/cancel"), 405, "session_not_cancelable")
    checked = {(method, status, name) for method, _, status, name in spec.hook_of(http).checked}
    assert checked >= {
        ("POST", 201, "CheckoutSession"), ("GET", 200, "CheckoutSession"),
        ("POST", 200, "CheckoutSession"), ("POST", 201, "DelegatePaymentResponse"),
        ("POST", 200, "CheckoutSessionWithOrder"), ("POST", 405, "Error"),
    }  # fmt: skip


async def test_an_item_out_of_stock_is_not_ready_for_payment(
    http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    session = await open_session(http, shopper, (MEMBER_SKU, 1), (OUT_SKU, 1))
    assert session["status"] == "not_ready_for_payment", session
    errors = [(m["code"], m["param"]) for m in session["messages"] if m["type"] == "error"]
    assert errors == [("out_of_stock", "$.line_items[1]")], session["messages"]
    token = await vault_token(http, shopper, session["id"], 100_000)
    done = await call(http, shopper, f"{SESSIONS}/{session['id']}/complete", complete_body(token))
    assert 400 <= done.status_code < 500, done.text


async def test_without_an_address_the_session_waits_for_one(
    app: object, container: Container, http: httpx.AsyncClient
) -> None:
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout", address=False)
    session = await open_session(http, linked, (MEMBER_SKU, 1), address=False)
    assert session["status"] == "not_ready_for_payment", session
    errors = [(m["code"], m["param"]) for m in session["messages"] if m["type"] == "error"]
    assert errors == [("missing", "$.fulfillment_details.address")], session["messages"]
    details = {"fulfillment_details": {"name": "Ada Lovelace", "address": ADDRESS}}
    updated = await call(http, linked, f"{SESSIONS}/{session['id']}", details)
    assert updated.json()["status"] == "ready_for_payment", updated.text


async def test_a_cancelled_session_stays_cancelled(
    http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    session = await open_session(http, shopper, (MEMBER_SKU, 1))
    path = f"{SESSIONS}/{session['id']}"
    trace = {"intent_trace": {"reason_code": "price_sensitivity", "trace_summary": "too dear"}}
    assert (await call(http, shopper, f"{path}/cancel", trace)).json()["status"] == "canceled"
    refused(await call(http, shopper, f"{path}/cancel"), 405, "session_not_cancelable")
    changed = await call(http, shopper, path, {"line_items": [{"id": MEMBER_SKU}]})
    assert 400 <= changed.status_code < 500, changed.text
    token = await vault_token(http, shopper, session["id"], 100_000)
    done = await call(http, shopper, f"{path}/complete", complete_body(token))
    assert 400 <= done.status_code < 500, done.text
    shown = await http.get(path, headers=acp_headers(shopper, None))
    assert shown.json()["status"] == "canceled"


async def test_refusals_are_protocol_errors(
    http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    unknown, body = f"{SESSIONS}/cs_unknown", create_body((MEMBER_SKU, 1))
    missing = "checkout_session_not_found"
    refused(await http.get(unknown, headers=acp_headers(shopper, None)), 404, missing)
    for suffix, sent in (("", {}), ("/complete", complete_body("vt_x")), ("/cancel", None)):
        refused(await call(http, shopper, unknown + suffix, sent), 404, missing)
    versionless = {k: v for k, v in acp_headers(shopper).items() if k != "API-Version"}
    answer = await http.post(SESSIONS, json=body, headers=versionless)
    assert refused(answer, 400, "missing_api_version")["supported_versions"] == [VERSION]
    answer = await call(http, shopper, SESSIONS, body, **{"API-Version": "2025-01-01"})
    refused(answer, 400, "unsupported_api_version")
    for bad in ({}, {**body, "line_items": []}, {**body, "currency": None}):
        assert refused(await call(http, shopper, SESSIONS, bad), 400, "invalid")["param"]
    answer = await http.post(SESSIONS, json=body, headers=acp_headers(shopper, None))
    refused(answer, 400, "idempotency_key_required")
    anonymous = {"API-Version": VERSION, "Idempotency-Key": "k-1"}
    refused(await http.post(SESSIONS, json=body, headers=anonymous), 401, "invalid_token")
    platform = await platform_headers(http, shopper)
    refused(await http.post(SESSIONS, json=body, headers=platform), 403, "requires_sign_in")


async def test_french_texts_are_still_the_spec(
    http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    created = (await call(http, shopper, SESSIONS, create_body((MEMBER_SKU, 1)), **french)).json()
    texts = {t["type"]: t["display_text"] for t in created["totals"]}
    assert (texts["subtotal"], texts["fulfillment"]) == ("Sous-total", "Livraison"), texts
    path = f"{SESSIONS}/{created['id']}"
    shown = await http.get(path, headers=acp_headers(shopper, None, **french))
    assert shown.json()["totals"] == created["totals"]


async def test_a_key_still_in_flight_is_409_with_retry_after(
    container: Container, http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    session = await open_session(http, shopper, (MEMBER_SKU, 1))
    policy = LinkingPolicy.from_settings(container.settings)
    access = await authenticate_access_token(
        uow=container.read_uow(), policy=policy, token=shopper.access_token
    )
    path, body = f"{SESSIONS}/{session['id']}/cancel", card_body(session["id"], 1000)
    for scope, key, sent in (
        (f"acp:{access.partner_id}:{access.subject}:POST {path}", "busy-1", None),
        (f"psp:{shopper.app.partner_id}:{DELEGATE}", "busy-2", body),
    ):  # the first request with the key is still running
        keyed = idempotency.keyed_request(scope=scope, key=key, body=sent)
        await idempotency.claim(uow=container.uow(), request=keyed)
    answer = await http.post(path, headers=acp_headers(shopper, "busy-1"))
    refused(answer, 409, "idempotency_in_flight")
    headers = await platform_headers(http, shopper, "busy-2")
    refused(await http.post(DELEGATE, json=body, headers=headers), 409, "idempotency_in_flight")


async def test_completion_refusals_are_errors_of_the_spec(
    container: Container, http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    session = await open_session(http, shopper, (MEMBER_SKU, 1))
    other = await open_session(http, shopper, (MEMBER_SKU, 1))
    path, own, total = f"{SESSIONS}/{session['id']}", session["id"], total_of(session)
    declines = {  # what the Error's message says (its code is payment_declined)
        "another checkout session": await vault_token(http, shopper, other["id"], total),
        "above the token's allowance": await vault_token(http, shopper, own, total - 1),
        "another merchant": await vault_token(http, shopper, own, total, merchant_id="other"),
        "another currency": await vault_token(http, shopper, own, total, currency="usd"),
        "expired": await vault_token(http, shopper, own, total, expires_in=timedelta(minutes=1)),
        "No delegated payment token": "vt_unknown",
    }
    clock.advance(timedelta(minutes=2))
    for reason, token in declines.items():
        answer = await call(http, shopper, f"{path}/complete", complete_body(token))
        assert reason in refused(answer, 422, "payment_declined")["message"]
    good = complete_body(await vault_token(http, shopper, own, total + 5000))
    await set_price(container, MEMBER_SKU, 13999, 12999)
    refused(await call(http, shopper, f"{path}/complete", good), 409, "price_changed")
    answer = await call(http, shopper, f"{path}/complete", {})
    assert refused(answer, 400, "invalid")["param"] == "$.payment_data"
    answer = await call(http, shopper, f"{path}/complete", {"payment_data": {}})
    assert refused(answer, 422, "unsupported_payment_data")["param"] == "$.payment_data.instrument"
    assert (await call(http, shopper, f"{SESSIONS}/{other['id']}", {})).status_code == 200
    assert (await call(http, shopper, f"{path}/complete", good)).status_code == 200
    reused = await call(http, shopper, f"{SESSIONS}/{other['id']}/complete", good)
    refused(reused, 422, "payment_declined")


def _mismatch(case: str, status: int, code: str) -> Any:
    reason = f"spec mismatch: delegate_payment Error.code is a closed enum without {code!r}"
    if "version" in code:
        reason += ", and its Error has no supported_versions (additionalProperties false)"
    return pytest.param(case, status, code, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("nokey", 400, "idempotency_key_required"), ("luhn", 422, "invalid_card"),
        ("blocked", 422, "invalid_card"), ("conflict", 422, "idempotency_conflict"),
        ("noversion", 400, "invalid_card"), ("badversion", 400, "invalid_card"),
        ("invalid", 400, "invalid_card"), ("expired", 422, "invalid_card"),
        _mismatch("anonymous", 401, "invalid_token"),
    ],
)  # fmt: skip
async def test_delegate_payment_errors_fit_its_error_schema(
    http: httpx.AsyncClient, shopper: LinkedShopper, case: str, status: int, code: str
) -> None:
    headers, body = await platform_headers(http, shopper), card_body("chk_any", 1000)
    if case == "conflict":
        assert (await http.post(DELEGATE, json=body, headers=headers)).status_code == 201
        body = card_body("chk_any", 2000)
    dropped = {"nokey": "Idempotency-Key", "noversion": "API-Version", "anonymous": "Authorization"}
    headers.pop(dropped.get(case, ""), None)
    headers.update({"API-Version": "2020-01-01"} if case == "badversion" else {})
    blocked = [{"type": "card_testing", "score": 99, "action": "blocked"}]
    body = {
        "luhn": card_body("chk_any", 1000, number="4242424242424241"),
        "blocked": {**body, "risk_signals": blocked},
        "invalid": {**body, "payment_method": {"type": "card"}},
        "expired": card_body("chk_any", 1000, expires_in=timedelta(minutes=-5)),
    }.get(case, body)
    answer = await http.post(DELEGATE, json=body, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text


async def test_order_events_are_full_orders_of_the_webhook_spec(
    container: Container, http: httpx.AsyncClient, shopper: LinkedShopper
) -> None:
    orders = []
    for _ in range(2):
        session = await open_session(http, shopper, (MEMBER_SKU, 1))
        token = await vault_token(http, shopper, session["id"], total_of(session))
        path = f"{SESSIONS}/{session['id']}/complete"
        orders.append((await call(http, shopper, path, complete_body(token))).json()["order"]["id"])
    shipped, dropped = orders
    uow, actor = container.uow, "operator:test"
    clock.advance(timedelta(hours=1))
    await checkout.ship_order(uow=uow(), order_id=shipped, carrier="Colissimo",
                              tracking_number="6A123", actor=actor)  # fmt: skip
    await checkout.refund_order(uow=uow(), order_id=shipped, actor=actor, amount_minor=500)
    await checkout.mark_delivered(uow=uow(), order_id=shipped, actor=actor)
    await checkout.refund_order(uow=uow(), order_id=shipped, actor=actor)
    await checkout.cancel_order(uow=uow(), order_id=dropped, actor=actor)
    stored = await partner_events(container, shopper.app.partner_id)
    events = [(kind.removeprefix("acp."), data) for kind, data in stored if kind[:4] == "acp."]
    for kind, data in events:
        spec.validate(data, "EventDataOrder", "webhook")
        spec.validate({"type": kind, "data": data}, "WebhookEvent", "webhook")
        spec.validate(data, "Order")  # the checkout bundle's Order too
    seen = [(kind, data["id"], data["status"], data["fulfillments"][0]["status"],
             [(a["type"], a.get("amount")) for a in data["adjustments"]])
            for kind, data in events]  # fmt: skip
    paid = total_of(events[0][1])
    assert seen == [
        ("order_create", shipped, "confirmed", "pending", []),
        ("order_create", dropped, "confirmed", "pending", []),
        ("order_update", shipped, "shipped", "shipped", []),
        ("order_update", shipped, "shipped", "shipped", [("refund", 500)]),
        ("order_update", shipped, "completed", "delivered", [("refund", 500)]),
        ("order_update", shipped, "completed", "delivered", [("refund", paid)]),
        ("order_update", dropped, "canceled", "canceled", [("cancellation", None)]),
    ]


HOSTILE = {  # spec-valid JSON that must get a 4xx (or a success), never a 500
    "integer 2**53": '"metadata":{"n":9007199254740992}',
    "number 1e400": '"metadata":{"n":1e400}',
    "NUL in an item id": f'"line_items":[{{"id":"{MEMBER_SKU}\\u0000"}}]',
    "NUL in the notes": '"order_notes":"ring\\u0000twice"',
    "NUL in a name": '"buyer":{"email":"ada@example.com","first_name":"A\\u0000da"}',
}


@pytest.mark.parametrize("case", HOSTILE)
async def test_hostile_values_are_client_errors(
    http: httpx.AsyncClient, shopper: LinkedShopper, case: str
) -> None:
    """Regression: numbers beyond I-JSON and NUL characters were 500s (PostgreSQL for NUL)."""
    items = "" if "item" in case else f'"line_items":[{{"id":"{MEMBER_SKU}"}}],'
    raw = f'{{"currency":"eur","capabilities":{{}},{items}{HOSTILE[case]}}}'
    headers = {**acp_headers(shopper), "Content-Type": "application/json"}
    answer = await http.post(SESSIONS, content=raw, headers=headers)
    assert answer.status_code < 500, answer.text


@pytest.mark.parametrize(("method", "path"), [("PUT", SESSIONS), ("GET", "/acp/nothing")])
async def test_unrouted_acp_requests_answer_protocol_errors(
    http: httpx.AsyncClient, shopper: LinkedShopper, method: str, path: str
) -> None:
    answer = await http.request(method, path, headers=acp_headers(shopper))
    assert answer.status_code in (404, 405)


# Property tests: request bodies drawn from the spec's own request schemas.
SKUS = st.lists(st.sampled_from((MEMBER_SKU, LOW_SKU, PLAIN_SKU, OUT_SKU)), min_size=1, max_size=3)
PROPERTIES = settings(
    max_examples=30, deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


@pytest.fixture
async def open_id(http: httpx.AsyncClient, shopper: LinkedShopper) -> str:
    """One open session of the shopper (updated by every example)."""
    return str((await open_session(http, shopper, (MEMBER_SKU, 1)))["id"])


def answered(answer: httpx.Response, success: int) -> None:
    """A success or a client error, never a server error (the hook validated the body)."""
    assert answer.status_code == success or 400 <= answer.status_code < 500, answer.text


@PROPERTIES
@given(body=spec.spec_bodies("CheckoutSessionCreateRequest"), real=st.booleans(), skus=SKUS)
async def test_spec_create_requests_get_spec_answers(
    http: httpx.AsyncClient, shopper: LinkedShopper, body: dict[str, Any], real: bool,
    skus: list[str],
) -> None:  # fmt: skip
    sent = spec.made_real(body, skus) if real else body
    answered(await call(http, shopper, SESSIONS, sent), 201)


@PROPERTIES
@given(body=spec.spec_bodies("CheckoutSessionUpdateRequest"), real=st.booleans(), skus=SKUS)
async def test_spec_update_requests_get_spec_answers(
    http: httpx.AsyncClient, shopper: LinkedShopper, open_id: str, body: dict[str, Any],
    real: bool, skus: list[str],
) -> None:  # fmt: skip
    sent = spec.made_real(body, skus) if real else body
    answered(await call(http, shopper, f"{SESSIONS}/{open_id}", sent), 200)


@PROPERTIES
@given(body=spec.spec_bodies("CancelSessionRequest"))
async def test_spec_cancel_requests_get_spec_answers(
    http: httpx.AsyncClient, shopper: LinkedShopper, body: dict[str, Any]
) -> None:
    session = await open_session(http, shopper, (PLAIN_SKU, 1))
    answered(await call(http, shopper, f"{SESSIONS}/{session['id']}/cancel", body), 200)
