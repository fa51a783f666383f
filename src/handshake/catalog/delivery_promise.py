"""The delivery promise: the earliest delivery window a single warehouse can honour.

Pure: everything it needs (stock, cut-off, shipping days, zones, the current time) is passed in.
A warehouse ships the same day when an order arrives before its local cut-off on a shipping day,
otherwise on its next shipping day. Transit is counted in delivery days, and there is no delivery
on Sundays. Members travel on ``member_transit_days``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Day = date  # the field named ``date`` below would shadow the type
SUNDAY = 6
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


@dataclass(frozen=True)
class Zone:
    """Coverage of a warehouse for a country and postal-code prefix ("" covers the country)."""

    country: str
    postal_prefix: str
    transit_days: int
    member_transit_days: int
    window_start_hour: int
    window_end_hour: int


@dataclass(frozen=True)
class WarehouseOption:
    """One warehouse as the promise sees it: its stock of the variant and how it ships."""

    code: str
    available: int
    timezone: str
    cutoff_local: time
    ship_weekdays: frozenset[int]
    zones: tuple[Zone, ...]


@dataclass(frozen=True)
class DeliveryWindow:
    """When the parcel arrives, from which warehouse, and how to say it."""

    date: Day
    start_hour: int
    end_hour: int
    warehouse_code: str
    ships_on: Day
    label_en: str
    label_fr: str
    # The warehouse's time zone: the window's hours are its local hours.
    timezone: str = "UTC"

    def bounds(self) -> tuple[datetime, datetime]:
        """The window as two aware instants (start, end)."""
        zone = ZoneInfo(self.timezone)
        day = datetime(self.date.year, self.date.month, self.date.day, tzinfo=zone)
        return day + timedelta(hours=self.start_hour), day + timedelta(hours=self.end_hour)


def normalise_postal_code(postal_code: str) -> str:
    """Uppercase without spaces or dashes, so "SW1A 1AA" matches prefix "SW1"."""
    return "".join(c for c in postal_code.upper() if c.isalnum())


def matching_zone(zones: Iterable[Zone], *, country: str, postal_code: str) -> Zone | None:
    """The zone of ``country`` whose prefix is the longest one starting ``postal_code``."""
    code = normalise_postal_code(postal_code)
    best: Zone | None = None
    for zone in zones:
        prefix = normalise_postal_code(zone.postal_prefix)
        if zone.country.upper() != country.upper() or not code.startswith(prefix):
            continue
        if best is None or len(prefix) > len(normalise_postal_code(best.postal_prefix)):
            best = zone
    return best


def slowest_zone(zones: Iterable[Zone], *, country: str, is_member: bool) -> Zone | None:
    """The zone of ``country`` with the most transit days (a promise every address can keep)."""
    candidates = [z for z in zones if z.country.upper() == country.upper()]
    if not candidates:
        return None
    return max(candidates, key=lambda z: (_transit(z, is_member), z.window_end_hour))


def ship_date(*, local_now: datetime, cutoff: time, ship_weekdays: frozenset[int]) -> date | None:
    """Today when before cut-off on a shipping day, else the next shipping day (None: never)."""
    if not ship_weekdays:
        return None
    day = local_now.date()
    if day.weekday() in ship_weekdays and local_now.time() < cutoff:
        return day
    day += timedelta(days=1)
    while day.weekday() not in ship_weekdays:
        day += timedelta(days=1)
    return day


def delivery_date(shipped: date, transit_days: int) -> date:
    """``shipped`` plus ``transit_days`` delivery days, never landing on a Sunday."""
    day = shipped
    remaining = transit_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() != SUNDAY:
            remaining -= 1
    while day.weekday() == SUNDAY:
        day += timedelta(days=1)
    return day


def labels(*, delivery: date, today: date, start_hour: int, end_hour: int) -> tuple[str, str]:
    """("tomorrow 8–22 h", "demain 8 h–22 h") style labels relative to ``today``."""
    days = (delivery - today).days
    if days == 0:
        day_en, day_fr = "today", "aujourd'hui"
    elif days == 1:
        day_en, day_fr = "tomorrow", "demain"
    elif 1 < days < 7:
        day_en, day_fr = WEEKDAYS_EN[delivery.weekday()], WEEKDAYS_FR[delivery.weekday()]
    else:
        day_en = f"{delivery.day} {MONTHS_EN[delivery.month - 1]}"
        day_fr = f"{delivery.day} {MONTHS_FR[delivery.month - 1]}"
    return f"{day_en} {start_hour}–{end_hour} h", f"{day_fr} {start_hour} h–{end_hour} h"


def _transit(zone: Zone, is_member: bool) -> int:
    return zone.member_transit_days if is_member else zone.transit_days


def _window(
    option: WarehouseOption, zone: Zone, *, is_member: bool, now: datetime
) -> DeliveryWindow | None:
    local_now = now.astimezone(ZoneInfo(option.timezone))
    shipped = ship_date(
        local_now=local_now, cutoff=option.cutoff_local, ship_weekdays=option.ship_weekdays
    )
    if shipped is None:
        return None
    arrives = delivery_date(shipped, _transit(zone, is_member))
    label_en, label_fr = labels(
        delivery=arrives,
        today=local_now.date(),
        start_hour=zone.window_start_hour,
        end_hour=zone.window_end_hour,
    )
    return DeliveryWindow(
        date=arrives,
        start_hour=zone.window_start_hour,
        end_hour=zone.window_end_hour,
        warehouse_code=option.code,
        ships_on=shipped,
        label_en=label_en,
        label_fr=label_fr,
        timezone=option.timezone,
    )


def _earliest(windows: Iterable[DeliveryWindow | None]) -> DeliveryWindow | None:
    found = [w for w in windows if w is not None]
    if not found:
        return None
    return min(found, key=lambda w: (w.date, w.start_hour, w.end_hour, w.warehouse_code))


def earliest_delivery(
    options: Sequence[WarehouseOption],
    *,
    quantity: int,
    postal_code: str,
    country: str,
    is_member: bool,
    now: datetime,
) -> DeliveryWindow | None:
    """Earliest window from one warehouse covering the address with ``quantity`` in stock."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    windows = []
    for option in options:
        zone = matching_zone(option.zones, country=country, postal_code=postal_code)
        if zone is not None and option.available >= quantity:
            windows.append(_window(option, zone, is_member=is_member, now=now))
    return _earliest(windows)


def generic_estimate(
    options: Sequence[WarehouseOption],
    *,
    quantity: int,
    country: str,
    is_member: bool,
    now: datetime,
) -> DeliveryWindow | None:
    """Anonymous estimate for a country: each warehouse's slowest zone there, earliest of them."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    windows = []
    for option in options:
        zone = slowest_zone(option.zones, country=country, is_member=is_member)
        if zone is not None and option.available >= quantity:
            windows.append(_window(option, zone, is_member=is_member, now=now))
    return _earliest(windows)
