"""Catalog import: validate every row, report bad ones by line, upsert the good ones by SKU.

Good rows are written in batches, one transaction per batch, so a failure (say a concurrent
change stealing a SKU) loses at most that batch, which is then reported row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from handshake.catalog.categories import ensure_categories
from handshake.catalog.errors import SkuTaken
from handshake.catalog.events import ProductSaved
from handshake.catalog.import_format import ImportRow, UnreadableRow, validation_reason
from handshake.catalog.models import Category, Product, ProductStatus, Variant, Warehouse
from handshake.catalog.repository import CatalogRepository
from handshake.catalog.search_index import refresh_search_text
from handshake.db.uow import UnitOfWork
from handshake.kernel.errors import DomainError
from handshake.kernel.ids import new_id

ProgressCallback = Callable[[int, int], None]
Numbered = tuple[int, ImportRow]


@dataclass(frozen=True)
class RowError:
    """A rejected row: its line (CSV line or 1-based JSON index), SKU when known, and why."""

    line: int
    sku: str | None
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    total: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Number of rejected rows."""
        return len(self.errors)


def validate_rows(
    rows: Sequence[tuple[int, Any]],
) -> tuple[list[Numbered], list[RowError]]:
    """Split rows into valid ones and errors; a SKU seen twice is rejected the second time."""
    valid: list[Numbered] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, raw in rows:
        sku = raw.get("sku") if isinstance(raw, Mapping) else None
        sku = sku if isinstance(sku, str) else None
        if isinstance(raw, UnreadableRow):
            errors.append(RowError(line, None, raw.reason))
            continue
        if not isinstance(raw, Mapping):
            errors.append(RowError(line, None, "row must be an object"))
            continue
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as exc:
            errors.append(RowError(line, sku, validation_reason(exc)))
            continue
        if row.sku in first_line:
            errors.append(
                RowError(line, row.sku, f"SKU repeated (first at line {first_line[row.sku]})")
            )
            continue
        first_line[row.sku] = line
        valid.append((line, row))
    return valid, errors


@dataclass
class _BatchState:
    """What one batch knows about the database before writing."""

    warehouses: dict[str, Warehouse]
    products: dict[str, Product]
    variants: dict[str, Variant]
    gtin_owners: dict[str, str]  # GTIN → SKU, shared by every batch of one import
    reserved: dict[tuple[str, str], int]


def _conflict(row: ImportRow, state: _BatchState) -> str | None:
    unknown = sorted(set(row.stock) - set(state.warehouses))
    if unknown:
        return f"unknown warehouse code(s): {', '.join(unknown)}"
    variant = state.variants.get(row.sku)
    product = state.products.get(row.handle)
    if variant is not None and (product is None or variant.product_id != product.id):
        return f"SKU {row.sku} belongs to another product"
    owner = state.gtin_owners.get(row.gtin or "")
    if owner is not None and owner != row.sku:
        return f"GTIN {row.gtin} is used by SKU {owner}"
    for code, on_hand in row.stock.items():
        reserved = state.reserved.get((row.sku, code), 0)
        if on_hand < reserved:
            return f"stock.{code}: {on_hand} is below the {reserved} units reserved"
    return None


def _upsert_product(
    repo: CatalogRepository, row: ImportRow, state: _BatchState, category: Category | None
) -> Product:
    product = state.products.get(row.handle)
    if product is None:
        product = Product(id=new_id("prd"), handle=row.handle, status=ProductStatus.ACTIVE,
                          images=[], search_text="")  # fmt: skip
        repo.add(product)
        state.products[row.handle] = product
    product.brand, product.title_en = row.brand, row.title_en
    product.title_fr = row.title_fr or row.title_en
    product.description_en, product.description_fr = row.description_en, row.description_fr
    product.attributes = dict(row.attributes)
    if category is not None:
        product.category_id = category.id
    if row.image_url and row.image_url not in product.images:
        product.images = [row.image_url, *product.images]
    return product


def _upsert_variant(
    repo: CatalogRepository, row: ImportRow, product: Product, state: _BatchState
) -> Variant:
    variant = state.variants.get(row.sku)
    if variant is None:
        variant = Variant(id=new_id("var"), product_id=product.id, sku=row.sku)
        repo.add(variant)
        state.variants[row.sku] = variant
    variant.gtin = row.gtin
    variant.options = dict(row.options)
    variant.set_prices(row.list_money(), row.member_money())
    if row.gtin:
        state.gtin_owners[row.gtin] = row.sku
    return variant


