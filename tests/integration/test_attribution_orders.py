"""Which touch each attribution model credits an order with, on SQLite and PostgreSQL: the
carried click id, the shopper's last click, the app the order was placed in, the last view; the
window edges; one touch per model, whatever reruns.

The clock is frozen (and moved) so every window edge is exact; events are stored as the worker
stores an accepted batch (``service.store_events``), orders are placed through the partner
checkout API or the store site's cart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from handshake.attribution import attributing
from handshake.attribution.models import OrderTouch
from handshake.attribution.order_repository import OrderAttributionRepository
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.attribution_order_helpers import (
    LAMP,
    PLAIN,
    THERMO,
    Shopper,
    ad_event,
    ago,
    at,
    attribution_catalog,
    batch,
    catch_up,
    click_id_of,
    credited,
    insight,
    new_shopper,
    partner_order,
    store,
    store_order,
    touches,
)
from tests.linking_helpers import FROZEN_START

NEW_CUSTOMER_DAYS = 10
CANNIBALISATION_DAYS = 5
BOTH = ("last_click", "view_through")


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


# Which touch is credited.


async def test_a_carried_click_id_wins_over_a_later_click_of_another_partner(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    a, b = shopper.a.app.partner_id, shopper.b.app.partner_id
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "a-click", "click", now - ago(days=2),
                       campaign_id="spring", creative_id="c1"),
    ]))  # fmt: skip
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-click", "click", now - ago(hours=1), channel="video"),
    ]))  # fmt: skip

    order = await partner_order(
        client, shopper.a, [(THERMO, 1)], click_id=click_id_of(container, a, "a-click")
    )

    assert await catch_up(container) == 1
    expected = at(
        credited(shopper.a, "click", "click_id", "a-click", campaign_id="spring",
                 creative_id="c1"),
        now - ago(days=2),
    )  # fmt: skip
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


async def test_a_carried_click_older_than_the_window_falls_back_to_the_last_click(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    a, b = shopper.a.app.partner_id, shopper.b.app.partner_id
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "old", "click", now - ago(days=7, hours=1)),
    ]))  # fmt: skip
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-click", "click", now - ago(days=3), channel="video",
                       campaign_id="reels"),
    ]))  # fmt: skip

    order = await partner_order(
        client, shopper.a, [(THERMO, 1)], click_id=click_id_of(container, a, "old")
    )
    await catch_up(container)

    expected = at(
        credited(shopper.b, "click", "shopper", "b-click", channel="video", campaign_id="reels"),
        now - ago(days=3),
    )
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


async def test_a_carried_click_of_the_window_edge_or_no_click_falls_back_to_the_app(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    """Seven days and one hour: the carried click is too old, and no other click: the app."""
    now = clock.now()
    a = shopper.a.app.partner_id
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "old", "click", now - ago(days=7, hours=1)),
    ]))  # fmt: skip

    order = await partner_order(
        client, shopper.a, [(THERMO, 1)], click_id=click_id_of(container, a, "old")
    )
    await catch_up(container)

    expected = at(credited(shopper.a, "placement", "placement", None), now)
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


async def test_the_shoppers_last_click_counts_for_seven_days_and_not_an_hour_more(
    app: object, container: Container, shopper: Shopper
) -> None:
    start = clock.now()
    b = shopper.b.app.partner_id
    clicked_at = start - ago(days=6, hours=23)
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-click", "click", clicked_at, channel="video"),
    ]))  # fmt: skip

    inside = await store_order(app, container, shopper.a.login, LAMP)
    clock.advance(timedelta(hours=2))  # the click is now 7 days and 1 hour old
    outside = await store_order(app, container, shopper.a.login, LAMP)
    assert await catch_up(container) == 2

    expected = at(credited(shopper.b, "click", "shopper", "b-click", channel="video"), clicked_at)
    assert await touches(container, inside) == dict.fromkeys(BOTH, expected)
    assert await touches(container, outside) == {}


async def test_the_latest_click_of_any_partner_wins(
    app: object, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    a, b = shopper.a.app.partner_id, shopper.b.app.partner_id
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-early", "click", now - ago(days=3), channel="video"),
        await ad_event(container, b, "b-view", "view", now - ago(minutes=5), channel="video"),
    ]))  # fmt: skip
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "a-late", "click", now - ago(hours=5), campaign_id="x"),
        await ad_event(container, a, "a-cart", "add_to_cart", now - ago(hours=1)),
    ]))  # fmt: skip

    order = await store_order(app, container, shopper.a.login, THERMO)
    await catch_up(container)

    expected = at(credited(shopper.a, "click", "shopper", "a-late", campaign_id="x"),
                  now - ago(hours=5))  # fmt: skip
    assert await touches(container, order) == dict.fromkeys(BOTH, expected)


async def test_a_view_is_credited_view_through_only_and_for_one_day(
    app: object, container: Container, shopper: Shopper
) -> None:
    start = clock.now()
    b = shopper.b.app.partner_id
    viewed_at = start - ago(hours=23)
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-view", "view", viewed_at, channel="video",
                       campaign_id="reels", creative_id="r1"),
    ]))  # fmt: skip

    inside = await store_order(app, container, shopper.a.login, LAMP)
    clock.advance(timedelta(hours=2))  # the view is now 25 hours old
    outside = await store_order(app, container, shopper.a.login, LAMP)
    await catch_up(container)

    view = credited(shopper.b, "view", "shopper", "b-view", channel="video",
                    campaign_id="reels", creative_id="r1")  # fmt: skip
    assert await touches(container, inside) == {"view_through": at(view, viewed_at, start.date())}
    assert await touches(container, outside) == {}
    assert (await insight(container, outside)) is not None  # attributed, to nothing


async def test_an_impression_counts_as_a_view_and_the_latest_one_wins(
    app: object, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    a, b = shopper.a.app.partner_id, shopper.b.app.partner_id
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-view", "view", now - ago(hours=3), channel="video"),
    ]))  # fmt: skip
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "a-imp", "impression", now - ago(hours=2)),
        await ad_event(container, a, "a-cart", "add_to_cart", now - ago(hours=1)),
    ]))  # fmt: skip

    order = await store_order(app, container, shopper.a.login, LAMP)
    await catch_up(container)

    impression = at(credited(shopper.a, "impression", "shopper", "a-imp"), now - ago(hours=2))
    assert await touches(container, order) == {"view_through": impression}


async def test_an_order_in_an_app_without_ad_touch_is_credited_to_the_app_and_its_campaign(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    """The campaign is the first line's bought from a campaign's offer; a view of another
    partner does not beat the app for view-through."""
    now = clock.now()
    b = shopper.b.app.partner_id
    await store(container, batch(b, shopper.id, [
        await ad_event(container, b, "b-view", "view", now - ago(hours=1), channel="video"),
    ]))  # fmt: skip

    order = await partner_order(
        client, shopper.a, [(PLAIN, 1), (THERMO, 1), (LAMP, 1)],
        campaigns={THERMO: {"campaign_id": "spring", "creative_id": "c7"},
                   LAMP: {"campaign_id": "lamps"}},
    )  # fmt: skip
    await catch_up(container)

    expected = at(
        credited(shopper.a, "placement", "placement", None, campaign_id="spring",
                 creative_id="c7"),
        now,
    )  # fmt: skip
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


async def test_an_app_order_of_a_video_partner_is_on_the_video_channel(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    order = await partner_order(client, shopper.b, [(THERMO, 1)])
    await catch_up(container)

    expected = at(
        credited(shopper.b, "placement", "placement", None, channel="video"), FROZEN_START
    )
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


# One touch per model, whatever reruns.


async def test_each_order_has_one_touch_per_model_and_catching_up_again_changes_nothing(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    assert [c.name for c in OrderTouch.__table__.primary_key.columns] == ["order_id", "model"]
    now = clock.now()
    a = shopper.a.app.partner_id
    await store(container, batch(a, shopper.id, [
        await ad_event(container, a, "view", "view", now - ago(hours=2)),
        await ad_event(container, a, "click", "click", now - ago(hours=1)),
    ]))  # fmt: skip
    ids = [
        (await partner_order(client, shopper.a, [(THERMO, 1)],
                             click_id=click_id_of(container, a, "click")))["id"],
        (await partner_order(client, shopper.b, [(PLAIN, 1)]))["id"],
        await store_order(app, container, shopper.a.login, LAMP),
    ]  # fmt: skip
    before = [await touches(container, order_id) for order_id in ids]
    assert before == [{}, {}, {}]

    assert await catch_up(container) == 3
    first = [await touches(container, order_id) for order_id in ids]
    insights = [await insight(container, order_id) for order_id in ids]
    assert [sorted(t) for t in first] == [sorted(BOTH)] * 3
    assert await catch_up(container) == 0
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    clock.advance(timedelta(minutes=30))  # past the cursor's margin: nothing is seen twice
    assert await attributing.attribute_pending_orders(uow=container.uow(), policy=policy) == 0
    # Crediting the attributed orders again (as late events do) writes the same rows.
    uow = container.uow()
    async with uow:
        repo = uow.repo(OrderAttributionRepository)
        again = await repo.attributed_orders_of_shopper(
            shopper.id, since=now - ago(days=1), until=clock.now()
        )
        for order in again:
            await attributing.attribute_order(repo, order, policy)
        await uow.commit()

    assert sorted(o.id for o in again) == sorted(ids)
    assert [await touches(container, order_id) for order_id in ids] == first
    assert [
        replace(found, attributed_at=FROZEN_START) if found else None
        for found in [await insight(container, order_id) for order_id in ids]
    ] == insights
