"""Pure offer assembly: the shopper's price, availability, delivery promise and checkout readiness.

Nothing here does I/O: a variant snapshot (prices, stock per warehouse, zones) and the shopper's
context (membership, where the default address is, cards, scopes) go in, an offer comes out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.catalog.browsing import Availability, availability
from handshake.catalog.delivery_promise import (
    DeliveryWindow,
    WarehouseOption,
    Zone,
    earliest_delivery,
    generic_estimate,
)
from handshake.catalog.models import ProductStatus

NO_ADDRESS = "no_address"
NO_PAYMENT_METHOD = "no_payment_method"
CHECKOUT_NOT_GRANTED = "checkout_not_granted"
OUT_OF_STOCK = "out_of_stock"
NOT_DELIVERABLE = "not_deliverable_to_address"


@dataclass(frozen=True, slots=True)
class VariantSnapshot:
    """What an offer needs of one variant: product essentials, prices and each warehouse."""

    variant_id: str
    sku: str
    gtin: str | None
    product_id: str
    title_en: str
    title_fr: str
    image: str | None
    currency: str
    list_price_minor: int
    member_price_minor: int | None
    is_active: bool
    warehouses: tuple[WarehouseOption, ...]

    @property
    def available(self) -> int:
        """Units sellable across warehouses."""
        return sum(max(w.available, 0) for w in self.warehouses)

    def title(self, lang: str) -> str:
        """Product title in ``lang``."""
        return self.title_fr if lang == "fr" else self.title_en


@dataclass(frozen=True, slots=True)
class ShopperContext:
    """What an offer needs of the shopper; the postal code never leaves the server."""

    shopper_id: str
    is_member: bool
    postal_code: str | None
    country: str | None
    has_payment_method: bool

    @property
    def has_address(self) -> bool:
        """Whether a default address is on file."""
        return self.postal_code is not None and self.country is not None


@dataclass(frozen=True, slots=True)
class Pricing:
    """The price this shopper pays, the list price, and the member saving when it applies."""

    unit_price_minor: int
    list_price_minor: int
    currency: str
    member_price_applied: bool

    @property
    def saving_minor(self) -> int:
        """List price minus what the shopper pays."""
        return self.list_price_minor - self.unit_price_minor


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery window to the shopper's address (``address``) or a country estimate."""

    kind: str
    window: DeliveryWindow
    country: str | None


@dataclass(frozen=True, slots=True)
class Offer:
    """One variant offered to one caller."""

    variant: VariantSnapshot
    pricing: Pricing
    availability: Availability
    delivery: Delivery | None
    membership_badge: bool
    checkout_blockers: tuple[str, ...]


def price_for(variant: VariantSnapshot, *, is_member: bool) -> Pricing:
    """Members pay the member price when the variant has one; everyone else the list price."""
    member = variant.member_price_minor
    applied = is_member and member is not None and member < variant.list_price_minor
    return Pricing(
        unit_price_minor=member if applied and member is not None else variant.list_price_minor,
        list_price_minor=variant.list_price_minor,
        currency=variant.currency,
        member_price_applied=applied,
    )


def checkout_blockers(
    context: ShopperContext, *, scopes: frozenset[str], in_stock: bool, deliverable: bool = True
) -> tuple[str, ...]:
    """Why in-app checkout cannot run (empty: it can).

    ``deliverable`` is False when no warehouse holding the variant ships to the default address.
    """
    blockers = []
    if not context.has_address:
        blockers.append(NO_ADDRESS)
    elif in_stock and not deliverable:
        blockers.append(NOT_DELIVERABLE)
    if not context.has_payment_method:
        blockers.append(NO_PAYMENT_METHOD)
    if "checkout" not in scopes:
        blockers.append(CHECKOUT_NOT_GRANTED)
    if not in_stock:
        blockers.append(OUT_OF_STOCK)
    return tuple(blockers)


def delivery_for(
    variant: VariantSnapshot, *, context: ShopperContext | None, country: str, now: datetime
) -> Delivery | None:
    """The window to the shopper's default address, else a country-wide estimate."""
    is_member = context is not None and context.is_member
    if context is not None and context.postal_code and context.country:
        window = earliest_delivery(
            variant.warehouses, quantity=1, postal_code=context.postal_code,
            country=context.country, is_member=is_member, now=now,
        )  # fmt: skip
        return None if window is None else Delivery("address", window, None)
    window = generic_estimate(
        variant.warehouses, quantity=1, country=country, is_member=is_member, now=now
    )
    return None if window is None else Delivery("estimate", window, country)