async def _load_state(
    repo: CatalogRepository, batch: Sequence[Numbered], gtin_owners: dict[str, str]
) -> _BatchState:
    rows = [r for _, r in batch]
    variants = await repo.variants_by_sku([r.sku for r in rows])
    gtins = [r.gtin for r in rows if r.gtin]
    for gtin, variant in (await repo.variants_by_gtin(gtins) if gtins else {}).items():
        gtin_owners.setdefault(gtin, variant.sku)
    sku_by_id = {v.id: sku for sku, v in variants.items()}
    levels = await repo.stock_levels(list(sku_by_id)) if sku_by_id else []
    return _BatchState(
        warehouses=await repo.warehouses_by_code(),
        products=await repo.products_by_handle({r.handle for r in rows}),
        variants=variants,
        gtin_owners=gtin_owners,
        reserved={(sku_by_id[lv.variant_id], lv.code): lv.reserved for lv in levels},
    )


async def _write_batch(
    uow: UnitOfWork, batch: Sequence[Numbered], gtin_owners: dict[str, str]
) -> tuple[int, list[RowError]]:
    errors: list[RowError] = []
    owners = dict(gtin_owners)  # claims of a rolled-back batch must not outlive it
    async with uow:
        repo = uow.repo(CatalogRepository)
        state = await _load_state(repo, batch, owners)
        accepted: list[ImportRow] = []
        for line, row in batch:
            reason = _conflict(row, state)
            if reason is not None:
                errors.append(RowError(line, row.sku, reason))
                continue
            if row.gtin:
                state.gtin_owners[row.gtin] = row.sku
            accepted.append(row)
        names = {
            r.category: (r.category_name_en, r.category_name_fr) for r in accepted if r.category
        }
        categories = await ensure_categories(repo, names) if names else {}
        touched: dict[str, Product] = {}
        stock: list[tuple[Variant, str, int]] = []
        for row in accepted:
            product = _upsert_product(repo, row, state, categories.get(row.category or ""))
            variant = _upsert_variant(repo, row, product, state)
            touched[product.id] = product
            stock += [(variant, state.warehouses[c].id, q) for c, q in row.stock.items()]
        await repo.flush_unique(SkuTaken("A SKU, GTIN or handle was taken by a concurrent change."))
        for variant, warehouse_id, on_hand in stock:
            await repo.ensure_stock_row(variant.id, warehouse_id)
            if await repo.set_on_hand(variant.id, warehouse_id, on_hand) is None:
                raise SkuTaken(f"Stock of {variant.sku} was reserved concurrently; retry.")
        await refresh_search_text(repo, list(touched.values()))
        for product in touched.values():
            uow.record(ProductSaved(product_id=product.id, handle=product.handle))
        await uow.commit()
    gtin_owners.update(owners)
    return len(accepted), errors


async def import_rows(
    *,
    uow: UnitOfWork,
    rows: Sequence[Any],
    batch_size: int = 500,
    on_progress: ProgressCallback | None = None,
    lines: Sequence[int] | None = None,
) -> ImportReport:
    """Validate and upsert catalog rows (one per variant); bad rows are reported, not fatal.

    ``lines`` gives each row's line for the report (CSV); by default the 1-based index (JSON).
    """
    numbers = list(lines) if lines is not None else list(range(1, len(rows) + 1))
    valid, errors = validate_rows(list(zip(numbers, rows, strict=True)))
    report = ImportReport(total=len(rows), errors=errors)
    done = len(errors)
    if on_progress:
        on_progress(done, report.total)
    gtin_owners: dict[str, str] = {}
    for start in range(0, len(valid), max(1, batch_size)):
        batch = valid[start : start + max(1, batch_size)]
        try:
            imported, rejected = await _write_batch(uow, batch, gtin_owners)
        except DomainError as exc:
            imported = 0
            rejected = [
                RowError(line, r.sku, f"batch rolled back: {exc.detail}") for line, r in batch
            ]
        report.imported += imported
        report.errors += rejected
        done += len(batch)
        if on_progress:
            on_progress(done, report.total)
    report.errors.sort(key=lambda e: e.line)
    return report
