"""Shared helpers of the attribution tests: a catalog variant, events, the worker, stored rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from handshake.attribution.models import AdEvent
from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.jobs.worker import Worker
from handshake.kernel import clock
from handshake.settings import JobSettings
from tests.catalog_helpers import import_ok, make_warehouses, row

SKU = "ACM-X1-WHT"
GTIN = "4006381333931"
OTHER_SKU = "ACM-X1-BLK"


async def make_variants(container: Container) -> None:
    """Two variants of one product: SKU (with GTIN) and OTHER_SKU."""
    await make_warehouses(container)
    await import_ok(container, [row(), row(sku=OTHER_SKU, gtin=None, options={"colour": "black"})])


def event(event_id: str, kind: str = "impression", **fields: Any) -> dict[str, Any]:
    """A valid event of SKU that occurred a minute ago, with ``fields`` applied."""
    values: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "occurred_at": (clock.now() - timedelta(minutes=1)).isoformat(),
        "sku": SKU,
        "campaign_id": "spring",
    }
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def make_worker(container: Container) -> Worker:
    """The outbox worker over the container's registry."""
    return Worker(
        uow_factory=container.uow,
        registry=container.jobs,
        settings=JobSettings(embedded_worker=False),
        worker_id="w-attribution",
    )


class AdEventReader(Repository):
    """Reads stored ad events the way a test needs to see them."""

    async def all(self) -> list[AdEvent]:
        """Every stored event, by event id."""
        rows = await self.session.scalars(select(AdEvent).order_by(AdEvent.event_id))
        return list(rows.all())


async def stored_events(container: Container) -> list[AdEvent]:
    """Every row of ad_events now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(AdEventReader).all()
