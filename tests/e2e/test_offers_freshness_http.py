"""Offers stay fresh across the in-process caches: changes made through this process show on the
next call (bus invalidation); changes behind the application's back show within a second.

The clock is frozen, so cached entries never expire on their own during a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.catalog.models import Variant
from handshake.kernel import clock
from handshake.kernel.money import Money
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import (
    MEMBER_SKU,
    POSTAL_CODE,
    LinkedShopper,
    get_offers,
    linked_shopper,
    offer_catalog,
    offer_of,
    variant_ids,
    verify_token,
)


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def offer(client: httpx.AsyncClient, linked: LinkedShopper) -> dict[str, Any]:
    return offer_of((await get_offers(client, linked.headers, sku=MEMBER_SKU)).json())


def terms(seen: dict[str, Any]) -> tuple[Any, ...]:
    saving = seen["saving"]["minor"] if seen["saving"] else None
    return seen["price"]["minor"], seen["list_price"]["minor"], saving, seen["membership_badge"]


async def test_a_price_set_through_the_catalog_shows_on_the_next_call(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    variant_id, _ = await variant_ids(container, MEMBER_SKU)
    linked = await linked_shopper(app, container, member=True)
    assert terms(await offer(client, linked)) == (11999, 12999, 1000, True)

    await catalog.set_prices(
        uow=container.uow(), variant_id=variant_id,
        list_price=Money(13999, "EUR"), member_price=Money(12499, "EUR"),
    )  # fmt: skip

    seen = await offer(client, linked)
    assert terms(seen) == (12499, 13999, 1500, True)
    claims = await verify_token(container, seen["offer_token"], linked.app.partner_id)
    assert claims.unit_price_minor == 12499


async def test_a_price_changed_behind_the_apps_back_shows_within_a_second(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=True)
    assert terms(await offer(client, linked)) == (11999, 12999, 1000, True)
    async with container.engine.begin() as connection:
        await connection.execute(
            update(Variant).where(Variant.sku == MEMBER_SKU).values(member_price_minor=9999)
        )

    assert terms(await offer(client, linked)) == (11999, 12999, 1000, True)
    clock.advance(timedelta(seconds=1))
    assert terms(await offer(client, linked)) == (9999, 12999, 3000, True)


async def test_stock_changes_show_on_the_next_call(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    variant_id, _ = await variant_ids(container, MEMBER_SKU)
    linked = await linked_shopper(app, container, member=True)
    assert (await offer(client, linked))["availability"] == {"status": "in_stock", "count": None}

    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", on_hand=2
    )
    low = await offer(client, linked)
    await catalog.adjust_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", delta=-2
    )
    out = await offer(client, linked)

    assert low["availability"] == {"status": "low_stock", "count": 2}
    assert low["checkout"] == {"possible": True, "blockers": []}
    assert out["availability"] == {"status": "out_of_stock", "count": None}
    assert out["delivery"] is None
    assert out["checkout"] == {"possible": False, "blockers": ["out_of_stock"]}


async def test_stock_in_another_warehouse_changes_the_promise(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    variant_id, _ = await variant_ids(container, MEMBER_SKU)
    linked = await linked_shopper(app, container, member=True)
    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="PAR1", on_hand=0
    )
    assert (await offer(client, linked))["delivery"] is None

    await catalog.set_stock(
        uow=container.uow(), variant_id=variant_id, warehouse_code="LYS1", on_hand=1
    )

    seen = await offer(client, linked)
    assert seen["availability"] == {"status": "low_stock", "count": 1}
    assert (seen["delivery"]["date"], seen["delivery"]["label"]) == (
        "2029-03-03", "Saturday 8–20 h",
    )  # fmt: skip


async def test_membership_granted_and_ended_shows_on_the_next_call(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=False)
    assert terms(await offer(client, linked)) == (12999, 12999, None, False)

    await accounts.set_membership(uow=container.uow(), shopper_id=linked.login.shopper_id)
    member = await offer(client, linked)
    await accounts.end_membership(uow=container.uow(), shopper_id=linked.login.shopper_id)
    ended = await offer(client, linked)

    assert terms(member) == (11999, 12999, 1000, True)
    assert member["delivery"]["label"] == "today 8–22 h"
    assert terms(ended) == (12999, 12999, None, False)
    assert ended["delivery"]["label"] == "tomorrow 8–22 h"


async def test_a_membership_starting_later_does_not_count_yet(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, member=False)

    await accounts.set_membership(
        uow=container.uow(), shopper_id=linked.login.shopper_id,
        starts_at=FROZEN_START + timedelta(minutes=10),
    )  # fmt: skip

    assert terms(await offer(client, linked)) == (12999, 12999, None, False)
    clock.advance(timedelta(minutes=10))
    assert terms(await offer(client, linked)) == (11999, 12999, 1000, True)


async def test_an_address_added_later_lifts_the_blocker_within_a_second(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await offer_catalog(container)
    linked = await linked_shopper(app, container, address=False)
    assert (await offer(client, linked))["checkout"]["blockers"] == ["no_address"]

    await accounts.add_address(
        uow=container.uow(), shopper_id=linked.login.shopper_id, line1="1 quai Voltaire",
        city="Paris", postal_code=POSTAL_CODE, country="FR",
    )  # fmt: skip
    clock.advance(timedelta(seconds=1))

    seen = await offer(client, linked)
    assert seen["checkout"] == {"possible": True, "blockers": []}
    assert (seen["delivery"]["kind"], seen["delivery"]["country"]) == ("address", None)
