"""Regressions: abandoned completions, undeliverable addresses, resized holds (review findings)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.checkout import completion
from handshake.checkout import service as checkout
from handshake.checkout.errors import CheckoutInProgress
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.payments import service as payments
from tests.checkout_helpers import (
    SESSIONS,
    checkout_shopper,
    complete,
    create_session,
    prepared_catalog,
)
from tests.checkout_state_helpers import holds, payments_of, problem, stock
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LOW_SKU, MEMBER_SKU, LinkedShopper


def _buyer(linked: LinkedShopper) -> checkout.Buyer:
    return checkout.Buyer(
        linked.login.shopper_id, linked.app.partner_id, linked.app.client_id, None, "Test app"
    )


async def _slow_attempt(
    container: Container, linked: LinkedShopper, session: dict[str, object]
) -> tuple[object, payments.Payment]:
    """A completion that began and was authorised, then stalled past its lease."""
    policy = checkout.CheckoutPolicy.from_settings(container.settings)
    totals = session["totals"]
    assert isinstance(totals, dict)
    begun = await completion._begin(  # the first half of a stalled completion
        container.uow(), policy, _buyer(linked), str(session["id"]),
        completion.Confirmation(True, totals["total_minor"], "EUR"),
    )  # fmt: skip
    card = begun.card
    payment = await payments.authorize_payment(
        uow=container.uow(), provider=payments.provider_named(card.provider),
        token=card.provider_token, amount=Money(begun.session.total_minor, "EUR"),
        reference=begun.session.id, payment_method_id=card.id, idempotency_key="slow",
    )  # fmt: skip
    clock.advance(policy.completion_lease + timedelta(seconds=5))
    return begun, payment


async def _place_late(container: Container, begun: object, payment: payments.Payment) -> None:
    await completion.place_order(
        container.uow(), session_id=payment.reference, token=begun.token,  # type: ignore[attr-defined]
        channel="Test app", payment=payment, delivered=begun.delivered,  # type: ignore[attr-defined]
        render=lambda placed: {}, idempotent=None,
    )  # fmt: skip


async def test_a_refused_takeover_still_stops_the_stalled_attempt(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The stalled attempt's hold is voided and it can no longer place an order."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = (await create_session(client, linked, [(MEMBER_SKU, 1)])).json()
        begun, payment = await _slow_attempt(container, linked, session)
        wrong = {"confirmation": {"shopper_confirmed": True, "total_minor": 1, "currency": "EUR"}}
        problem(await complete(client, linked, session, body=wrong), 409, "confirmation_mismatch")
        with pytest.raises(CheckoutInProgress):
            await _place_late(container, begun, payment)
        again = await client.get(f"{SESSIONS}/{session['id']}", headers=linked.headers)
    assert again.json()["status"] == "open"
    assert await payments_of(container, session["id"]) == [("voided", 12999, None)]
    orders = await checkout.list_orders(uow=container.read_uow(), where=checkout.OrderFilter())
    assert orders.items == []


async def test_changing_a_stalled_session_reopens_it_and_voids_the_stalled_hold(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A PATCH after the lease: status open, old authorisation voided, no order from it."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = (await create_session(client, linked, [(MEMBER_SKU, 1)])).json()
        begun, payment = await _slow_attempt(container, linked, session)
        patched = await client.patch(
            f"{SESSIONS}/{session['id']}", headers=linked.headers,
            json={"items": [{"sku": MEMBER_SKU, "quantity": 3}]},
        )  # fmt: skip
        with pytest.raises(CheckoutInProgress):
            await _place_late(container, begun, payment)
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "open"
    assert patched.json()["totals"]["total_minor"] == 3 * 12999
    assert await payments_of(container, session["id"]) == [("voided", 12999, None)]


async def test_an_address_no_warehouse_serves_is_not_called_out_of_stock(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A Berlin address: blocker not_deliverable_to_address, no hold, completion refused."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, address=False)
    await accounts.add_address(
        uow=container.uow(), shopper_id=linked.login.shopper_id, line1="1 Strasse",
        city="Berlin", postal_code="10115", country="DE",
    )  # fmt: skip
    session = (await create_session(client, linked, [(MEMBER_SKU, 1)])).json()
    assert session["blockers"] == ["not_deliverable_to_address"]
    assert [m["code"] for m in session["messages"]] == ["not_deliverable_to_address"]
    assert await holds(container, session["id"]) == []
    refused = problem(await complete(client, linked, session), 409, "checkout_not_ready")
    assert refused["blockers"] == ["not_deliverable_to_address"]


async def test_a_failed_increase_keeps_the_units_already_held(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """1 → 3 units with only 2 free: the line keeps its 1 unit and says out_of_stock."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    mine = (await create_session(client, linked, [(LOW_SKU, 1)])).json()
    await create_session(client, linked, [(LOW_SKU, 1)])  # another session takes 1 of 3
    grown = await client.patch(
        f"{SESSIONS}/{mine['id']}", headers=linked.headers,
        json={"items": [{"sku": LOW_SKU, "quantity": 3}]},
    )  # fmt: skip
    assert grown.status_code == 200, grown.text
    assert grown.json()["blockers"] == ["out_of_stock"]
    assert await holds(container, mine["id"]) == [("PAR1", 1)]
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 2)}
    problem(await complete(client, linked, grown.json()), 409, "out_of_stock")
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 2)}
