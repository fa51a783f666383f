"""Completion when the card fails: declined, 3-D Secure, provider down, then another card.

The sandbox decides by the card token's words. After each failure there is no order, no
authorisation left holding money, and the session is open again with its units still held,
so the shopper can pick another card and complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.checkout_helpers import checkout_shopper, complete, create_session, prepared_catalog
from tests.checkout_state_helpers import (
    get_session,
    holds,
    orders_of,
    patch_session,
    payments_of,
    problem,
    stock,
)
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import MEMBER_SKU, LinkedShopper

TOTAL = 12999  # 1 × ACM-X1-WHT for a non-member, free standard shipping
FAILURES = [
    ("tok_sandbox_declined_t1", 422, "payment_declined", [("declined", 0, "card_declined")]),
    (
        "tok_sandbox_insufficient_funds_t1", 422, "payment_declined",
        [("declined", 0, "insufficient_funds")],
    ),
    (
        "tok_sandbox_authentication_required_t1", 422, "payment_authentication_required",
        [("declined", 0, "authentication_required")],
    ),
    ("tok_sandbox_unavailable_t1", 503, "payment_provider_unavailable", []),
]  # fmt: skip
FAILURE_IDS = ["declined", "insufficient-funds", "3ds", "unavailable"]


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def opened(
    app: object, container: Container, client: httpx.AsyncClient, card_token: str
) -> tuple[LinkedShopper, dict[str, Any]]:
    """The offers catalog, a shopper paying with ``card_token`` and a 1-unit session."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, card_token=card_token)
    created = await create_session(client, linked, [(MEMBER_SKU, 1)])
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    assert (session["ready_for_payment"], session["totals"]["total_minor"]) == (True, TOTAL)
    return linked, session


async def good_card(
    container: Container, client: httpx.AsyncClient, linked: LinkedShopper, session: Any
) -> None:
    """The shopper adds an approved card and the partner switches the session to it."""
    card = await accounts.add_payment_method(
        uow=container.uow(), shopper_id=linked.login.shopper_id, provider="sandbox",
        token="tok_sandbox_visa_t2", brand="visa", last4="4242", exp_month=12, exp_year=2035,
    )  # fmt: skip
    changed = await patch_session(client, linked, session["id"], payment_method_id=card.id)
    assert changed.status_code == 200, changed.text
    assert changed.json()["payment_method"]["id"] == card.id


@pytest.mark.parametrize(("token", "status", "code", "payments"), FAILURES, ids=FAILURE_IDS)
async def test_a_failed_payment_places_no_order_and_keeps_the_hold(
    app: object,
    container: Container,
    client: httpx.AsyncClient,
    token: str,
    status: int,
    code: str,
    payments: list[tuple[str, int, str | None]],
) -> None:
    """The failure's status and code; no order, nothing authorised, the session open and held."""
    linked, session = await opened(app, container, client, token)

    refused = await complete(client, linked, session)

    problem(refused, status, code)
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == payments
    read = (await get_session(client, linked, session["id"])).json()
    assert (read["status"], read["ready_for_payment"], read["order_id"]) == ("open", True, None)
    assert await holds(container, session["id"]) == [("PAR1", 1)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}


@pytest.mark.parametrize(("token", "status", "code", "payments"), FAILURES, ids=FAILURE_IDS)
async def test_another_card_completes_after_a_failed_payment(
    app: object,
    container: Container,
    client: httpx.AsyncClient,
    token: str,
    status: int,
    code: str,
    payments: list[tuple[str, int, str | None]],
) -> None:
    """Switching the session to a good card (new key): 201, one paid order, one authorisation."""
    linked, session = await opened(app, container, client, token)
    problem(await complete(client, linked, session), status, code)
    await good_card(container, client, linked, session)

    done = await complete(client, linked, session)

    assert done.status_code == 201, done.text
    assert done.json()["order"]["status"] == "paid"
    [details] = await orders_of(container, linked.login.shopper_id)
    assert (details.order.id, details.order.total_minor) == (done.json()["order"]["id"], TOTAL)
    assert await payments_of(container, session["id"]) == [*payments, ("authorized", TOTAL, None)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}


async def test_a_provider_failure_is_not_kept_under_the_key(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A 503 releases the key: the same key runs afresh (no replay), still nothing stored."""
    linked, session = await opened(app, container, client, "tok_sandbox_unavailable_t1")
    problem(
        await complete(client, linked, session, key="retry-key-1"),
        503,
        "payment_provider_unavailable",
    )

    retried = await complete(client, linked, session, key="retry-key-1")

    problem(retried, 503, "payment_provider_unavailable")
    assert "Idempotent-Replayed" not in retried.headers
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == []
    assert await holds(container, session["id"]) == [("PAR1", 1)]


async def test_a_decline_is_kept_under_the_key(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A 422 decline is replayed for the same key: the card is not tried a second time."""
    linked, session = await opened(app, container, client, "tok_sandbox_declined_t1")
    failed = await complete(client, linked, session, key="decline-key-1")
    problem(failed, 422, "payment_declined")

    replayed = await complete(client, linked, session, key="decline-key-1")

    assert (replayed.status_code, replayed.json()) == (422, failed.json())
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert await orders_of(container, linked.login.shopper_id) == []
    assert await payments_of(container, session["id"]) == [("declined", 0, "card_declined")]
