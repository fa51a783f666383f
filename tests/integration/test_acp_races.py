"""ACP completions racing: one order per session, no oversold stock, no orphan authorisation.

Each racing request comes from its own HTTP client over the same ASGI app (an agent's platform
retrying, or two platforms), all in flight at once with ``asyncio.gather``. ACM-LOW-1 has 3
units in Paris. Run on SQLite and PostgreSQL, like the other race tests of checkout.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.acp_helpers import (
    SESSIONS,
    acp_headers,
    complete_body,
    create_body,
    open_session,
    total_of,
    vault_token,
)
from tests.checkout_helpers import checkout_shopper, prepared_catalog
from tests.checkout_state_helpers import holds, orders_of, payments_of, stock
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LOW_SKU, LinkedShopper

RACERS = 6
LOW_PRICE = 12999  # ACM-LOW-1, delivered free


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


@asynccontextmanager
async def clients(app: object, count: int) -> AsyncIterator[list[httpx.AsyncClient]]:
    """``count`` separate HTTP clients of the same app."""
    async with AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                    base_url="http://testserver",
                )
            )
            for _ in range(count)
        ]


async def column(container: Container, sql: str) -> list[Any]:
    """The first column of every row of ``sql``."""
    async with container.engine.connect() as connection:
        return list((await connection.execute(text(sql))).scalars().all())


async def assert_sound_books(container: Container) -> None:
    """Stock never negative nor over-reserved; every authorised payment paid for an order."""
    broken = (
        "SELECT variant_id FROM catalog_stock"
        " WHERE on_hand < 0 OR reserved NOT BETWEEN 0 AND on_hand"
    )
    assert await column(container, broken) == []
    authorized = await column(container, "SELECT id FROM payments WHERE status = 'authorized'")
    assert sorted(authorized) == sorted(await column(container, "SELECT payment_id FROM orders"))


def outcomes(answers: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    """(status, error code) of each answer (no code for a success)."""
    return Counter((a.status_code, a.json().get("code") if a.is_error else None) for a in answers)


async def complete(
    http: httpx.AsyncClient, linked: LinkedShopper, session: dict[str, Any], token: str,
    key: str | None = None,
) -> httpx.Response:  # fmt: skip
    """POST …/complete with the vault token and ``key`` (a new one unless given)."""
    return await http.post(
        f"{SESSIONS}/{session['id']}/complete", json=complete_body(token),
        headers=acp_headers(linked, key=key or "new"),
    )  # fmt: skip


async def test_six_keys_on_the_session_holding_the_last_unit_place_one_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """6 completions, 6 keys, one session holding the last unit: one 200, five 409s (in
    progress or closed), one authorisation, the unit ordered once."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout")
    await open_session(client, linked, (LOW_SKU, 2))
    session = await open_session(client, linked, (LOW_SKU, 1))
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 3)}
    token = await vault_token(client, linked, session["id"], total_of(session))

    async with clients(app, RACERS) as racers:
        answers = await asyncio.gather(*(complete(h, linked, session, token) for h in racers))

    found = outcomes(answers)
    assert found[(200, None)] == 1, found
    assert set(found) - {(200, None)} <= {
        (409, "checkout_in_progress"), (409, "checkout_session_closed"),
    }  # fmt: skip
    in_progress = [a for a in answers if a.is_error and a.json()["code"] == "checkout_in_progress"]
    assert all(int(a.headers["Retry-After"]) >= 1 for a in in_progress)
    [order] = await orders_of(container, linked.login.shopper_id)
    assert order.order.session_id == session["id"]
    assert await payments_of(container, session["id"]) == [("authorized", LOW_PRICE, None)]
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 3)}
    await assert_sound_books(container)


