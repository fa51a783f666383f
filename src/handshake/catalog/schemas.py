"""Request and response models of the catalog APIs."""

from __future__ import annotations

from datetime import date as Day
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from handshake.catalog.delivery_promise import DeliveryWindow
from handshake.catalog.gtin import normalise_gtin
from handshake.catalog.import_format import CATEGORY_PATTERN, HANDLE_PATTERN, SKU_PATTERN
from handshake.kernel.money import Money, MoneyError

Amount = Annotated[str, Field(pattern=r"^\d{1,9}(\.\d{1,3})?$", examples=["129.99"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])]
Lang = Literal["en", "fr"]


def to_money(amount: str, currency: str) -> Money:
    """Parse a major-unit amount; raises ValueError (shown as a validation error) when unusable."""
    try:
        return Money.parse(amount, currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


class PriceOut(BaseModel):
    """An exact price: integer minor units, currency and the decimal amount as text."""

    minor: int
    currency: str
    amount: str

    @classmethod
    def of(cls, money: Money) -> PriceOut:
        """The response form of ``money``."""
        return cls(minor=money.minor, currency=money.currency, amount=str(money.as_decimal()))

    @classmethod
    def maybe(cls, money: Money | None) -> PriceOut | None:
        """The response form of ``money`` when there is one."""
        return None if money is None else cls.of(money)


class AvailabilityOut(BaseModel):
    """Stock status; ``count`` only when stock is low."""

    status: Literal["in_stock", "low_stock", "out_of_stock"]
    count: int | None = None


class VariantOut(BaseModel):
    """A variant with its prices and availability."""

    id: str
    sku: str
    gtin: str | None
    options: dict[str, Any]
    list_price: PriceOut
    member_price: PriceOut | None
    availability: AvailabilityOut


class CategoryRef(BaseModel):
    """The category a product is filed under."""

    path: str
    name: str


class ProductOut(BaseModel):
    """A product page."""

    id: str
    handle: str
    brand: str
    title: str
    description: str
    lang: str
    status: Literal["active", "archived"]
    category: CategoryRef | None
    images: list[str]
    attributes: dict[str, Any]
    availability: AvailabilityOut
    variants: list[VariantOut]


class VariantProductOut(BaseModel):
    """The product a variant belongs to."""

    id: str
    handle: str
    title: str
    brand: str
    image: str | None


class VariantDetailOut(VariantOut):
    """A variant with its product."""

    product: VariantProductOut


class ProductSummaryOut(BaseModel):
    """A product in a result list."""

    id: str
    handle: str
    brand: str
    title: str
    category_path: str | None
    image: str | None
    price_from: PriceOut
    member_price_from: PriceOut | None
    availability: AvailabilityOut


class ProductPageOut(BaseModel):
    """A page of products; pass ``next_cursor`` as ``cursor`` for the next one."""

    items: list[ProductSummaryOut]
    next_cursor: str | None


class CategoryOut(BaseModel):
    """A category of the tree."""

    id: str
    path: str
    parent_path: str | None
    name_en: str
    name_fr: str


class DeliveryPromiseOut(BaseModel):
    """The earliest delivery window."""

    date: Day
    start_hour: int
    end_hour: int
    warehouse_code: str
    ships_on: Day
    label_en: str
    label_fr: str

    @classmethod
    def of(cls, window: DeliveryWindow) -> DeliveryPromiseOut:
        """The response form of ``window``."""
        return cls(**vars(window))


# --- operator requests -----------------------------------------------------------------------


class VariantIn(BaseModel):
    """A variant to create or (same SKU) update."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=SKU_PATTERN)
    gtin: str | None = Field(default=None, max_length=20)
    options: dict[str, Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=dict, max_length=10
    )
    currency: Currency
    list_price: Amount
    member_price: Amount | None = None

    @model_validator(mode="after")
    def _check(self) -> VariantIn:
        if self.gtin is not None:
            self.gtin = normalise_gtin(self.gtin)
        list_price = to_money(self.list_price, self.currency)
        member = self.member_price
        if member is not None and to_money(member, self.currency).minor > list_price.minor:
            raise ValueError("member_price must not exceed list_price")
        return self


class ProductFields(BaseModel):
    """Fields shared by product creation and update."""

    model_config = ConfigDict(extra="forbid")

    brand: str | None = Field(default=None, min_length=1, max_length=120)
    title_en: str | None = Field(default=None, min_length=1, max_length=200)
    title_fr: str | None = Field(default=None, min_length=1, max_length=200)
    description_en: str | None = Field(default=None, max_length=5000)
    description_fr: str | None = Field(default=None, max_length=5000)
    category: str | None = Field(default=None, max_length=255, pattern=CATEGORY_PATTERN)
    category_name_en: str | None = Field(default=None, max_length=120)
    category_name_fr: str | None = Field(default=None, max_length=120)
    images: list[Annotated[str, Field(max_length=2000)]] | None = Field(default=None, max_length=20)
    attributes: dict[str, Any] | None = None


class ProductCreateIn(ProductFields):
    """A new product with its variants."""

    handle: str = Field(max_length=120, pattern=HANDLE_PATTERN)
    brand: str = Field(min_length=1, max_length=120)
    title_en: str = Field(min_length=1, max_length=200)
    variants: list[VariantIn] = Field(min_length=1, max_length=100)


class ProductUpdateIn(ProductFields):
    """Changes to a product; absent fields are kept, variants are upserted by SKU."""

    variants: list[VariantIn] = Field(default_factory=list, max_length=100)


class PricesIn(BaseModel):
    """New prices of a variant."""

    model_config = ConfigDict(extra="forbid")

    currency: Currency
    list_price: Amount
    member_price: Amount | None = None

    @model_validator(mode="after")
    def _parseable(self) -> PricesIn:
        to_money(self.list_price, self.currency)
        if self.member_price is not None:
            to_money(self.member_price, self.currency)
        return self


class StockSetIn(BaseModel):
    """An absolute on-hand count (after a stock take)."""

    model_config = ConfigDict(extra="forbid")

    on_hand: int = Field(ge=0, le=10_000_000)


class StockAdjustIn(BaseModel):
    """A relative change: positive receives units, negative removes them."""

    model_config = ConfigDict(extra="forbid")

    delta: int = Field(ge=-10_000_000, le=10_000_000)


class StockOut(BaseModel):
    """Stock of a variant in a warehouse."""

    variant_id: str
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int


class ZoneIn(BaseModel):
    """Postal coverage of a warehouse."""

    model_config = ConfigDict(extra="forbid")

    country: str = Field(pattern=r"^[A-Za-z]{2}$")
    postal_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9]{0,10}$")
    transit_days: int = Field(ge=0, le=60)
    member_transit_days: int | None = Field(default=None, ge=0, le=60)
    window_start_hour: int = Field(default=8, ge=0, le=23)
    window_end_hour: int = Field(default=20, ge=1, le=24)


class WarehouseIn(BaseModel):
    """A new warehouse."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/Paris"])
    cutoff_local: str = Field(default="16:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    ship_weekdays: list[int] = Field(default=[0, 1, 2, 3, 4], min_length=1, max_length=7)
    zones: list[ZoneIn] = Field(default_factory=list, max_length=500)


class ZoneOut(BaseModel):
    """A zone of a warehouse."""

    country: str
    postal_prefix: str
    transit_days: int
    member_transit_days: int
    window_start_hour: int
    window_end_hour: int


class WarehouseOut(BaseModel):
    """A warehouse with its zones."""

    id: str
    code: str
    name: str
    timezone: str
    cutoff_local: str
    ship_weekdays: list[int]
    zones: list[ZoneOut]


class RowErrorOut(BaseModel):
    """A rejected import row."""

    line: int
    sku: str | None
    reason: str


class ImportReportOut(BaseModel):
    """What an import did."""

    total: int
    imported: int
    failed: int
    errors: list[RowErrorOut]
