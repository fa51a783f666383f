"""Queries of order attribution: orders to credit, the touches that may be credited, the
buyer's history (new customer, cannibalisation), and the rows attribution writes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, or_, select, text, update

from handshake.accounts.models import Shopper
from handshake.attribution.models import (
    AdEvent,
    AdEventKind,
    AnalyticsCursor,
    EngagedShopperDay,
    OrderInsight,
    OrderTouch,
)
from handshake.catalog.models import Product, Variant
from handshake.checkout.models import CheckoutSession, Order, OrderLine, OrderStatus
from handshake.db.uow import Repository
from handshake.partners.models import Partner


@dataclass(frozen=True)
class OrderToAttribute:
    """An order as attribution reads it."""

    id: str
    shopper_id: str
    partner_id: str | None
    click_id: str | None
    placed_at: datetime
    is_member: bool
    partner_kind: str | None = None
    campaign_id: str | None = None  # of its first line bought from a campaign's offer
    creative_id: str | None = None


@dataclass(frozen=True)
class ProductKeys:
    """The products and categories of an order's lines."""

    product_ids: frozenset[str]
    category_ids: frozenset[str]


class OrderAttributionRepository(Repository):
    """Reads and writes of the attribution of orders to ad touches."""

    async def lock_shoppers(self, shopper_ids: Collection[str]) -> None:
        """Serialise attribution per shopper until the transaction ends (PostgreSQL; SQLite's
        single writer already does). Sorted, so two lockers never wait on each other."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for shopper_id in sorted(set(shopper_ids)):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"attribution:{shopper_id}"},
            )

    async def cursor(self, name: str) -> datetime | None:
        """Where the named catch-up stands (None: it never ran)."""
        return await self.session.scalar(
            select(AnalyticsCursor.position).where(AnalyticsCursor.name == name)
        )

    async def move_cursor(self, name: str, position: datetime) -> None:
        """Set the named catch-up's position."""
        statement = self.conflict_insert(AnalyticsCursor).values(name=name, position=position)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"], set_={"position": statement.excluded.position}
            )
        )

    def _orders(self) -> Any:
        first_line = (
            select(OrderLine.campaign_id, OrderLine.creative_id)
            .where(OrderLine.order_id == Order.id, OrderLine.campaign_id.is_not(None))
            .correlate(Order)
            .order_by(OrderLine.position)
            .limit(1)
        )
        return (
            select(
                Order.id, Order.shopper_id, Order.partner_id, Order.click_id, Order.placed_at,
                func.coalesce(CheckoutSession.is_member, False), Partner.kind,
                first_line.with_only_columns(OrderLine.campaign_id).scalar_subquery(),
                first_line.with_only_columns(OrderLine.creative_id).scalar_subquery(),
            )
            .outerjoin(CheckoutSession, CheckoutSession.id == Order.session_id)
            .outerjoin(Partner, Partner.id == Order.partner_id)
        )  # fmt: skip

    async def unattributed_orders(self, *, since: datetime, limit: int) -> list[OrderToAttribute]:
        """Orders placed since ``since`` with no attribution yet, oldest first."""
        query = (
            self._orders()
            .where(
                Order.placed_at >= since,
                ~exists().where(OrderInsight.order_id == Order.id),
            )
            .order_by(Order.placed_at, Order.id)
            .limit(limit)
        )
        return [OrderToAttribute(*row) for row in (await self.session.execute(query)).all()]

    async def attributed_orders_of_shopper(
        self, shopper_id: str, *, since: datetime, until: datetime
    ) -> list[OrderToAttribute]:
        """The shopper's already attributed orders placed in [since, until]."""
        query = (
            self._orders()
            .join(OrderInsight, OrderInsight.order_id == Order.id)
            .where(Order.shopper_id == shopper_id, Order.placed_at.between(since, until))
            .order_by(Order.placed_at, Order.id)
        )
        return [OrderToAttribute(*row) for row in (await self.session.execute(query)).all()]

    async def orders_carrying(
        self, click_ids: Collection[str], *, since: datetime, until: datetime
    ) -> list[OrderToAttribute]:
        """Orders placed in [since, until] with one of these click ids (attributed or not)."""
        if not click_ids:
            return []
        query = (
            self._orders()
            .where(Order.placed_at.between(since, until), Order.click_id.in_(list(click_ids)))
            .order_by(Order.placed_at, Order.id)
        )
        return [OrderToAttribute(*row) for row in (await self.session.execute(query)).all()]

    async def click(self, click_id: str) -> AdEvent | None:
        """The stored click that was given ``click_id``."""
        return await self.session.scalar(
            select(AdEvent).where(AdEvent.click_id == click_id, AdEvent.kind == AdEventKind.CLICK)
        )

    async def last_event(
        self, shopper_id: str, *, kinds: Collection[str], since: datetime, until: datetime
    ) -> AdEvent | None:
        """The shopper's latest event of ``kinds`` that occurred in [since, until]."""
        return await self.session.scalar(
            select(AdEvent)
            .where(
                AdEvent.shopper_id == shopper_id,
                AdEvent.occurred_at.between(since, until),
                AdEvent.kind.in_(kinds),
            )
            .order_by(AdEvent.occurred_at.desc(), AdEvent.id.desc())
            .limit(1)
        )

    async def ordered_before(
        self, shopper_id: str, *, order_id: str, since: datetime, until: datetime
    ) -> bool:
        """Whether the shopper placed another (not cancelled) order in [since, until)."""
        query = select(
            exists().where(
                Order.shopper_id == shopper_id,
                Order.id != order_id,
                Order.placed_at >= since,
                Order.placed_at < until,
                Order.status != OrderStatus.CANCELED,
            )
        )
        return bool(await self.session.scalar(query))

    async def product_keys(self, order_id: str) -> ProductKeys:
        """The products and categories the order bought (lines whose variant still exists)."""
        rows = await self.session.execute(
            select(Product.id, Product.category_id)
            .select_from(OrderLine)
            .join(Variant, Variant.id == OrderLine.variant_id)
            .join(Product, Product.id == Variant.product_id)
            .where(OrderLine.order_id == order_id)
        )
        pairs = rows.all()
        return ProductKeys(
            frozenset(p for p, _ in pairs), frozenset(c for _, c in pairs if c is not None)
        )

    async def bought_on_store(
        self, shopper_id: str, keys: ProductKeys, *, since: datetime, until: datetime
    ) -> bool:
        """Whether a store-site order of the shopper in [since, until) bought one of the
        products, or a product of one of the categories."""
        if not keys.product_ids and not keys.category_ids:
            return False
        matches = or_(Product.id.in_(keys.product_ids), Product.category_id.in_(keys.category_ids))
        bought = (
            select(Order.id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Variant, Variant.id == OrderLine.variant_id)
            .join(Product, Product.id == Variant.product_id)
            .where(
                Order.shopper_id == shopper_id,
                Order.partner_id.is_(None),
                Order.placed_at >= since,
                Order.placed_at < until,
                Order.status != OrderStatus.CANCELED,
                matches,
            )
        )
        query = select(bought.exists())
        return bool(await self.session.scalar(query))

    async def replace_attribution(
        self, insight: dict[str, Any], touches: Sequence[dict[str, Any]]
    ) -> None:
        """Write an order's insight and touches, replacing earlier ones (idempotent)."""
        order_id = insight["order_id"]
        await self.session.execute(delete(OrderTouch).where(OrderTouch.order_id == order_id))
        await self.session.execute(delete(OrderInsight).where(OrderInsight.order_id == order_id))
        await self.session.execute(insert(OrderInsight).values(insight))
        if touches:
            await self.session.execute(insert(OrderTouch).values(list(touches)))

    async def shopper_is_erased(self, shopper_id: str) -> bool:
        """Whether the shopper's personal data was erased (their orders stay, anonymous)."""
        erased_at = await self.session.scalar(
            select(Shopper.erased_at).where(Shopper.id == shopper_id)
        )
        return erased_at is not None

    async def forget_shopper(self, shopper_id: str) -> None:
        """Erasure: insights stop naming the shopper; their engagement days go.

        The shopper's lock first: an attribution under way commits before (and is forgotten
        here), or starts after and sees the shopper erased."""
        await self.lock_shoppers([shopper_id])
        await self.session.execute(
            update(OrderInsight)
            .where(OrderInsight.shopper_id == shopper_id)
            .values(shopper_id=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            delete(EngagedShopperDay).where(EngagedShopperDay.shopper_id == shopper_id)
        )
