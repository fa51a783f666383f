"""Shared helpers for catalog tests: import rows and a two-warehouse setup."""

from __future__ import annotations

from typing import Any

from handshake.bootstrap import Container
from handshake.catalog import service

PARIS_ZONES = [
    {"country": "FR", "postal_prefix": "", "transit_days": 2, "member_transit_days": 1,
     "window_start_hour": 8, "window_end_hour": 20},
    {"country": "FR", "postal_prefix": "75", "transit_days": 1, "member_transit_days": 0,
     "window_start_hour": 8, "window_end_hour": 22},
]  # fmt: skip
LYON_ZONES = [
    {"country": "FR", "postal_prefix": "69", "transit_days": 1, "member_transit_days": 0,
     "window_start_hour": 9, "window_end_hour": 21},
    {"country": "FR", "postal_prefix": "", "transit_days": 3, "member_transit_days": 2,
     "window_start_hour": 8, "window_end_hour": 20},
]  # fmt: skip


def row(**overrides: Any) -> dict[str, Any]:
    """A valid import row (one variant), with ``overrides`` applied."""
    values: dict[str, Any] = {
        "handle": "acme-thermo-x1",
        "category": "smart-home/thermostats",
        "category_name_en": "Thermostats",
        "category_name_fr": "Thermostats",
        "brand": "Acme",
        "title_en": "Thermo X1 smart thermostat",
        "title_fr": "Thermostat connecté Thermo X1",
        "description_en": "Learns your schedule.",
        "description_fr": "Apprend vos habitudes.",
        "image_url": "/static/catalog/demo/thermo-x1.svg",
        "attributes": {"protocol": "zigbee"},
        "sku": "ACM-X1-WHT",
        "gtin": "4006381333931",
        "options": {"colour": "white"},
        "currency": "EUR",
        "list_price": "129.99",
        "member_price": "119.99",
        "stock": {"PAR1": 12, "LYS1": 0},
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


async def make_warehouses(container: Container) -> None:
    """PAR1 (Paris, cut-off 16:00, Mon–Fri) and LYS1 (Lyon, cut-off 14:00, Mon–Sat)."""
    await service.create_warehouse(
        uow=container.uow(), code="PAR1", name="Paris", timezone="Europe/Paris",
        cutoff_local="16:00", ship_weekdays=[0, 1, 2, 3, 4], zones=PARIS_ZONES,
    )  # fmt: skip
    await service.create_warehouse(
        uow=container.uow(), code="LYS1", name="Lyon", timezone="Europe/Paris",
        cutoff_local="14:00", ship_weekdays=[0, 1, 2, 3, 4, 5], zones=LYON_ZONES,
    )  # fmt: skip


async def import_ok(container: Container, rows: list[dict[str, Any]]) -> None:
    """Import ``rows`` and fail the test if any row was rejected."""
    report = await service.import_rows(uow=container.uow(), rows=rows)
    assert report.errors == []
    assert report.imported == len(rows)
