"""Pure offer assembly: price, checkout blockers, availability, delivery and the shopper context."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from handshake.catalog.browsing import Availability
from handshake.catalog.delivery_promise import DeliveryWindow, WarehouseOption, Zone
from handshake.offers.composition import (
    CHECKOUT_NOT_GRANTED,
    NO_ADDRESS,
    NO_PAYMENT_METHOD,
    OUT_OF_STOCK,
    Delivery,
    Pricing,
    ShopperContext,
    VariantSnapshot,
    anonymous_offer,
    checkout_blockers,
    context_from_row,
    delivery_for,
    linked_offer,
    price_for,
    snapshots_from_rows,
)

# 2029-03-01 is a Thursday; 09:00 UTC is 10:00 in Paris, before the 16:00 cut-off.
NOW = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
WEEKDAYS = frozenset({0, 1, 2, 3, 4})
FR_ALL = Zone("FR", "", 2, 1, 8, 20)
FR_75 = Zone("FR", "75", 1, 0, 8, 22)
ALL_SCOPES = frozenset({"offers", "checkout"})
THRESHOLD = 5


def paris(available: int = 12, zones: tuple[Zone, ...] = (FR_ALL, FR_75)) -> WarehouseOption:
    return WarehouseOption("PAR1", available, "Europe/Paris", time(16, 0), WEEKDAYS, zones)


def variant(
    *,
    list_price: int = 12999,
    member_price: int | None = 11999,
    warehouses: tuple[WarehouseOption, ...] | None = None,
) -> VariantSnapshot:
    return VariantSnapshot(
        variant_id="var_1", sku="ACM-X1-WHT", gtin="4006381333931", product_id="prd_1",
        title_en="Thermo X1", title_fr="Thermostat X1", image="/x1.svg", currency="EUR",
        list_price_minor=list_price, member_price_minor=member_price, is_active=True,
        warehouses=(paris(),) if warehouses is None else warehouses,
    )  # fmt: skip


def shopper(
    *,
    member: bool = False,
    postal_code: str | None = "75011",
    country: str | None = "FR",
    card: bool = True,
) -> ShopperContext:
    return ShopperContext("shp_1", member, postal_code, country, card)


# --- price_for -----------------------------------------------------------------------------


def test_a_member_pays_the_member_price_and_saves_the_difference() -> None:
    pricing = price_for(variant(), is_member=True)

    assert pricing == Pricing(11999, 12999, "EUR", member_price_applied=True)
    assert pricing.saving_minor == 1000


def test_a_non_member_pays_the_list_price_and_saves_nothing() -> None:
    pricing = price_for(variant(), is_member=False)

    assert pricing == Pricing(12999, 12999, "EUR", member_price_applied=False)
    assert pricing.saving_minor == 0


@pytest.mark.parametrize("member_price", [None, 12999, 13999])
def test_a_member_price_not_below_the_list_price_is_not_applied(member_price: int | None) -> None:
    pricing = price_for(variant(member_price=member_price), is_member=True)

    assert pricing == Pricing(12999, 12999, "EUR", member_price_applied=False)
    assert pricing.saving_minor == 0


# --- checkout_blockers ---------------------------------------------------------------------


def test_a_ready_shopper_has_no_blocker() -> None:
    assert checkout_blockers(shopper(), scopes=ALL_SCOPES, in_stock=True) == ()


@pytest.mark.parametrize(
    ("context", "scopes", "in_stock", "expected"),
    [
        (shopper(postal_code=None, country=None), ALL_SCOPES, True, NO_ADDRESS),
        (shopper(country=None), ALL_SCOPES, True, NO_ADDRESS),
        (shopper(postal_code=None), ALL_SCOPES, True, NO_ADDRESS),
        (shopper(card=False), ALL_SCOPES, True, NO_PAYMENT_METHOD),
        (shopper(), frozenset({"offers"}), True, CHECKOUT_NOT_GRANTED),
        (shopper(), ALL_SCOPES, False, OUT_OF_STOCK),
    ],
    ids=["no-address", "no-country", "no-postal-code", "no-card", "no-scope", "no-stock"],
)
def test_each_blocker_alone(
    context: ShopperContext, scopes: frozenset[str], in_stock: bool, expected: str
) -> None:
    assert checkout_blockers(context, scopes=scopes, in_stock=in_stock) == (expected,)


def test_an_address_no_warehouse_ships_to_blocks_checkout_while_in_stock() -> None:
    assert checkout_blockers(shopper(), scopes=ALL_SCOPES, in_stock=True, deliverable=False) == (
        "not_deliverable_to_address",
    )
    # Out of stock says it all; without an address there is nothing to deliver to.
    assert checkout_blockers(shopper(), scopes=ALL_SCOPES, in_stock=False, deliverable=False) == (
        OUT_OF_STOCK,
    )
    assert checkout_blockers(
        shopper(postal_code=None, country=None), scopes=ALL_SCOPES, in_stock=True,
        deliverable=False,
    ) == (NO_ADDRESS,)  # fmt: skip


def test_every_blocker_at_once_in_a_stable_order() -> None:
    context = shopper(postal_code=None, country=None, card=False)

    blockers = checkout_blockers(context, scopes=frozenset({"offers"}), in_stock=False)

    assert blockers == (NO_ADDRESS, NO_PAYMENT_METHOD, CHECKOUT_NOT_GRANTED, OUT_OF_STOCK)
    assert blockers == ("no_address", "no_payment_method", "checkout_not_granted", "out_of_stock")


# --- availability in offers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        (12, Availability("in_stock")),
        (6, Availability("in_stock")),
        (5, Availability("low_stock", 5)),
        (3, Availability("low_stock", 3)),
        (1, Availability("low_stock", 1)),
    ],
)
def test_linked_and_anonymous_offers_classify_stock(units: int, expected: Availability) -> None:
    snapshot = variant(warehouses=(paris(units),))

    linked = linked_offer(
        snapshot, context=shopper(member=True), scopes=ALL_SCOPES, country="FR",
        low_stock_threshold=THRESHOLD, now=NOW,
    )  # fmt: skip
    anonymous = anonymous_offer(snapshot, country="FR", low_stock_threshold=THRESHOLD, now=NOW)

    assert linked.availability == expected
    assert anonymous.availability == expected
    assert linked.checkout_blockers == ()


def test_out_of_stock_blocks_checkout_and_has_no_delivery() -> None:
    snapshot = variant(warehouses=(paris(0),))

    offer = linked_offer(
        snapshot, context=shopper(member=True), scopes=ALL_SCOPES, country="FR",
        low_stock_threshold=THRESHOLD, now=NOW,
    )  # fmt: skip

    assert offer.availability == Availability("out_of_stock")
    assert offer.delivery is None
    assert offer.checkout_blockers == (OUT_OF_STOCK,)


def test_stock_adds_up_across_warehouses_ignoring_negative_levels() -> None:
    lyon = WarehouseOption("LYS1", 3, "Europe/Paris", time(14, 0), WEEKDAYS, (FR_ALL,))
    snapshot = variant(warehouses=(paris(-2), lyon, paris(4)))

    assert snapshot.available == 7
    offer = anonymous_offer(snapshot, country="FR", low_stock_threshold=7, now=NOW)
    assert offer.availability == Availability("low_stock", 7)


def test_a_linked_member_offer_has_price_badge_and_address_promise() -> None:
    offer = linked_offer(
        variant(), context=shopper(member=True), scopes=ALL_SCOPES, country="DE",
        low_stock_threshold=THRESHOLD, now=NOW,
    )  # fmt: skip

    assert offer.pricing == Pricing(11999, 12999, "EUR", True)
    assert offer.membership_badge is True
    assert offer.delivery is not None
    assert (offer.delivery.kind, offer.delivery.country, offer.delivery.window.date) == (
        "address", None, date(2029, 3, 1),
    )  # fmt: skip


def test_an_anonymous_offer_has_list_price_no_badge_and_no_blockers() -> None:
    offer = anonymous_offer(variant(), country="FR", low_stock_threshold=THRESHOLD, now=NOW)

    assert offer.pricing == Pricing(12999, 12999, "EUR", False)
    assert offer.membership_badge is False
    assert offer.checkout_blockers == ()
    assert offer.delivery is not None
    assert (offer.delivery.kind, offer.delivery.country) == ("estimate", "FR")


# --- delivery_for --------------------------------------------------------------------------


def test_a_member_with_an_address_gets_the_address_window() -> None:
    delivery = delivery_for(variant(), context=shopper(member=True), country="FR", now=NOW)

    assert delivery == Delivery(
        "address",
        DeliveryWindow(
            date(2029, 3, 1), 8, 22, "PAR1", date(2029, 3, 1), "today 8–22 h",
            "aujourd'hui 8 h–22 h", timezone="Europe/Paris",
        ),
        None,
    )  # fmt: skip


def test_a_non_member_with_an_address_travels_on_regular_transit_days() -> None:
    delivery = delivery_for(variant(), context=shopper(), country="FR", now=NOW)

    assert delivery == Delivery(
        "address",
        DeliveryWindow(
            date(2029, 3, 2), 8, 22, "PAR1", date(2029, 3, 1), "tomorrow 8–22 h",
            "demain 8 h–22 h", timezone="Europe/Paris",
        ),
        None,
    )  # fmt: skip


def test_without_an_address_a_member_gets_the_country_estimate() -> None:
    context = shopper(member=True, postal_code=None, country=None)

    delivery = delivery_for(variant(), context=context, country="FR", now=NOW)

    # The slowest French zone for members is the country-wide one: one day, 8–20 h.
    assert delivery == Delivery(
        "estimate",
        DeliveryWindow(
            date(2029, 3, 2), 8, 20, "PAR1", date(2029, 3, 1), "tomorrow 8–20 h",
            "demain 8 h–20 h", timezone="Europe/Paris",
        ),
        "FR",
    )  # fmt: skip


def test_anonymous_callers_get_the_regular_country_estimate() -> None:
    delivery = delivery_for(variant(), context=None, country="FR", now=NOW)

    assert delivery == Delivery(
        "estimate",
        DeliveryWindow(
            date(2029, 3, 3), 8, 20, "PAR1", date(2029, 3, 1), "Saturday 8–20 h",
            "samedi 8 h–20 h", timezone="Europe/Paris",
        ),
        "FR",
    )  # fmt: skip


def test_no_warehouse_zone_gives_no_delivery() -> None:
    german = shopper(postal_code="10115", country="DE")

    assert delivery_for(variant(), context=None, country="DE", now=NOW) is None
    assert delivery_for(variant(), context=german, country="FR", now=NOW) is None
    uncovered = variant(warehouses=(paris(zones=(FR_75,)),))
    lyon_shopper = shopper(postal_code="69001")
    assert delivery_for(uncovered, context=lyon_shopper, country="FR", now=NOW) is None


# --- context_from_row ----------------------------------------------------------------------


def shopper_row(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "erased_at": None,
        "starts_at": NOW - timedelta(days=30),
        "ends_at": None,
        "postal_code": "75011",
        "country": "FR",
        "usable_cards": 1,
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def test_a_full_row_gives_a_member_with_address_and_card() -> None:
    assert context_from_row("shp_1", shopper_row(), now=NOW) == ShopperContext(
        "shp_1", True, "75011", "FR", True
    )


@pytest.mark.parametrize(
    "row",
    [None, shopper_row(erased_at=NOW - timedelta(days=1))],
    ids=["unknown", "erased"],
)
def test_an_unknown_or_erased_shopper_has_an_empty_context(row: SimpleNamespace | None) -> None:
    context = context_from_row("shp_1", row, now=NOW)

    assert context == ShopperContext("shp_1", False, None, None, False)
    assert context.has_address is False


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "member"),
    [
        (None, None, False),
        (NOW - timedelta(days=30), NOW, False),
        (NOW - timedelta(days=30), NOW - timedelta(seconds=1), False),
        (NOW - timedelta(days=30), NOW + timedelta(seconds=1), True),
        (NOW, None, True),
        (NOW + timedelta(seconds=1), None, False),
    ],
    ids=["none", "ends-now", "ended", "ends-later", "starts-now", "starts-later"],
)
def test_membership_counts_only_between_its_start_and_end(
    starts_at: datetime | None, ends_at: datetime | None, member: bool
) -> None:
    row = shopper_row(starts_at=starts_at, ends_at=ends_at)

    assert context_from_row("shp_1", row, now=NOW).is_member is member


def test_no_usable_card_and_no_address() -> None:
    row = shopper_row(usable_cards=0, postal_code=None, country=None)

    context = context_from_row("shp_1", row, now=NOW)

    assert context == ShopperContext("shp_1", True, None, None, False)
    assert context.has_address is False


# --- snapshots_from_rows -------------------------------------------------------------------


def variant_row(**overrides: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": "var_1", "sku": "ACM-X1-WHT", "gtin": None, "product_id": "prd_1",
        "title_en": "Thermo X1", "title_fr": "Thermostat X1", "images": [], "currency": "EUR",
        "list_price_minor": 4900, "member_price_minor": None, "status": "active",
        "warehouse_id": None, "warehouse_code": None, "timezone": None, "cutoff_local": None,
        "ship_weekdays": None, "available": None, "country": None, "postal_prefix": None,
        "transit_days": None, "member_transit_days": None, "window_start_hour": None,
        "window_end_hour": None,
    }  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


def test_rows_without_stock_or_zones_give_bare_snapshots() -> None:
    rows = [
        variant_row(),
        variant_row(
            id="var_2", sku="ACM-2", status="archived", images=["/a.svg", "/b.svg"],
            warehouse_id="whs_1", warehouse_code="PAR1", timezone="Europe/Paris",
            cutoff_local=time(16, 0), ship_weekdays=[0, 1], available=4,
        ),
    ]  # fmt: skip

    first, second = snapshots_from_rows(rows)

    assert (first.variant_id, first.image, first.is_active, first.warehouses) == (
        "var_1", None, True, (),
    )  # fmt: skip
    assert (second.variant_id, second.image, second.is_active) == ("var_2", "/a.svg", False)
    assert second.warehouses == (
        WarehouseOption("PAR1", 4, "Europe/Paris", time(16, 0), frozenset({0, 1}), ()),
    )
    assert (first.title("fr"), first.title("en"), first.title("de")) == (
        "Thermostat X1", "Thermo X1", "Thermo X1",
    )  # fmt: skip