async def test_two_agents_racing_for_the_last_unit_place_one_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Two platforms' sessions wait for ACM-LOW-1; one unit comes free; both complete at once:
    one order, the other 409 out_of_stock with nothing paid or held."""
    await prepared_catalog(container)
    first = await checkout_shopper(app, container, scope="checkout")
    second = await checkout_shopper(app, container, scope="checkout")
    blocker = await open_session(client, first, (LOW_SKU, 3))
    waiting = [await open_session(client, agent, (LOW_SKU, 1)) for agent in (first, second)]
    assert [s["status"] for s in waiting] == ["not_ready_for_payment"] * 2
    tokens = [
        await vault_token(client, agent, s["id"], 20000)
        for agent, s in zip((first, second), waiting, strict=True)
    ]
    freed = await client.post(
        f"{SESSIONS}/{blocker['id']}", json={"line_items": [{"id": LOW_SKU, "quantity": 2}]},
        headers=acp_headers(first),
    )  # fmt: skip
    assert freed.status_code == 200, freed.text
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 2)}

    async with clients(app, 2) as racers:
        answers = await asyncio.gather(*(
            complete(h, agent, s, token)
            for h, agent, s, token in zip(racers, (first, second), waiting, tokens, strict=True)
        ))  # fmt: skip

    assert outcomes(answers) == {(200, None): 1, (409, "out_of_stock"): 1}
    winner, loser = sorted(range(2), key=lambda i: answers[i].status_code)
    assert answers[loser].json()["message"] == "Some items cannot be reserved any more."
    assert await payments_of(container, waiting[loser]["id"]) == []
    assert await holds(container, waiting[loser]["id"]) == []
    assert await payments_of(container, waiting[winner]["id"]) == [("authorized", LOW_PRICE, None)]
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 3)}
    assert len(await column(container, "SELECT id FROM orders")) == 1
    await assert_sound_books(container)


async def test_one_key_sent_six_times_at_once_places_one_order(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The same key and body 6 times at once: one order; every other answer a replay of it or
    409 idempotency_in_flight with Retry-After; the key replays the order afterwards."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout")
    session = await open_session(client, linked, (LOW_SKU, 1))
    token = await vault_token(client, linked, session["id"], total_of(session))
    key = str(uuid.uuid4())

    async with clients(app, RACERS) as racers:
        answers = await asyncio.gather(*(complete(h, linked, session, token, key) for h in racers))

    done = [a for a in answers if a.status_code == 200]
    assert [a.headers.get("Idempotent-Replayed") for a in done].count(None) == 1
    assert all(a.json() == done[0].json() for a in done)
    waiting = [a for a in answers if a.status_code != 200]
    assert {(a.status_code, a.json()["code"]) for a in waiting} <= {(409, "idempotency_in_flight")}
    assert all(int(a.headers["Retry-After"]) >= 1 for a in waiting)
    assert len(await orders_of(container, linked.login.shopper_id)) == 1
    assert await payments_of(container, session["id"]) == [("authorized", LOW_PRICE, None)]
    replay = await complete(client, linked, session, token, key)
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (200, "true")
    assert replay.json() == done[0].json()
    await assert_sound_books(container)


async def test_one_create_key_sent_six_times_at_once_opens_one_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """The same create 6 times at once: one session, its unit held once."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="checkout")
    headers = acp_headers(linked, key=str(uuid.uuid4()))

    async with clients(app, RACERS) as racers:
        answers = await asyncio.gather(*(
            h.post(SESSIONS, json=create_body((LOW_SKU, 1)), headers=headers) for h in racers
        ))  # fmt: skip

    created = [a for a in answers if a.status_code == 201]
    assert len({a.json()["id"] for a in created}) == 1
    assert [a.headers.get("Idempotent-Replayed") for a in created].count(None) == 1
    others = {(a.status_code, a.json()["code"]) for a in answers if a.status_code != 201}
    assert others <= {(409, "idempotency_in_flight")}
    assert await column(container, "SELECT id FROM checkout_sessions") == [created[0].json()["id"]]
    assert await stock(container, LOW_SKU) == {"PAR1": (3, 1)}
