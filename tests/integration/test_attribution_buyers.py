"""What attribution learns of an order's buyer, on SQLite and PostgreSQL: member, new
customer (no order in the N days before), likely cannibalised (the same product or category
bought on the store site in the M days before); and erasure, which forgets the buyer while the
figures stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.kernel import clock
from handshake.settings import AttributionSettings, DatabaseSettings, Settings
from tests.attribution_order_helpers import (
    LAMP,
    PLAIN,
    THERMO,
    THERMO_BLACK,
    Insight,
    Shopper,
    ad_event,
    ago,
    attribution_catalog,
    batch,
    catch_up,
    day_rows,
    engaged,
    erase,
    insight,
    new_shopper,
    partner_order,
    report,
    request,
    store,
    store_order,
    touches,
)
from tests.conftest import make_settings
from tests.linking_helpers import FROZEN_START

NEW_CUSTOMER_DAYS = 10
CANNIBALISATION_DAYS = 5
BOTH = ("last_click", "view_through")


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Default click and view windows; short buyer histories, so a web session spans them."""
    return make_settings(
        database_settings,
        attribution=AttributionSettings(
            new_customer_days=NEW_CUSTOMER_DAYS, cannibalisation_days=CANNIBALISATION_DAYS
        ),
    )


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test starts at FROZEN_START and moves the clock itself."""
    with clock.frozen_at(FROZEN_START):
        yield


@pytest.fixture
async def shopper(app: object, container: Container) -> Shopper:
    """The catalog, and one shopper linked to two apps."""
    await attribution_catalog(container)
    return await new_shopper(app, container)


# The buyer's history: new customer, likely cannibalised.


async def test_a_buyer_is_new_without_an_order_in_the_previous_n_days(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    """Orders of any kind count; a cancelled one does not; the window edge to the hour."""
    returning = await new_shopper(app, container, shopper.b)
    cancelled = await new_shopper(app, container, shopper.b)
    first = await store_order(app, container, shopper.a.login, LAMP)  # at the start
    clock.advance(timedelta(hours=2))
    await returning.relink(app, container)
    await partner_order(client, returning.a, [(THERMO, 1)])  # 2 hours after the start
    dropped = await store_order(app, container, cancelled.a.login, LAMP)
    await checkout.cancel_order(uow=container.uow(), order_id=dropped, actor="shopper")

    clock.advance(timedelta(days=NEW_CUSTOMER_DAYS, hours=-1))  # start + N days + 1 hour
    placed = {}
    for buyer in (shopper, returning, cancelled):
        await buyer.relink(app, container)
        placed[buyer.id] = (await partner_order(client, buyer.a, [(THERMO, 1)]))["id"]
    clock.advance(timedelta(minutes=1))
    again = await store_order(app, container, shopper.a.login, LAMP)
    await catch_up(container)

    assert await is_new(container, first) is True  # the first order ever
    assert await is_new(container, placed[shopper.id]) is True  # N days and 1 hour after
    assert await is_new(container, placed[returning.id]) is False  # N days less 1 hour after
    assert await is_new(container, placed[cancelled.id]) is True
    assert await is_new(container, again) is False  # the partner order just before counts


async def is_new(container: Container, order_id: str) -> bool:
    """Whether attribution found the order's buyer new."""
    found = await insight(container, order_id)
    assert found is not None
    return found.is_new_customer


async def is_cannibalised(container: Container, order_id: str) -> bool:
    """Whether attribution found the order likely cannibalised."""
    found = await insight(container, order_id)
    assert found is not None
    return found.is_cannibalised


async def test_an_order_is_cannibalised_after_the_same_product_or_category_on_the_store_site(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    buyers = {name: await new_shopper(app, container, shopper.b) for name in (
        "same product", "same category", "other category", "partner order only", "cancelled",
        "inside window", "outside window",
    )}  # fmt: skip
    await store_order(app, container, buyers["outside window"].a.login, THERMO)
    clock.advance(timedelta(hours=2))
    await store_order(app, container, buyers["inside window"].a.login, THERMO)
    await store_order(app, container, buyers["same product"].a.login, THERMO_BLACK)
    await store_order(app, container, buyers["same category"].a.login, PLAIN)
    await store_order(app, container, buyers["other category"].a.login, LAMP)
    await buyers["partner order only"].relink(app, container)
    await partner_order(client, buyers["partner order only"].b, [(THERMO, 1)])
    dropped = await store_order(app, container, buyers["cancelled"].a.login, THERMO)
    await checkout.cancel_order(uow=container.uow(), order_id=dropped, actor="shopper")

    # The outside buyer's store order is now N days and 1 hour old, the inside one's 1 hour less.
    clock.advance(timedelta(days=CANNIBALISATION_DAYS, hours=-1))
    placed = {}
    for name, buyer in buyers.items():
        await buyer.relink(app, container)
        placed[name] = (await partner_order(client, buyer.a, [(THERMO, 1)]))["id"]
    await catch_up(container)

    assert {name: await is_cannibalised(container, order) for name, order in placed.items()} == {
        "same product": True, "same category": True, "other category": False,
        "partner order only": False, "cancelled": False, "inside window": True,
        "outside window": False,
    }  # fmt: skip


async def test_a_store_order_is_not_cannibalised_by_itself_and_members_are_told_apart(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    member = await new_shopper(app, container, shopper.b, member=True)
    own = await store_order(app, container, shopper.a.login, THERMO)
    members = (await partner_order(client, member.a, [(THERMO, 1)]))["id"]
    await catch_up(container)

    assert await insight(container, own) == Insight(
        shopper.id, FROZEN_START.date(), False, True, False, FROZEN_START
    )
    assert await insight(container, members) == Insight(
        member.id, FROZEN_START.date(), True, True, False, FROZEN_START
    )


# Erasure: the buyer is forgotten, the figures stay.


async def test_erasure_forgets_the_buyer_of_attributed_orders_but_keeps_the_figures(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    other = await new_shopper(app, container, shopper.b)
    now = clock.now()
    a = shopper.a.app.partner_id
    for buyer, event_id in ((shopper, "k1"), (other, "k2")):
        await store(container, batch(a, buyer.id, [
            await ad_event(container, a, event_id, "click", now - ago(hours=1)),
        ]))  # fmt: skip
    order = await partner_order(client, shopper.a, [(THERMO, 1)])
    kept = await partner_order(client, other.a, [(THERMO, 1)])
    await catch_up(container)
    before = await report(container, request())
    events_before = await day_rows(container)
    touched = await touches(container, order["id"])
    assert [e[-1] for e in await engaged(container)] == sorted([shopper.id, other.id])

    await erase(container, shopper.id)

    forgotten = await insight(container, order["id"])
    assert forgotten is not None
    assert (forgotten.shopper_id, forgotten.is_new_customer, forgotten.is_member) == (
        None, True, False,
    )  # fmt: skip
    still = await insight(container, kept["id"])
    assert still is not None
    assert still.shopper_id == other.id
    assert [e[-1] for e in await engaged(container)] == [other.id]
    assert await touches(container, order["id"]) == touched
    assert await day_rows(container) == events_before
    after = await report(container, request())
    assert (after.rows, after.total, after.days) == (before.rows, before.total, before.days)
    assert after.rows[0].figures.orders == 2


async def test_an_order_attributed_after_its_buyer_was_erased_does_not_name_them(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    order = await partner_order(client, shopper.a, [(THERMO, 1)])
    await erase(container, shopper.id)

    assert await catch_up(container) == 1

    found = await insight(container, order["id"])
    assert found is not None
    assert found.shopper_id is None
    assert set(await touches(container, order["id"])) == set(BOTH)
