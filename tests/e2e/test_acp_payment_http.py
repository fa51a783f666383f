"""Delegated payment guarantees of the ACP checkout over HTTP (vault tokens and allowances).

A vault token pays at most its allowance's amount, in its currency, for its one checkout session
of this store, before it expires, once. Every refusal is proved harmless: no order, no payment,
the session still ready for payment with its stock held, and the token left unused. The clock is
frozen on Thursday 2029-03-01 at 10:00 in Paris; 2 × ACM-X1-WHT cost 259.98.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.payments.models import DelegatedPaymentToken
from handshake.payments.repository import DelegatedTokenRepository
from tests.acp_helpers import (
    DELEGATE,
    SESSIONS,
    VERSION,
    acp_headers,
    card_body,
    complete_body,
    open_session,
    vault_token,
)
from tests.checkout_helpers import checkout_shopper, prepared_catalog
from tests.checkout_state_helpers import holds, orders_of, payments_of, set_price, stock
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import MEMBER_SKU, LinkedShopper, client_credentials_token, table_contents

TOTAL = 25998


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def ready(
    app: object, container: Container, client: httpx.AsyncClient, units: int = 2
) -> tuple[LinkedShopper, dict[str, Any]]:
    """An agent's shopper and a session of ``units`` × ACM-X1-WHT, stock held."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout")
    session = await open_session(client, linked, (MEMBER_SKU, units))
    assert session["status"] == "ready_for_payment"
    return linked, session


async def complete(
    client: httpx.AsyncClient, linked: LinkedShopper, session: dict[str, Any], token: str
) -> httpx.Response:
    """POST …/complete paying with ``token`` (a new Idempotency-Key)."""
    return await client.post(
        f"{SESSIONS}/{session['id']}/complete", json=complete_body(token),
        headers=acp_headers(linked),
    )  # fmt: skip


def declined(message: str, code: str = "payment_declined") -> dict[str, str]:
    """The flat error of a refused payment."""
    return {"type": "invalid_request", "code": code, "message": message}


async def token_row(container: Container, token: str) -> DelegatedPaymentToken:
    """The stored vault token."""
    uow = container.read_uow()
    async with uow:
        row = await uow.repo(DelegatedTokenRepository).get(token)
    assert row is not None
    return row


async def assert_untouched(
    container: Container, client: httpx.AsyncClient, linked: LinkedShopper,
    session: dict[str, Any], payments: list[tuple[str, int, str | None]] | None = None,
    reserved: int = 2,
) -> None:  # fmt: skip
    """No order and no (other) payment; the session is ready for payment, its 2 units held
    (``reserved`` in Paris in all)."""
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == (payments or [])
    read = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))
    assert read.json()["status"] == "ready_for_payment"
    assert await holds(container, session["id"]) == [("PAR1", 2)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, reserved)}


async def test_a_token_below_the_total_is_refused_and_pays_once_the_basket_fits(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """max_amount one cent short: 422, nothing paid, token unused; 1 unit later, it pays."""
    linked, session = await ready(app, container, client)
    token = await vault_token(client, linked, session["id"], TOTAL - 1)

    refused = await complete(client, linked, session, token)

    assert refused.status_code == 422, refused.text
    assert refused.json() == declined("The amount is above the token's allowance.")
    await assert_untouched(container, client, linked, session)
    assert (await token_row(container, token)).used_at is None
    smaller = await client.post(
        f"{SESSIONS}/{session['id']}", json={"line_items": [{"id": MEMBER_SKU}]},
        headers=acp_headers(linked),
    )  # fmt: skip
    assert smaller.status_code == 200, smaller.text
    paid = await complete(client, linked, session, token)
    assert paid.status_code == 200, paid.text
    assert await payments_of(container, session["id"]) == [("authorized", 12999, None)]
    row = await token_row(container, token)
    assert (row.used_at, row.used_by_payment_id is not None) == (FROZEN_START, True)


async def refused_token(
    case: str, client: httpx.AsyncClient, linked: LinkedShopper, session: dict[str, Any]
) -> str:
    """A vault token that may not pay ``session``, for the reason ``case``."""
    if case == "unknown":
        return "vt_unknown"
    if case == "other_session":
        other = await open_session(client, linked, (MEMBER_SKU, 1))
        return await vault_token(client, linked, other["id"], TOTAL)
    if case == "expired":
        minute = timedelta(minutes=1)
        token = await vault_token(client, linked, session["id"], TOTAL, expires_in=minute)
        clock.advance(2 * minute)  # the session still holds its stock (10 minutes)
        return token
    options: dict[str, Any] = {"currency": "usd"} if case == "currency" else {
        "merchant_id": "another-store"
    }  # fmt: skip
    return await vault_token(client, linked, session["id"], TOTAL, **options)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown", "No delegated payment token with this id."),
        ("other_session", "The token was delegated for another checkout session."),
        ("currency", "The token's allowance is in another currency."),
        ("merchant", "The token was delegated for another merchant."),
        ("expired", "The token's allowance has expired."),
    ],
)
async def test_a_token_outside_its_allowance_pays_nothing(
    app: object, container: Container, client: httpx.AsyncClient, case: str, message: str
) -> None:
    """422 payment_declined with the allowance's reason; no order, no payment, stock held."""
    linked, session = await ready(app, container, client)
    token = await refused_token(case, client, linked, session)

    refused = await complete(client, linked, session, token)

    assert refused.status_code == 422, refused.text
    assert refused.json() == declined(message)
    reserved = 3 if case == "other_session" else 2  # the other session holds 1 unit
    await assert_untouched(container, client, linked, session, reserved=reserved)
    if case != "unknown":
        assert (await token_row(container, token)).used_at is None


