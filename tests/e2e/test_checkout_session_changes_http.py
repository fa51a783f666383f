"""Reading, changing and cancelling checkout sessions over HTTP, with their stock holds.

The clock is frozen on Thursday 2029-03-01 at 10:00 in Paris, as in the other checkout tests.
Holds and stock are read back through the checkout repository and the catalog, never raw SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from handshake.accounts import service as accounts
from handshake.bootstrap import Container
from handshake.checkout.models import ReservationStatus
from handshake.kernel import clock
from tests.checkout_helpers import checkout_shopper, create_session, prepared_catalog
from tests.checkout_state_helpers import (
    cancel_session,
    get_session,
    holds,
    patch_session,
    problem,
    stock,
)
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import MEMBER_SKU, PLAIN_SKU, LinkedShopper

RELEASED = ReservationStatus.RELEASED


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


async def opened(
    app: object, container: Container, client: httpx.AsyncClient, items: list[tuple[str, int]]
) -> tuple[LinkedShopper, dict[str, Any]]:
    """The offers catalog, a linked non-member and a new session of ``items``."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    created = await create_session(client, linked, items)
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    return linked, session


def skus(session: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["sku"], item["quantity"]) for item in session["line_items"]]


async def test_get_shows_the_session_as_created(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Reading the session answers the very document the creation answered."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 2)])

    read = await get_session(client, linked, session["id"])

    assert read.status_code == 200, read.text
    assert read.json() == session


async def test_a_new_quantity_moves_the_hold(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """1 → 3 units: the 1-unit hold is released, a 3-unit hold taken, totals follow."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 1)])

    changed = await patch_session(
        client, linked, session["id"], items=[{"sku": MEMBER_SKU, "quantity": 3}]
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert skus(body) == [(MEMBER_SKU, 3)]
    assert (body["totals"]["items_minor"], body["totals"]["total_minor"]) == (38997, 38997)
    assert body["totals"]["tax_minor"] == 6500  # round_half_up(38997 / 6)
    assert await holds(container, session["id"]) == [("PAR1", 3)]
    assert await holds(container, session["id"], RELEASED) == [("PAR1", 1)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 3)}


async def test_quantity_zero_removes_the_item_and_its_hold(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Setting 49.00 item to 0 drops its line and gives its unit back to Lyon."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 1), (PLAIN_SKU, 1)])

    changed = await patch_session(
        client, linked, session["id"], items=[{"sku": PLAIN_SKU, "quantity": 0}]
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert skus(body) == [(MEMBER_SKU, 1)]
    assert (body["totals"]["items_minor"], body["totals"]["total_minor"]) == (12999, 12999)
    assert await stock(container, PLAIN_SKU) == {"LYS1": (8, 0)}
    assert await holds(container, session["id"]) == [("PAR1", 1)]
    assert await holds(container, session["id"], RELEASED) == [("LYS1", 1)]


async def test_express_delivery_changes_the_shipping_fee(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """49.00 with express: 9.90 shipping, VAT 9.82 included, total 58.90."""
    linked, session = await opened(app, container, client, [(PLAIN_SKU, 1)])

    changed = await patch_session(client, linked, session["id"], delivery_option="express")

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["totals"] == {
        "items_minor": 4900, "member_savings_minor": 0, "shipping_minor": 990,
        "tax_minor": 982, "total_minor": 5890,
    }  # fmt: skip
    chosen = [(o["code"], o["selected"]) for o in body["delivery_options"]]
    assert chosen == [("standard", False), ("express", True)]
    assert await holds(container, session["id"]) == [("LYS1", 1)]


async def test_an_unknown_address_is_refused_and_nothing_changes(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """422 unknown_address; the quantity and option sent along are not applied either."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 1)])

    refused = await patch_session(
        client, linked, session["id"], address_id="adr_notmine0",
        delivery_option="express", items=[{"sku": MEMBER_SKU, "quantity": 2}],
    )  # fmt: skip

    problem(refused, 422, "unknown_address")
    assert (await get_session(client, linked, session["id"])).json() == session
    assert await holds(container, session["id"]) == [("PAR1", 1)]
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}


async def test_another_saved_address_can_be_chosen(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """PATCH address_id with the shopper's Lyon address: 200, shown masked as "69•••"."""
    linked, session = await opened(app, container, client, [(PLAIN_SKU, 1)])
    lyon = await accounts.add_address(
        uow=container.uow(), shopper_id=linked.login.shopper_id, line1="3 quai Rambaud",
        city="Lyon", postal_code="69002", country="FR",
    )  # fmt: skip

    changed = await patch_session(client, linked, session["id"], address_id=lyon.id)

    assert changed.status_code == 200, changed.text
    address = changed.json()["address"]
    assert (address["id"], address["postal_area"], address["city"]) == (lyon.id, "69•••", "Lyon")
    assert await holds(container, session["id"]) == [("LYS1", 1)]


async def test_cancel_gives_the_stock_back_and_closes_the_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Cancelled: units back at once, reservation released, later changes 409."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 2)])

    cancelled = await cancel_session(client, linked, session["id"])

    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["ready_for_payment"], body["blockers"]) == ("canceled", False, [])
    assert (body["reserved_until"], body["sheet_url"]) == (None, None)
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 0)}
    assert await holds(container, session["id"]) == []
    assert await holds(container, session["id"], RELEASED) == [("PAR1", 2)]
    later = await patch_session(client, linked, session["id"], delivery_option="express")
    assert problem(later, 409, "checkout_session_closed")["order_id"] is None
    problem(await cancel_session(client, linked, session["id"]), 409, "checkout_session_closed")
    assert (await get_session(client, linked, session["id"])).json()["status"] == "canceled"


async def test_another_partner_cannot_see_or_change_the_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Another partner's token gets 404 on read, change and cancel; the session stays open."""
    linked, session = await opened(app, container, client, [(MEMBER_SKU, 1)])
    stranger = await checkout_shopper(app, container)
    session_id = session["id"]

    problem(await get_session(client, stranger, session_id), 404, "checkout_session_not_found")
    changed = await patch_session(client, stranger, session_id, delivery_option="express")
    problem(changed, 404, "checkout_session_not_found")
    problem(await cancel_session(client, stranger, session_id), 404, "checkout_session_not_found")

    assert (await get_session(client, linked, session_id)).json() == session
    assert await stock(container, MEMBER_SKU) == {"LYS1": (0, 0), "PAR1": (12, 1)}


async def test_a_token_without_the_checkout_scope_cannot_read_a_session(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A token linked for offers only gets 403 insufficient_scope on a session read."""
    _, session = await opened(app, container, client, [(MEMBER_SKU, 1)])
    offers_only = await checkout_shopper(app, container, scope="offers")

    problem(await get_session(client, offers_only, session["id"]), 403, "insufficient_scope")