def linked_offer(
    variant: VariantSnapshot,
    *,
    context: ShopperContext,
    scopes: frozenset[str],
    country: str,
    low_stock_threshold: int,
    now: datetime,
) -> Offer:
    """The offer a linked shopper sees: their price, stock, promise and checkout readiness."""
    stock = availability(variant.available, low_stock_threshold=low_stock_threshold)
    delivery = delivery_for(variant, context=context, country=country, now=now)
    return Offer(
        variant=variant,
        pricing=price_for(variant, is_member=context.is_member),
        availability=stock,
        delivery=delivery,
        membership_badge=context.is_member,
        checkout_blockers=checkout_blockers(
            context,
            scopes=scopes,
            in_stock=stock.status != OUT_OF_STOCK,
            deliverable=delivery is not None,
        ),
    )


def anonymous_offer(
    variant: VariantSnapshot, *, country: str, low_stock_threshold: int, now: datetime
) -> Offer:
    """The offer anyone sees: list price, stock and a country-wide estimate; no checkout."""
    return Offer(
        variant=variant,
        pricing=price_for(variant, is_member=False),
        availability=availability(variant.available, low_stock_threshold=low_stock_threshold),
        delivery=delivery_for(variant, context=None, country=country, now=now),
        membership_badge=False,
        checkout_blockers=(),
    )


def context_from_row(shopper_id: str, row: Any | None, *, now: datetime) -> ShopperContext:
    """The context of a (membership, default address, usable cards) row; empty when erased."""
    if row is None or row.erased_at is not None:
        return ShopperContext(shopper_id, False, None, None, False)
    member = row.starts_at is not None and row.starts_at <= now
    member = member and (row.ends_at is None or now < row.ends_at)
    return ShopperContext(
        shopper_id=shopper_id,
        is_member=member,
        postal_code=row.postal_code,
        country=row.country,
        has_payment_method=int(row.usable_cards) > 0,
    )


def snapshots_from_rows(rows: Iterable[Any]) -> list[VariantSnapshot]:
    """Group the joined (variant × warehouse × zone) rows into one snapshot per variant."""
    heads: dict[str, Any] = {}
    warehouses: dict[str, dict[str, Any]] = defaultdict(dict)
    zones: dict[tuple[str, str], list[Zone]] = defaultdict(list)
    for row in rows:
        heads.setdefault(row.id, row)
        if row.warehouse_id is None:
            continue
        warehouses[row.id].setdefault(row.warehouse_id, row)
        if row.country is not None:
            zones[(row.id, row.warehouse_id)].append(_zone(row))
    return [_snapshot(head, warehouses[vid], zones) for vid, head in heads.items()]


def _zone(row: Any) -> Zone:
    return Zone(
        country=row.country, postal_prefix=row.postal_prefix, transit_days=row.transit_days,
        member_transit_days=row.member_transit_days, window_start_hour=row.window_start_hour,
        window_end_hour=row.window_end_hour,
    )  # fmt: skip


def _snapshot(
    head: Any, warehouses: dict[str, Any], zones: dict[tuple[str, str], list[Zone]]
) -> VariantSnapshot:
    options = tuple(
        WarehouseOption(
            code=w.warehouse_code,
            available=int(w.available),
            timezone=w.timezone,
            cutoff_local=w.cutoff_local,
            ship_weekdays=frozenset(w.ship_weekdays),
            zones=tuple(zones[(head.id, warehouse_id)]),
        )
        for warehouse_id, w in warehouses.items()
    )
    images: Sequence[str] = head.images or ()
    return VariantSnapshot(
        variant_id=head.id, sku=head.sku, gtin=head.gtin, product_id=head.product_id,
        title_en=head.title_en, title_fr=head.title_fr, image=images[0] if images else None,
        currency=head.currency, list_price_minor=head.list_price_minor,
        member_price_minor=head.member_price_minor,
        is_active=head.status == ProductStatus.ACTIVE, warehouses=options,
    )  # fmt: skip
