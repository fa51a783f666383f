"""Load the demo into a store, idempotently: every step first looks for what it would create."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handshake.assistant import service as assistant
from handshake.catalog import service as catalog
from handshake.catalog.errors import VariantNotFound
from handshake.demo.catalog_data import catalog_rows
from handshake.demo.credentials_file import CredentialsFile
from handshake.demo.errors import DemoDataRejected
from handshake.demo.partner_seed import ensure_partners
from handshake.demo.people import WAREHOUSES
from handshake.demo.report import DemoReport
from handshake.web.runtime import AppServices

ProgressCallback = Callable[[int, int], None]
IMPORT_BATCH_SIZE = 200


async def ensure_warehouses(services: AppServices, report: DemoReport | None = None) -> None:
    """Create PAR1 and LYS1 unless they exist."""
    existing = {d.warehouse.code for d in await catalog.list_warehouses(uow=services.read_uow())}
    for demo in WAREHOUSES:
        if demo.code not in existing:
            await catalog.create_warehouse(
                uow=services.uow(),
                code=demo.code,
                name=demo.name,
                timezone=demo.timezone,
                cutoff_local=demo.cutoff_local,
                ship_weekdays=demo.ship_weekdays,
                zones=demo.zones,
            )
        if report is not None:
            report.note(f"warehouse {demo.code}", created=demo.code not in existing)


async def _catalog_loaded(services: AppServices, rows: list[dict[str, Any]]) -> bool:
    try:
        await catalog.get_variant(uow=services.read_uow(), reference=str(rows[-1]["sku"]))
    except VariantNotFound:
        return False
    return True


async def load_catalog(
    services: AppServices,
    report: DemoReport | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
) -> None:
    """Warehouses, then the generated catalog through the import (upsert by SKU).

    Skipped when the demo's last SKU is already there, unless ``force`` (which re-imports and
    so resets prices and stock to the demo's values).
    """
    report = report if report is not None else DemoReport()
    await ensure_warehouses(services, report)
    rows = catalog_rows()
    report.variants = len(rows)
    report.products = len({row["handle"] for row in rows})
    if not force and await _catalog_loaded(services, rows):
        report.note("catalog", created=False)
        return
    result = await catalog.import_rows(
        uow=services.uow(), rows=rows, batch_size=IMPORT_BATCH_SIZE, on_progress=on_progress
    )
    if result.errors:
        first = result.errors[0]
        raise DemoDataRejected(
            f"{len(result.errors)} demo rows rejected; first: line {first.line} "
            f"({first.sku}): {first.reason}",
            extra={"rejected": len(result.errors)},
        )
    report.note("catalog", created=True)


async def load_demo(
    services: AppServices,
    *,
    on_progress: ProgressCallback | None = None,
    force: bool = False,
    credentials: CredentialsFile | None = None,
) -> DemoReport:
    """Everything: catalog and warehouses, partners, shoppers, the operator and sample videos.

    With ``credentials``, the partners' secrets are saved there (lost ones rotated first).
    """
    from handshake.demo.account_seed import ensure_accounts
    from handshake.demo.video_seed import ensure_videos

    report = DemoReport()
    await load_catalog(services, report, on_progress=on_progress, force=force)
    # The assistant's search index (embeds only products it has not seen or that changed).
    await assistant.refresh_search_index(uow=services.uow(), settings=services.settings.assistant)
    saved = None if credentials is None else credentials.load()
    partners = await ensure_partners(services, report, saved)
    if credentials is not None:
        credentials.save(partners)
    await ensure_accounts(services, report)
    await ensure_videos(services, report)
    return report