async def test_a_token_pays_one_session_once(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Spent on its session, the token pays no other session; the session cannot pay twice."""
    linked, session = await ready(app, container, client)
    token = await vault_token(client, linked, session["id"], TOTAL)
    paid = await complete(client, linked, session, token)
    second = await open_session(client, linked, (MEMBER_SKU, 1))

    reused = await complete(client, linked, second, token)
    again = await complete(client, linked, session, token)

    assert paid.status_code == 200, paid.text
    assert reused.status_code == 422, reused.text
    assert reused.json() == declined("The token was delegated for another checkout session.")
    assert await payments_of(container, second["id"]) == []
    assert await holds(container, second["id"]) == [("PAR1", 1)]
    assert again.status_code == 409, again.text
    assert again.json() == {
        "type": "invalid_request", "code": "checkout_session_closed",
        "message": "This checkout session is completed.",
    }  # fmt: skip
    assert await payments_of(container, session["id"]) == [("authorized", TOTAL, None)]
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert (await token_row(container, token)).used_at == FROZEN_START


@pytest.mark.parametrize(
    ("number", "answer", "payment"),
    [
        ("4000000000000002", declined("The card was declined; choose another payment method."),
         ("declined", 0, "card_declined")),
        ("4000000000009995", declined("The card was declined; choose another payment method."),
         ("declined", 0, "insufficient_funds")),
        ("4000002500003155", declined(
            "The card issuer asks the shopper to authenticate this payment.", "requires_3ds"),
         ("declined", 0, "authentication_required")),
    ],
    ids=["declined", "insufficient_funds", "3ds"],
)  # fmt: skip
async def test_a_card_the_issuer_refuses_places_no_order_and_spends_no_token(
    app: object, container: Container, client: httpx.AsyncClient, number: str,
    answer: dict[str, str], payment: tuple[str, int, str | None],
) -> None:  # fmt: skip
    """422 (payment_declined, or requires_3ds); the refusal is recorded, the token unused."""
    linked, session = await ready(app, container, client)
    token = await vault_token(client, linked, session["id"], TOTAL, number=number)

    refused = await complete(client, linked, session, token)

    assert refused.status_code == 422, refused.text
    assert refused.json() == answer
    await assert_untouched(container, client, linked, session, payments=[payment])
    assert (await token_row(container, token)).used_at is None


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """``body`` with the dotted ``path`` set to ``value``."""
    *parents, last = path.split(".")
    target = body
    for name in parents:
        target = target[name]
    target[last] = value
    return body


# delegate_payment's errors have a closed list of codes: every refusal of the card or the
# allowance is invalid_card there (the message says which).
INVALID_CARD = "invalid_card"
REFUSED_DELEGATIONS = [
    ("payment_method.number", "4242424242424241", 422, INVALID_CARD,
     "The card number is not a valid card number."),
    ("payment_method.number", "4242abcd42424242", 422, INVALID_CARD,
     "The card number is not a valid card number."),
    ("payment_method.number", "4111111111111111", 422, INVALID_CARD,
     "The sandbox only knows its test cards (4242 4242 4242 4242 and the others listed in the"
     " documentation)."),
    ("payment_method.exp_month", "02", 422, INVALID_CARD, "The card has expired."),
    ("payment_method.exp_month", "13", 422, INVALID_CARD, "The expiry month must be 1 to 12."),
    ("risk_signals", [{"type": "card_testing", "score": 95, "action": "blocked"}], 422,
     INVALID_CARD, "A risk signal blocked this card: no token is issued."),
    ("allowance.currency", "xyz", 422, INVALID_CARD,
     "The currency must be an ISO 4217 code this installation accepts."),
    ("allowance.expires_at", "2029-03-01T08:59:00Z", 422, INVALID_CARD,
     "expires_at has already passed."),
    ("allowance.expires_at", "2029-04-01T09:00:00Z", 422, INVALID_CARD,
     "expires_at may be at most 30 days ahead."),
    ("allowance.max_amount", 0, 400, INVALID_CARD,
     "$.allowance.max_amount: Input should be greater than 0"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "value", "status", "code", "message"), REFUSED_DELEGATIONS,
    ids=["luhn", "letters", "unknown_test_card", "expired_card", "month", "risk_blocked",
         "currency", "allowance_expired", "allowance_too_long", "max_amount"],
)  # fmt: skip
async def test_a_refused_delegation_is_a_flat_4xx_and_stores_no_token(
    app: object, container: Container, client: httpx.AsyncClient, path: str, value: Any,
    status: int, code: str, message: str,
) -> None:  # fmt: skip
    """Malformed or expired card, unknown test card, blocked by risk, bad allowance: no token."""
    linked, session = await ready(app, container, client)
    platform = await client_credentials_token(client, linked.app, scope="checkout")
    headers = {
        "Authorization": f"Bearer {platform}", "API-Version": VERSION,
        "Idempotency-Key": str(uuid.uuid4()),
    }  # fmt: skip
    body = changed(card_body(session["id"], TOTAL), path, value)
    if path == "payment_method.exp_month":
        body["payment_method"]["exp_year"] = "2029"  # it is March 2029
    before = await table_contents(container)

    refused = await client.post(DELEGATE, json=body, headers=headers)

    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/json"
    expected = {"type": "invalid_request", "code": code, "message": message}
    if path == "allowance.max_amount":
        expected["param"] = "$.allowance.max_amount"
    assert refused.json() == expected
    after = await table_contents(container)
    assert after["delegated_payment_tokens"] == before["delegated_payment_tokens"] == []
    assert {name for name, rows in after.items() if rows != before[name]} <= {"idempotency_keys"}


PRICE_CHANGE = {
    "type": "warning", "content_type": "plain",
    "content": "The price of ACM-X1-WHT changed from 12999 to 13999 (EUR minor units).",
    "code": "price_change", "resolution": "requires_buyer_review", "param": "$.line_items[0]",
}  # fmt: skip


@pytest.mark.parametrize("look", ["get", "update"])
async def test_a_price_moved_since_the_last_update_stops_completion_until_the_agent_looks(
    app: object, container: Container, client: httpx.AsyncClient, look: str
) -> None:
    """409 price_changed (nothing paid, stock held); the agent's next read or update shows the
    new total with a price_change warning, and the same token then pays the new total."""
    linked, session = await ready(app, container, client, units=1)
    token = await vault_token(client, linked, session["id"], 20000)
    await set_price(container, MEMBER_SKU, 13999, None)

    refused = await complete(client, linked, session, token)
    path, headers = f"{SESSIONS}/{session['id']}", acp_headers(linked)
    seen = await (client.get(path, headers=headers) if look == "get" else client.post(
        path, json={"line_items": [{"id": MEMBER_SKU}]}, headers=headers
    ))  # fmt: skip

    assert refused.status_code == 409, refused.text
    assert refused.json() == {
        "type": "invalid_request", "code": "price_changed",
        "message": "A price changed since the shopper saw it: show the new total and ask again.",
    }  # fmt: skip
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == []
    assert await holds(container, session["id"]) == [("PAR1", 1)]
    assert seen.status_code == 200, seen.text
    document = seen.json()
    assert (document["status"], document["messages"]) == ("ready_for_payment", [PRICE_CHANGE])
    assert [(t["type"], t["amount"]) for t in document["totals"] if t["type"] == "total"] == [
        ("total", 13999)
    ]
    paid = await complete(client, linked, session, token)
    assert paid.status_code == 200, paid.text
    assert await payments_of(container, session["id"]) == [("authorized", 13999, None)]


@pytest.mark.parametrize("close", ["complete", "cancel"])
async def test_a_closed_session_reads_without_a_stock_error(
    app: object, container: Container, client: httpx.AsyncClient, close: str
) -> None:
    """Completed (with its order) or cancelled: nothing for the buyer to resolve."""
    linked, session = await ready(app, container, client, units=1)
    if close == "complete":
        token = await vault_token(client, linked, session["id"], 20000)
        closed = await complete(client, linked, session, token)
    else:
        closed = await client.post(
            f"{SESSIONS}/{session['id']}/cancel", headers=acp_headers(linked)
        )

    read = await client.get(f"{SESSIONS}/{session['id']}", headers=acp_headers(linked, key=None))

    assert closed.status_code == 200, closed.text
    status = {"complete": "completed", "cancel": "canceled"}[close]
    assert (read.json()["status"], closed.json()["status"]) == (status, status)
    assert read.json().get("order", {}).get("id") == closed.json().get("order", {}).get("id")
    assert [m for m in closed.json()["messages"] if m["type"] == "error"] == []
    assert [m for m in read.json()["messages"] if m["type"] == "error"] == []
