"""Pure delivery planning: which warehouses may serve a line, and each option's promise.

A line already holding stock is promised from the warehouse holding it; a line without a hold
from whichever covering warehouse has the units. A basket arrives when its last line does, so a
delivery option's promise is the latest of its lines' earliest windows (None when a line cannot
reach the address at all). Faster options take ``days_saved`` off every zone's transit (at least
one delivery day remains, unless the zone already delivers the same day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from handshake.catalog.delivery_promise import (
    DeliveryWindow,
    WarehouseOption,
    earliest_delivery,
    matching_zone,
)
from handshake.settings import DeliveryOptionSettings


@dataclass(frozen=True)
class Destination:
    """Where the parcel goes, and whether member transit applies."""

    postal_code: str
    country: str
    is_member: bool


@dataclass(frozen=True)
class PlannedLine:
    """A line's quantity, the warehouses stocking its variant, and the one holding it if any."""

    quantity: int
    warehouses: tuple[WarehouseOption, ...]
    held_in: str | None


def _saved(transit_days: int, days_saved: int) -> int:
    # At least one delivery day remains, but a faster option never adds one (same-day zones).
    return min(transit_days, max(1, transit_days - days_saved))


def _faster(option: WarehouseOption, days_saved: int) -> WarehouseOption:
    if not days_saved:
        return option
    zones = tuple(
        replace(
            zone,
            transit_days=_saved(zone.transit_days, days_saved),
            member_transit_days=_saved(zone.member_transit_days, days_saved),
        )
        for zone in option.zones
    )
    return replace(option, zones=zones)


def _candidates(line: PlannedLine) -> list[WarehouseOption]:
    if line.held_in is None:
        return list(line.warehouses)
    # The held units are ours: the warehouse's remaining availability does not matter.
    return [replace(w, available=line.quantity) for w in line.warehouses if w.code == line.held_in]


def line_window(
    line: PlannedLine, *, to: Destination, days_saved: int, now: datetime
) -> DeliveryWindow | None:
    """The earliest window of one line to the destination, or None."""
    options = [_faster(option, days_saved) for option in _candidates(line)]
    return earliest_delivery(
        options, quantity=line.quantity, postal_code=to.postal_code, country=to.country,
        is_member=to.is_member, now=now,
    )  # fmt: skip


def basket_window(
    lines: Sequence[PlannedLine],
    *,
    to: Destination,
    option: DeliveryOptionSettings,
    now: datetime,
) -> DeliveryWindow | None:
    """When the whole basket arrives with ``option``: its slowest line's earliest window."""
    windows = [line_window(line, to=to, days_saved=option.days_saved, now=now) for line in lines]
    if not windows or any(window is None for window in windows):
        return None
    found = [window for window in windows if window is not None]
    return max(found, key=lambda w: (w.date, w.end_hour, w.start_hour))


def warehouse_preference(
    warehouses: Sequence[WarehouseOption], *, quantity: int, to: Destination, now: datetime
) -> list[str]:
    """Codes of the warehouses covering the destination, the fastest first, to try holding in.

    Stock is not looked at here: the hold itself decides, atomically, who still has the units.
    """
    ranked: list[tuple[tuple[object, ...], str]] = []
    for option in warehouses:
        if matching_zone(option.zones, country=to.country, postal_code=to.postal_code) is None:
            continue
        window = earliest_delivery(
            [replace(option, available=quantity)], quantity=quantity, postal_code=to.postal_code,
            country=to.country, is_member=to.is_member, now=now,
        )  # fmt: skip
        if window is not None:
            ranked.append(((window.date, window.start_hour, option.code), option.code))
    return [code for _, code in sorted(ranked)]
