"""Entities of the catalog domain: categories, products, variants, warehouses, stock."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from handshake.catalog.errors import InvalidPrice
from handshake.db.base import (
    Base,
    JSONDocument,
    created_at_column,
    id_column,
    updated_at_column,
)
from handshake.kernel.money import Money


class ProductStatus(StrEnum):
    """Whether a product is sold."""

    ACTIVE = "active"
    ARCHIVED = "archived"


class Category(Base):
    """A node of the category tree, addressed by its slug path (``smart-home/thermostats``)."""

    __tablename__ = "catalog_categories"
    __table_args__ = (UniqueConstraint("path"),)

    id: Mapped[str] = id_column()
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_categories.id", ondelete="RESTRICT"), index=True
    )
    name_en: Mapped[str] = mapped_column(String(120), nullable=False)
    name_fr: Mapped[str] = mapped_column(String(120), nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class Product(Base):
    """A sellable product; prices and stock live on its variants."""

    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("handle"),
        CheckConstraint("status IN ('active', 'archived')", name="status"),
        Index("ix_catalog_products_status_id", "status", "id"),
    )

    id: Mapped[str] = id_column()
    handle: Mapped[str] = mapped_column(String(120), nullable=False)
    brand: Mapped[str] = mapped_column(String(120), nullable=False)
    category_id: Mapped[str | None] = mapped_column(
        ForeignKey("catalog_categories.id", ondelete="RESTRICT"), index=True
    )
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    title_fr: Mapped[str] = mapped_column(String(200), nullable=False)
    description_en: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_fr: Mapped[str] = mapped_column(Text, nullable=False, default="")
    images: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ProductStatus.ACTIVE)
    # Lowercased, accent-free titles (EN+FR), brand, category names, SKUs, GTINs, option values.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def is_active(self) -> bool:
        """Whether the product is sold."""
        return self.status == ProductStatus.ACTIVE

    def title(self, lang: str) -> str:
        """Title in ``lang`` (``fr`` or anything else for English)."""
        return self.title_fr if lang == "fr" else self.title_en

    def description(self, lang: str) -> str:
        """Description in ``lang`` (``fr`` or anything else for English)."""
        return self.description_fr if lang == "fr" else self.description_en


class Variant(Base):
    """A purchasable variant (one SKU) of a product, with its prices."""

    __tablename__ = "catalog_variants"
    __table_args__ = (
        UniqueConstraint("sku"),
        UniqueConstraint("gtin"),
        CheckConstraint("list_price_minor >= 0", name="list_price_not_negative"),
        CheckConstraint(
            "member_price_minor IS NULL OR "
            "(member_price_minor >= 0 AND member_price_minor <= list_price_minor)",
            name="member_price_within_list",
        ),
    )

    id: Mapped[str] = id_column()
    product_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sku: Mapped[str] = mapped_column(String(64), nullable=False)
    gtin: Mapped[str | None] = mapped_column(String(14))
    options: Mapped[dict[str, Any]] = mapped_column(nullable=False, default=dict)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    list_price_minor: Mapped[int] = mapped_column(Integer, nullable=False)
    member_price_minor: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    def set_prices(self, list_price: Money, member_price: Money | None) -> None:
        """Set both prices; the member price shares the currency and never exceeds the list."""
        if list_price.minor < 0 or (member_price is not None and member_price.minor < 0):
            raise InvalidPrice("Prices cannot be negative.")
        if member_price is not None:
            if member_price.currency != list_price.currency:
                raise InvalidPrice("The member price must be in the list price's currency.")
            if member_price.minor > list_price.minor:
                raise InvalidPrice("The member price cannot exceed the list price.")
        self.currency = list_price.currency
        self.list_price_minor = list_price.minor
        self.member_price_minor = None if member_price is None else member_price.minor

    def price_for(self, *, is_member: bool) -> int:
        """The price in minor units this shopper pays."""
        if is_member and self.member_price_minor is not None:
            return self.member_price_minor
        return self.list_price_minor


class Warehouse(Base):
    """A place stock ships from, with its local cut-off time and shipping days."""

    __tablename__ = "catalog_warehouses"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    cutoff_local: Mapped[time] = mapped_column(Time, nullable=False)
    # ISO weekdays counted from Monday = 0, as ``date.weekday()`` does.
    ship_weekdays: Mapped[list[int]] = mapped_column(JSONDocument, nullable=False)
    created_at: Mapped[datetime] = created_at_column()


class WarehouseZone(Base):
    """Postal-code coverage of a warehouse: transit days and delivery window per prefix."""

    __tablename__ = "catalog_warehouse_zones"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "country", "postal_prefix"),
        CheckConstraint(
            "transit_days >= 0 AND member_transit_days >= 0", name="transit_not_negative"
        ),
        CheckConstraint(
            "window_start_hour >= 0 AND window_start_hour < window_end_hour "
            "AND window_end_hour <= 24",
            name="window_hours",
        ),
    )

    id: Mapped[str] = id_column()
    warehouse_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_warehouses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    country: Mapped[str] = mapped_column(String(2), nullable=False)
    postal_prefix: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    transit_days: Mapped[int] = mapped_column(Integer, nullable=False)
    member_transit_days: Mapped[int] = mapped_column(Integer, nullable=False)
    window_start_hour: Mapped[int] = mapped_column(Integer, nullable=False)
    window_end_hour: Mapped[int] = mapped_column(Integer, nullable=False)


class Stock(Base):
    """Units of one variant in one warehouse; available = on_hand - reserved."""

    __tablename__ = "catalog_stock"
    __table_args__ = (
        CheckConstraint(
            "on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand", name="quantities"
        ),
    )

    variant_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_variants.id", ondelete="CASCADE"), primary_key=True
    )
    warehouse_id: Mapped[str] = mapped_column(
        ForeignKey("catalog_warehouses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    on_hand: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = updated_at_column()

    @property
    def available(self) -> int:
        """Units that can still be sold."""
        return self.on_hand - self.reserved
