"""Checkout completions racing on SQLite and PostgreSQL: no oversell, one order per session.

Every completion goes through the ASGI app (idempotency claim, re-hold, payment, placement),
all requests in flight at once with ``asyncio.gather``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text

from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from tests.checkout_helpers import (
    SESSIONS,
    checkout_shopper,
    complete,
    confirmation,
    create_session,
    offer_token,
    prepared_catalog,
)
from tests.offers_helpers import MEMBER_SKU, OUT_SKU, LinkedShopper, variant_ids

SESSIONS_IN_RACE = 200
UNITS = 50


async def scalar(container: Container, sql: str, **params: Any) -> Any:
    """The single value of ``sql``."""
    async with container.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def column(container: Container, sql: str, **params: Any) -> list[Any]:
    """The first column of every row of ``sql``."""
    async with container.engine.connect() as connection:
        return list((await connection.execute(text(sql), params)).scalars().all())


async def stock_levels(container: Container, variant_id: str) -> dict[str, tuple[int, int]]:
    """(on_hand, reserved) of ``variant_id`` per warehouse code."""
    async with container.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT w.code, s.on_hand, s.reserved FROM catalog_stock s JOIN"
                " catalog_warehouses w ON w.id = s.warehouse_id WHERE s.variant_id = :v"
            ),
            {"v": variant_id},
        )
        return {code: (on_hand, reserved) for code, on_hand, reserved in rows.all()}


async def payment_statuses(container: Container) -> Counter[str]:
    """How many payments are in each status."""
    return Counter(await column(container, "SELECT status FROM payments"))


async def assert_every_authorization_has_its_order(container: Container) -> None:
    """No authorised payment is left without the order it paid for (and vice versa)."""
    authorized = await column(container, "SELECT id FROM payments WHERE status = 'authorized'")
    paid = await column(container, "SELECT payment_id FROM orders")
    assert sorted(authorized) == sorted(paid)


async def open_session(
    client: httpx.AsyncClient, linked: LinkedShopper, token: str, quantity: int = 1
) -> dict[str, Any]:
    """A new session of one line from the (reused) offer ``token``."""
    body = {"items": [{"offer_token": token, "quantity": quantity}]}
    created = await client.post(SESSIONS, json=body, headers=linked.headers)
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    return session


def codes_by_status(answers: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    """(status, problem code) of each answer (no code for successes)."""
    return Counter(
        (a.status_code, a.json().get("code") if a.status_code >= 400 else None) for a in answers
    )


async def unheld_sessions(
    client: httpx.AsyncClient, linked: LinkedShopper, count: int
) -> list[dict[str, Any]]:
    """``count`` sessions of one unit of the out-of-stock SKU, one offer token for all."""
    token = await offer_token(client, linked, OUT_SKU)
    return [await open_session(client, linked, token) for _ in range(count)]


async def test_200_completions_on_50_units_place_exactly_50_orders(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """200 concurrent completions for 50 units: 50 orders, 150 clear out_of_stock refusals."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    variant_id, _ = await variant_ids(container, OUT_SKU)
    sessions = await unheld_sessions(client, linked, SESSIONS_IN_RACE)
    assert {
        ("out_of_stock" in s["blockers"], s["line_items"][0]["reserved"]) for s in sessions
    } == {(True, False)}
    assert await stock_levels(container, variant_id) == {"PAR1": (0, 0)}
    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", on_hand=UNITS
    )

    answers = await asyncio.gather(*(complete(client, linked, s) for s in sessions))

    assert codes_by_status(answers) == {(201, None): UNITS, (409, "out_of_stock"): 150}
    placed = [a.json()["order"] for a in answers if a.status_code == 201]
    assert {o["status"] for o in placed} == {"paid"}
    assert len({o["checkout_session_id"] for o in placed}) == UNITS
    assert await scalar(container, "SELECT COUNT(*) FROM orders") == UNITS
    assert await stock_levels(container, variant_id) == {"PAR1": (UNITS, UNITS)}
    oversold = (
        "SELECT COUNT(*) FROM catalog_stock WHERE on_hand < 0 OR reserved NOT BETWEEN 0 AND on_hand"
    )
    assert await scalar(container, oversold) == 0
    reservations = await column(container, "SELECT status FROM checkout_reservations")
    assert Counter(reservations) == {"ordered": UNITS}
    assert await payment_statuses(container) == {"authorized": UNITS}
    await assert_every_authorization_has_its_order(container)


