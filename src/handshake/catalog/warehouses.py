"""Use cases for warehouses: where stock ships from, when, and to which postal codes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handshake.catalog.delivery_promise import Zone
from handshake.catalog.errors import InvalidWarehouse, WarehouseCodeTaken
from handshake.catalog.models import Warehouse, WarehouseZone
from handshake.catalog.repository import CatalogRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel.ids import new_id

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
CUTOFF_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
PREFIX_RE = re.compile(r"^[A-Z0-9]{0,10}$")
ZONE_FIELDS = {
    "country", "postal_prefix", "transit_days", "member_transit_days", "window_start_hour",
    "window_end_hour",
}  # fmt: skip


@dataclass(frozen=True)
class WarehouseDetails:
    """A warehouse and its zones."""

    warehouse: Warehouse
    zones: tuple[WarehouseZone, ...]


def parse_cutoff(value: str | time) -> time:
    """``"16:00"`` → ``time(16, 0)``."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = CUTOFF_RE.match(value)
    if not match:
        raise InvalidWarehouse(
            "cutoff_local must be HH:MM (24 h).", extra={"field": "cutoff_local"}
        )
    return time(int(match[1]), int(match[2]))


def check_timezone(name: str) -> str:
    """``name`` when it is an IANA time zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidWarehouse(
            f"Unknown IANA time zone {name!r}.", extra={"field": "timezone"}
        ) from None
    return name


def check_weekdays(days: Iterable[int]) -> list[int]:
    """Sorted distinct weekdays (Monday = 0 … Sunday = 6), at least one."""
    result = sorted(set(days))
    if not result or any(not isinstance(d, int) or not 0 <= d <= 6 for d in result):
        raise InvalidWarehouse(
            "ship_weekdays needs at least one day among 0 (Monday) … 6 (Sunday).",
            extra={"field": "ship_weekdays"},
        )
    return result


def parse_zone(data: Mapping[str, Any]) -> Zone:
    """A zone from a mapping; member transit defaults to the regular one."""
    unknown = set(data) - ZONE_FIELDS
    if unknown:
        raise InvalidWarehouse(f"Unknown zone fields: {', '.join(sorted(unknown))}.")
    try:
        transit = int(data["transit_days"])
        zone = Zone(
            country=str(data["country"]).upper(),
            postal_prefix=str(data.get("postal_prefix", "")).upper().replace(" ", ""),
            transit_days=transit,
            member_transit_days=int(data.get("member_transit_days", transit)),
            window_start_hour=int(data.get("window_start_hour", 8)),
            window_end_hour=int(data.get("window_end_hour", 20)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidWarehouse(f"Zone is incomplete or malformed: {exc}.") from None
    problems = [
        (len(zone.country) != 2 or not zone.country.isalpha(), "country must be ISO 3166 alpha-2"),
        (not PREFIX_RE.match(zone.postal_prefix), "postal_prefix: up to 10 letters/digits"),
        (zone.transit_days < 0 or zone.member_transit_days < 0, "transit days cannot be negative"),
        (zone.transit_days > 60, "transit_days: at most 60"),
        (
            not 0 <= zone.window_start_hour < zone.window_end_hour <= 24,
            "window hours: 0 ≤ start < end ≤ 24",
        ),
    ]
    for failed, message in problems:
        if failed:
            raise InvalidWarehouse(f"Zone {zone.country}/{zone.postal_prefix}: {message}.")
    return zone


def _check_zones(zones: Sequence[Mapping[str, Any]]) -> list[Zone]:
    parsed = [parse_zone(z) for z in zones]
    keys = [(z.country, z.postal_prefix) for z in parsed]
    if len(set(keys)) != len(keys):
        raise InvalidWarehouse("Two zones have the same country and postal prefix.")
    return parsed


async def create_warehouse(
    *,
    uow: UnitOfWork,
    code: str,
    name: str,
    timezone: str,
    cutoff_local: str | time = "16:00",
    ship_weekdays: Sequence[int] = (0, 1, 2, 3, 4),
    zones: Sequence[Mapping[str, Any]] = (),
) -> WarehouseDetails:
    """Create a warehouse with its delivery zones."""
    if not CODE_RE.match(code):
        raise InvalidWarehouse("code: 1–16 of A–Z, 0–9, _ or -.", extra={"field": "code"})
    warehouse = Warehouse(
        id=new_id("whs"),
        code=code,
        name=name.strip() or code,
        timezone=check_timezone(timezone),
        cutoff_local=parse_cutoff(cutoff_local),
        ship_weekdays=check_weekdays(ship_weekdays),
    )
    rows = [
        WarehouseZone(id=new_id("whz"), warehouse_id=warehouse.id, **vars(zone))
        for zone in _check_zones(zones)
    ]
    taken = WarehouseCodeTaken(f"Warehouse code {code} is taken.", extra={"warehouse_code": code})
    async with uow:
        repo = uow.repo(CatalogRepository)
        if await repo.warehouses_by_code([code]):
            raise taken
        repo.add(warehouse)
        await repo.flush_unique(taken)
        for row in rows:
            repo.add(row)
        await uow.commit()
    return WarehouseDetails(warehouse=warehouse, zones=tuple(rows))


async def list_warehouses(*, uow: UnitOfWork) -> list[WarehouseDetails]:
    """Every warehouse with its zones, by code."""
    async with uow:
        repo = uow.repo(CatalogRepository)
        warehouses = await repo.warehouses_by_code()
        zones = await repo.zones_of([w.id for w in warehouses.values()])
    return [
        WarehouseDetails(w, tuple(z for z in zones if z.warehouse_id == w.id))
        for w in warehouses.values()
    ]


def zone_of(row: WarehouseZone) -> Zone:
    """The pure-promise view of a stored zone."""
    return Zone(
        country=row.country,
        postal_prefix=row.postal_prefix,
        transit_days=row.transit_days,
        member_transit_days=row.member_transit_days,
        window_start_hour=row.window_start_hour,
        window_end_hour=row.window_end_hour,
    )
