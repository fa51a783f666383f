"""Every query of the offers domain.

Offers read the catalog and the shopper's account on every ad impression, so each read is one
prebuilt Core statement (one round trip, no ORM entity loading) over the lower domains' tables,
read-only: a batch of variants with their stock per warehouse and its delivery zones, and a
shopper's membership, default address and cards. Their services answer the same questions in
several round trips per variant; writes to those tables stay theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, Select, and_, bindparam, func, or_, select, update

from handshake.accounts.models import Address, Membership, PaymentMethod, Shopper
from handshake.catalog.models import Product, Stock, Variant, Warehouse, WarehouseZone
from handshake.db.uow import Repository
from handshake.offers.models import OfferSigningKey

AnyRow = Row[Any]


def _variant_statement() -> Select[Any]:
    variant, product = Variant.__table__, Product.__table__
    stock, warehouse, zone = Stock.__table__, Warehouse.__table__, WarehouseZone.__table__
    columns = (
        variant.c.id, variant.c.sku, variant.c.gtin, variant.c.currency,
        variant.c.list_price_minor, variant.c.member_price_minor, variant.c.product_id,
        product.c.title_en, product.c.title_fr, product.c.images, product.c.status,
        warehouse.c.id.label("warehouse_id"), warehouse.c.code.label("warehouse_code"),
        warehouse.c.timezone, warehouse.c.cutoff_local, warehouse.c.ship_weekdays,
        (stock.c.on_hand - stock.c.reserved).label("available"),
        zone.c.country, zone.c.postal_prefix, zone.c.transit_days, zone.c.member_transit_days,
        zone.c.window_start_hour, zone.c.window_end_hour,
    )  # fmt: skip
    return (
        select(*columns)
        .select_from(variant)
        .join(product, product.c.id == variant.c.product_id)
        .outerjoin(stock, stock.c.variant_id == variant.c.id)
        .outerjoin(warehouse, warehouse.c.id == stock.c.warehouse_id)
        .outerjoin(zone, zone.c.warehouse_id == warehouse.c.id)
        .where(
            or_(
                variant.c.sku.in_(bindparam("skus", expanding=True)),
                variant.c.gtin.in_(bindparam("gtins", expanding=True)),
            )
        )
        .order_by(variant.c.id, warehouse.c.code, zone.c.country, zone.c.postal_prefix)
    )


def _shopper_statement() -> Select[Any]:
    shopper, membership = Shopper.__table__, Membership.__table__
    address, card = Address.__table__, PaymentMethod.__table__
    year, month = bindparam("year", type_=Integer), bindparam("month", type_=Integer)
    usable_cards = (
        select(func.count())
        .where(
            card.c.shopper_id == shopper.c.id,
            or_(card.c.exp_year > year, and_(card.c.exp_year == year, card.c.exp_month >= month)),
        )
        .correlate(shopper)
        .scalar_subquery()
    )
    return (
        select(
            shopper.c.id,
            shopper.c.erased_at,
            membership.c.starts_at,
            membership.c.ends_at,
            address.c.postal_code,
            address.c.country,
            usable_cards.label("usable_cards"),
        )
        .select_from(shopper)
        .outerjoin(membership, membership.c.shopper_id == shopper.c.id)
        .outerjoin(address, and_(address.c.shopper_id == shopper.c.id, address.c.is_default))
        .where(shopper.c.id == bindparam("shopper_id"))
    )


# Built once: every execution hits SQLAlchemy's compiled cache.
VARIANTS = _variant_statement()
SHOPPER = _shopper_statement()


class OffersRepository(Repository):
    """Offer inputs (read-only over catalog and accounts) and the signing keys."""

    async def variant_rows(self, skus: Sequence[str], gtins: Sequence[str]) -> list[AnyRow]:
        """Variants by SKU or GTIN, one row per (warehouse stock × zone), in one round trip."""
        connection = await self.session.connection()
        result = await connection.execute(VARIANTS, {"skus": list(skus), "gtins": list(gtins)})
        return list(result.all())

    async def shopper_row(self, shopper_id: str, *, now: datetime) -> AnyRow | None:
        """Membership, default address and count of unexpired cards of the shopper."""
        connection = await self.session.connection()
        params = {"shopper_id": shopper_id, "year": now.year, "month": now.month}
        row: AnyRow | None = (await connection.execute(SHOPPER, params)).first()
        return row

    async def signing_keys(self) -> list[OfferSigningKey]:
        """Every stored key, oldest first."""
        query = select(OfferSigningKey).order_by(OfferSigningKey.kid)
        return list(await self.session.scalars(query))

    async def retire_signing_keys(
        self, *, except_kid: str, at: datetime, verify_until: datetime
    ) -> list[str]:
        """Stop every other unretired key signing at ``at``; they verify until ``verify_until``."""
        statement = (
            update(OfferSigningKey)
            .where(OfferSigningKey.kid != except_kid, OfferSigningKey.retired_at.is_(None))
            .values(retired_at=at, expires_at=verify_until)
            .returning(OfferSigningKey.kid)
            .execution_options(synchronize_session=False)
        )
        return [str(kid) for kid in (await self.session.scalars(statement)).all()]