async def test_refused_completions_leave_their_sessions_open_and_unheld(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """After the race the losers stay open with nothing held; the winners are completed."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    variant_id, _ = await variant_ids(container, OUT_SKU)
    sessions = await unheld_sessions(client, linked, 12)
    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", on_hand=4
    )

    answers = await asyncio.gather(*(complete(client, linked, s) for s in sessions))

    refused = [a for a in answers if a.status_code == 409]
    assert [a.json()["messages"][0]["code"] for a in refused] == ["out_of_stock"] * 8
    statuses = await column(container, "SELECT status FROM checkout_sessions")
    assert Counter(statuses) == {"completed": 4, "open": 8}
    assert await scalar(
        container, "SELECT COUNT(*) FROM checkout_sessions WHERE status = 'completed'"
        " AND order_id IS NULL",
    ) == 0  # fmt: skip
    assert await stock_levels(container, variant_id) == {"PAR1": (4, 4)}


async def ready_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> tuple[LinkedShopper, dict[str, Any]]:
    """A shopper and a session of one ACM-X1-WHT ready to be completed (stock held)."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    created = await create_session(client, linked, [(MEMBER_SKU, 1)])
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    assert session["blockers"] == []
    return linked, session


async def test_one_idempotency_key_sent_20_times_at_once_places_one_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Same key and body 20 times concurrently: one order; replays or in-flight refusals."""
    linked, session = await ready_session(app, container, client)
    key = str(uuid.uuid4())

    answers = await asyncio.gather(*(complete(client, linked, session, key=key) for _ in range(20)))

    created = [a for a in answers if a.status_code == 201]
    waiting = [a for a in answers if a.status_code != 201]
    assert created
    assert all(a.json() == created[0].json() for a in created)
    assert {(a.status_code, a.json()["code"]) for a in waiting} <= {(409, "idempotency_in_flight")}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in waiting)
    assert [a.headers.get("Idempotent-Replayed") for a in created].count(None) == 1
    order = created[0].json()["order"]
    assert await column(container, "SELECT id FROM orders") == [order["id"]]
    assert await payment_statuses(container) == {"authorized": 1}
    await assert_every_authorization_has_its_order(container)
    replay = await complete(client, linked, session, key=key)
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == created[0].json()


async def test_ten_keys_racing_on_one_session_place_one_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """10 different keys on one session: one order, the others a 409 in progress / closed."""
    linked, session = await ready_session(app, container, client)
    variant_id, _ = await variant_ids(container, MEMBER_SKU)

    answers = await asyncio.gather(*(complete(client, linked, session) for _ in range(10)))

    found = codes_by_status(answers)
    assert found[(201, None)] == 1
    assert set(found) - {(201, None)} <= {
        (409, "checkout_in_progress"),
        (409, "checkout_session_closed"),
    }
    assert sum(found.values()) == 10
    in_progress = [a for a in answers if a.status_code == 409 and "in_progress" in a.text]
    assert all(int(a.headers["Retry-After"]) >= 1 for a in in_progress)
    assert await scalar(container, "SELECT COUNT(*) FROM orders") == 1
    assert await payment_statuses(container) == {"authorized": 1}
    await assert_every_authorization_has_its_order(container)
    assert await stock_levels(container, variant_id) == {"PAR1": (12, 1), "LYS1": (0, 0)}


async def test_losing_keys_retried_after_the_race_never_place_a_second_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A "closed" refusal is kept and replayed; an "in progress" one is not, its retry re-runs."""
    linked, session = await ready_session(app, container, client)
    keys = [str(uuid.uuid4()) for _ in range(6)]

    answers = await asyncio.gather(*(complete(client, linked, session, key=k) for k in keys))

    losers = [(k, a.json()["code"]) for k, a in zip(keys, answers, strict=True) if a.is_error]
    assert len(losers) == 5
    for key, first_code in losers:
        again = await complete(client, linked, session, key=key, body=confirmation(session))
        kept = first_code == "checkout_session_closed"
        assert (again.status_code, again.json()["code"]) == (409, "checkout_session_closed")
        assert again.headers.get("Idempotent-Replayed") == ("true" if kept else None)
    assert await scalar(container, "SELECT COUNT(*) FROM orders") == 1
    assert await payment_statuses(container) == {"authorized": 1}
