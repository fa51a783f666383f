"""Every query of the catalog domain.

Writes go through the ORM; shopper-facing reads are plain column selects (no entity loading); a
product page is one prebuilt Core statement, so one round trip.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    true,
    update,
)

from handshake.catalog.models import (
    Category,
    Product,
    ProductStatus,
    Stock,
    Variant,
    Warehouse,
    WarehouseZone,
)
from handshake.db.uow import Repository
from handshake.kernel import clock

# A result row of any shape (rows are read by column name).
AnyRow = Row[*tuple[Any, ...]]
AVAILABLE = func.coalesce(func.sum(Stock.on_hand - Stock.reserved), 0)
PRODUCT_COLUMNS = (
    Product.id, Product.handle, Product.brand, Product.title_en, Product.title_fr,
    Product.description_en, Product.description_fr, Product.images, Product.attributes,
    Product.status, Category.path.label("category_path"),
    Category.name_en.label("category_name_en"), Category.name_fr.label("category_name_fr"),
)  # fmt: skip
# What feeds and search indexes read of a product beside its variants.
PRODUCT_TEXT_COLUMNS = (
    Product.handle, Product.brand, Product.title_en, Product.title_fr, Product.description_en,
    Product.description_fr, Category.path.label("category_path"),
)  # fmt: skip
VARIANT_COLUMNS = (
    Variant.id, Variant.product_id, Variant.sku, Variant.gtin, Variant.options,
    Variant.currency, Variant.list_price_minor, Variant.member_price_minor,
)  # fmt: skip


def _product_page_statement() -> Select[Any]:
    # Core tables, not ORM attributes: the ORM compile layer and identity map cost more than the
    # query itself on this hot path. Built once, with a bind parameter, so every execution hits
    # SQLAlchemy's compiled cache without rebuilding anything.
    product, category = Product.__table__, Category.__table__
    variant, stock = Variant.__table__, Stock.__table__
    available = (
        select(func.coalesce(func.sum(stock.c.on_hand - stock.c.reserved), 0))
        .where(stock.c.variant_id == variant.c.id)
        .correlate(variant)
        .scalar_subquery()
    )
    columns = (
        product.c.id, product.c.handle, product.c.brand, product.c.title_en, product.c.title_fr,
        product.c.description_en, product.c.description_fr, product.c.images,
        product.c.attributes, product.c.status, category.c.path.label("category_path"),
        category.c.name_en.label("category_name_en"), category.c.name_fr.label("category_name_fr"),
        variant.c.id.label("variant_id"), variant.c.sku, variant.c.gtin, variant.c.options,
        variant.c.currency, variant.c.list_price_minor, variant.c.member_price_minor,
        available.label("available"),
    )  # fmt: skip
    return (
        select(*columns)
        .select_from(product)
        .outerjoin(category, category.c.id == product.c.category_id)
        .outerjoin(variant, variant.c.product_id == product.c.id)
        .where(product.c.id == bindparam("product_id"))
        .order_by(variant.c.id)
    )


PRODUCT_PAGE = _product_page_statement()


def _available() -> Any:
    # Correlated per variant so it uses the stock primary key (variant_id first), whatever the
    # size of the stock table.
    return (
        select(AVAILABLE)
        .where(Stock.variant_id == Variant.id)
        .correlate(Variant)
        .scalar_subquery()
        .label("available")
    )


class CatalogRepository(Repository):
    """Products, variants, categories, warehouses and stock."""

    # --- entities (writes) -------------------------------------------------------------------

    async def get_product(self, product_id: str) -> Product | None:
        """The product, or None."""
        return await self.session.get(Product, product_id)

    async def products_by_handle(self, handles: Collection[str]) -> dict[str, Product]:
        """Products with these handles, by handle."""
        rows = await self.session.scalars(select(Product).where(Product.handle.in_(handles)))
        return {p.handle: p for p in rows}

    async def get_variant(self, variant_id: str) -> Variant | None:
        """The variant, or None."""
        return await self.session.get(Variant, variant_id)

    async def variants_by_sku(self, skus: Collection[str]) -> dict[str, Variant]:
        """Variants with these SKUs, by SKU."""
        rows = await self.session.scalars(select(Variant).where(Variant.sku.in_(skus)))
        return {v.sku: v for v in rows}

    async def variants_by_gtin(self, gtins: Collection[str]) -> dict[str, Variant]:
        """Variants with these GTINs, by GTIN."""
        rows = await self.session.scalars(select(Variant).where(Variant.gtin.in_(gtins)))
        return {v.gtin: v for v in rows if v.gtin}

    async def variants_of(self, product_ids: Collection[str]) -> list[Variant]:
        """Variants of these products, oldest first."""
        query = select(Variant).where(Variant.product_id.in_(product_ids)).order_by(Variant.id)
        return list(await self.session.scalars(query))

    async def categories_by_path(self, paths: Collection[str]) -> dict[str, Category]:
        """Categories with these paths, by path."""
        rows = await self.session.scalars(select(Category).where(Category.path.in_(paths)))
        return {c.path: c for c in rows}

    async def categories_by_id(self, ids: Collection[str]) -> dict[str, Category]:
        """Categories with these ids, by id."""
        rows = await self.session.scalars(select(Category).where(Category.id.in_(ids)))
        return {c.id: c for c in rows}

    async def warehouses_by_code(
        self, codes: Collection[str] | None = None
    ) -> dict[str, Warehouse]:
        """Warehouses (all, or with these codes), by code."""
        query = select(Warehouse).order_by(Warehouse.code)
        if codes is not None:
            query = query.where(Warehouse.code.in_(codes))
        return {w.code: w for w in await self.session.scalars(query)}

    async def zones_of(self, warehouse_ids: Collection[str]) -> list[WarehouseZone]:
        """Zones of these warehouses, by country then prefix."""
        query = (
            select(WarehouseZone)
            .where(WarehouseZone.warehouse_id.in_(warehouse_ids))
            .order_by(
                WarehouseZone.warehouse_id, WarehouseZone.country, WarehouseZone.postal_prefix
            )
        )
        return list(await self.session.scalars(query))

    # --- stock (conditional single statements) -------------------------------------------------

    async def ensure_stock_row(self, variant_id: str, warehouse_id: str) -> None:
        """Create an empty stock row unless one exists (safe against concurrent callers)."""
        statement = self.conflict_insert(Stock).values(
            variant_id=variant_id, warehouse_id=warehouse_id, on_hand=0, reserved=0,
            updated_at=clock.now(),
        )  # fmt: skip
        await self.session.execute(statement.on_conflict_do_nothing())

    async def set_on_hand(self, variant_id: str, warehouse_id: str, on_hand: int) -> AnyRow | None:
        """Set on-hand stock unless it would fall below reserved; (on_hand, reserved) or None."""
        return await self._update_stock(
            variant_id, warehouse_id, on_hand, Stock.reserved <= on_hand
        )

    async def adjust_on_hand(self, variant_id: str, warehouse_id: str, delta: int) -> AnyRow | None:
        """Add ``delta`` unless available stock would go negative; (on_hand, reserved) or None."""
        return await self._update_stock(
            variant_id, warehouse_id, Stock.on_hand + delta, Stock.on_hand + delta >= Stock.reserved
        )

    async def reserve_units(self, variant_id: str, warehouse_id: str, units: int) -> AnyRow | None:
        """Reserve ``units`` if that many are available; (on_hand, reserved) or None."""
        return await self._update_stock(
            variant_id, warehouse_id, None, Stock.on_hand - Stock.reserved >= units,
            reserved=Stock.reserved + units,
        )  # fmt: skip

    async def release_units(self, variant_id: str, warehouse_id: str, units: int) -> AnyRow | None:
        """Give ``units`` reserved units back; (on_hand, reserved) or None if fewer are reserved."""
        return await self._update_stock(
            variant_id, warehouse_id, None, Stock.reserved >= units,
            reserved=Stock.reserved - units,
        )  # fmt: skip

    async def ship_units(self, variant_id: str, warehouse_id: str, units: int) -> AnyRow | None:
        """Reserved units leave the warehouse; (on_hand, reserved) or None if fewer are reserved."""
        return await self._update_stock(
            variant_id, warehouse_id, Stock.on_hand - units, Stock.reserved >= units,
            reserved=Stock.reserved - units,
        )  # fmt: skip

    async def stock_places(self, variant_id: str) -> list[AnyRow]:
        """(warehouse_id, code) of every warehouse stocking the variant, by code."""
        query = (
            select(Warehouse.id, Warehouse.code)
            .join(Stock, Stock.warehouse_id == Warehouse.id)
            .where(Stock.variant_id == variant_id)
            .order_by(Warehouse.code)
        )
        return list((await self.session.execute(query)).all())

    async def _update_stock(
        self,
        variant_id: str,
        warehouse_id: str,
        on_hand: Any,
        condition: ColumnElement[bool],
        **values: Any,
    ) -> AnyRow | None:
        if on_hand is not None:
            values["on_hand"] = on_hand
        statement = (
            update(Stock)
            .where(Stock.variant_id == variant_id, Stock.warehouse_id == warehouse_id, condition)
            .values(**values, updated_at=clock.now())
            .returning(Stock.on_hand, Stock.reserved)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(statement)).first()

    async def stock_levels(self, variant_ids: Collection[str]) -> list[AnyRow]:
        """(variant_id, warehouse_code, on_hand, reserved) of these variants."""
        query = (
            select(Stock.variant_id, Warehouse.code, Stock.on_hand, Stock.reserved)
            .join(Warehouse, Warehouse.id == Stock.warehouse_id)
            .where(Stock.variant_id.in_(variant_ids))
            .order_by(Stock.variant_id, Warehouse.code)
        )
        return list((await self.session.execute(query)).all())

    # --- shopper reads (column selects) --------------------------------------------------------

    async def product_page_rows(self, product_id: str) -> list[AnyRow]:
        """Product, category and each variant with its stock, in one round trip ([]: no product)."""
        connection = await self.session.connection()
        result = await connection.execute(PRODUCT_PAGE, {"product_id": product_id})
        return list(result.all())

    async def variant_rows(self, product_ids: Collection[str]) -> list[AnyRow]:
        """Variants of these products with their available stock, oldest first."""
        query = (
            select(*VARIANT_COLUMNS, _available())
            .where(Variant.product_id.in_(product_ids))
            .order_by(Variant.product_id, Variant.id)
        )
        return list((await self.session.execute(query)).all())

    async def variant_row(self, *, variant_id: str | None, sku: str | None) -> AnyRow | None:
        """One variant with its product's columns and available stock, by id or SKU."""
        query = select(
            *VARIANT_COLUMNS,
            _available(),
            Product.handle,
            Product.brand,
            Product.title_en,
            Product.title_fr,
            Product.images,
            Product.status,
        ).join(Product, Product.id == Variant.product_id)
        query = query.where(Variant.id == variant_id if variant_id else Variant.sku == sku)
        return (await self.session.execute(query)).first()

    async def search_products(self, criteria: SearchCriteria) -> list[AnyRow]:
        """Products (active unless asked) matching ``criteria`` after the cursor; limit + 1."""
        query = criteria.apply(
            select(*PRODUCT_COLUMNS).outerjoin(Category, Category.id == Product.category_id)
        )
        return list((await self.session.execute(query)).all())

    async def brand_rows(self) -> list[AnyRow]:
        """Each brand of active products with how many it has, by brand (case kept as stored)."""
        query = (
            select(Product.brand, func.count(Product.id).label("products"))
            .where(Product.status == ProductStatus.ACTIVE)
            .group_by(Product.brand)
            .order_by(func.lower(Product.brand), Product.brand)
        )
        return list((await self.session.execute(query)).all())

    async def category_rows(self) -> list[AnyRow]:
        """Every category with its parent path, by path."""
        parent = Category.__table__.alias("parent")
        query = (
            select(
                Category.id,
                Category.path,
                Category.name_en,
                Category.name_fr,
                parent.c.path.label("parent_path"),
            )
            .outerjoin(parent, parent.c.id == Category.parent_id)
            .order_by(Category.path)
        )
        return list((await self.session.execute(query)).all())

    async def feed_rows(self) -> list[AnyRow]:
        """Every variant of an active product with what feeds need, by product then variant."""
        query = (
            select(*VARIANT_COLUMNS, _available(), *PRODUCT_TEXT_COLUMNS, Product.images)
            .join(Product, Product.id == Variant.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(Product.status == ProductStatus.ACTIVE)
            .order_by(Product.id, Variant.id)
        )
        return list((await self.session.execute(query)).all())

    async def searchable_rows(self, product_ids: Collection[str]) -> list[AnyRow]:
        """Products (any status) with their variants, stock and category, for search indexes."""
        query = (
            select(
                *VARIANT_COLUMNS,
                _available(),
                *PRODUCT_TEXT_COLUMNS,
                Product.attributes,
                Product.status,
                Product.updated_at,
            )
            .join(Product, Product.id == Variant.product_id)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(Product.id.in_(product_ids))
            .order_by(Product.id, Variant.id)
        )
        return list((await self.session.execute(query)).all())

    async def product_facts(self) -> list[AnyRow]:
        """(product_id, lowest list price, lowest member price, units available) of every
        active product, for search indexes to compare against what they hold."""
        available = (
            select(Stock.variant_id, AVAILABLE.label("available"))
            .group_by(Stock.variant_id)
            .subquery()
        )
        query = (
            select(
                Variant.product_id,
                func.min(Variant.list_price_minor).label("min_price_minor"),
                func.min(Variant.member_price_minor).label("min_member_price_minor"),
                func.coalesce(
                    func.sum(case((available.c.available > 0, available.c.available), else_=0)), 0
                ).label("available"),
            )
            .join(Product, Product.id == Variant.product_id)
            .outerjoin(available, available.c.variant_id == Variant.id)
            .where(Product.status == ProductStatus.ACTIVE)
            .group_by(Variant.product_id)
        )
        return list((await self.session.execute(query)).all())

    async def product_versions(self) -> list[AnyRow]:
        """(id, status, updated_at) of every product: what search indexes compare against."""
        query = select(Product.id, Product.status, Product.updated_at).order_by(Product.id)
        return list((await self.session.execute(query)).all())

    async def promise_rows(self, variant_id: str) -> list[AnyRow]:
        """Warehouses holding the variant: id, code, timezone, cut-off, weekdays, available."""
        query = (
            select(
                Warehouse.id,
                Warehouse.code,
                Warehouse.timezone,
                Warehouse.cutoff_local,
                Warehouse.ship_weekdays,
                (Stock.on_hand - Stock.reserved).label("available"),
            )
            .join(Stock, Stock.warehouse_id == Warehouse.id)
            .where(Stock.variant_id == variant_id)
            .order_by(Warehouse.code)
        )
        return list((await self.session.execute(query)).all())


class SearchCriteria:
    """Filters of a product search, turned into WHERE clauses (word-prefix match per word)."""

    def __init__(
        self,
        *,
        words: Sequence[str] = (),
        category_path: str | None = None,
        brand: str | None = None,
        currency: str | None = None,
        min_price_minor: int | None = None,
        max_price_minor: int | None = None,
        in_stock: bool | None = None,
        after_id: str | None = None,
        limit: int = 20,
        status: str | None = ProductStatus.ACTIVE,
    ) -> None:
        self.words, self.category_path, self.brand = words, category_path, brand
        self.currency, self.min_price_minor, self.max_price_minor = (
            currency, min_price_minor, max_price_minor,
        )  # fmt: skip
        self.in_stock, self.after_id, self.limit = in_stock, after_id, limit
        self.status = status  # None: any status (operators see archived products too)

    def apply(self, query: Select[Any]) -> Select[Any]:
        """``query`` with every filter, the keyset position and the limit (+1 to peek ahead)."""
        clauses: list[ColumnElement[bool]] = []
        if self.status is not None:
            clauses.append(Product.status == self.status)
        # Words are normalised to [a-z0-9 ]: no LIKE wildcard can reach the pattern.
        clauses += [Product.search_text.like(f"% {word}%") for word in self.words]
        if self.category_path:
            clauses.append(
                or_(
                    Category.path == self.category_path,
                    Category.path.like(self.category_path + "/%"),
                )
            )
        if self.brand:
            clauses.append(func.lower(Product.brand) == self.brand.lower())
        if self.min_price_minor is not None or self.max_price_minor is not None:
            clauses.append(exists(self._priced_variant()))
        if self.in_stock is not None:
            in_stock = exists(
                select(Stock.variant_id)
                .join(Variant, Variant.id == Stock.variant_id)
                .where(Variant.product_id == Product.id, Stock.on_hand > Stock.reserved)
            )
            clauses.append(in_stock if self.in_stock else ~in_stock)
        if self.after_id:
            clauses.append(Product.id > self.after_id)
        return query.where(and_(true(), *clauses)).order_by(Product.id).limit(self.limit + 1)

    def _priced_variant(self) -> Select[Any]:
        query = select(Variant.id).where(Variant.product_id == Product.id)
        if self.currency:
            query = query.where(Variant.currency == self.currency)
        if self.min_price_minor is not None:
            query = query.where(Variant.list_price_minor >= self.min_price_minor)
        if self.max_price_minor is not None:
            query = query.where(Variant.list_price_minor <= self.max_price_minor)
        return query
