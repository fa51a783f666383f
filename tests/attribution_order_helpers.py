"""Shared helpers of the order attribution tests: a catalog of two categories, orders placed in a
partner app or on the store site, events stored as the worker stores them, and what attribution
wrote about an order."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from handshake.accounts import service as accounts
from handshake.attribution import attributing, reports, service
from handshake.attribution.models import (
    AdEvent,
    AdEventDay,
    AttributionModel,
    EngagedShopperDay,
    OrderInsight,
    OrderTouch,
)
from handshake.attribution.performance import CommissionRates, Grouping, PerformanceReport
from handshake.attribution.report_periods import report_period
from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.kernel import clock
from handshake.offers.click_ids import new_click_id
from tests.accounts_helpers import ShopperLogin
from tests.catalog_helpers import import_ok, make_warehouses, row
from tests.checkout_helpers import SESSIONS, checkout_shopper, complete, link_shopper
from tests.linking_helpers import FROZEN_START, register_app
from tests.offers_helpers import LinkedShopper, get_offers, offer_of, shopper_browser, variant_ids
from tests.shop_helpers import add_to_cart

THERMO = "ACM-X1-WHT"  # Thermo X1, white (thermostats): 129.99, members 119.99
THERMO_BLACK = "ACM-X1-BLK"  # the same product, black
PLAIN = "ACM-PLAIN-1"  # another thermostat: 49.00
LAMP = "LMN-DESK-1"  # a desk lamp (lighting): 40.00
USD_SKU = "ACM-USD-1"  # priced in US dollars


async def attribution_catalog(container: Container) -> None:
    """Warehouses and five variants in stock in Paris (the linked shopper lives there)."""
    await make_warehouses(container)
    paris = {"PAR1": 100, "LYS1": 0}
    await import_ok(
        container,
        [
            row(stock=paris),
            row(sku=THERMO_BLACK, gtin=None, options={"colour": "black"}, stock=paris),
            row(handle="acme-plain", sku=PLAIN, gtin=None, list_price="49.00",
                member_price=None, stock=paris),
            row(handle="lumen-desk", sku=LAMP, gtin=None, category="home/lighting",
                category_name_en="Lighting", category_name_fr="Éclairage", brand="Lumen",
                list_price="40.00", member_price=None, stock=paris),
            row(handle="acme-usd", sku=USD_SKU, gtin=None, currency="USD", list_price="20.00",
                member_price=None, stock=paris),
        ],
    )  # fmt: skip


async def partner_order(
    client: httpx.AsyncClient,
    linked: LinkedShopper,
    items: list[tuple[str, int]],
    *,
    click_id: str | None = None,
    campaigns: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """An order placed in ``linked``'s partner app, each SKU's offer asked with its
    ``campaigns`` parameters (campaign_id, creative_id); the partner's order document."""
    lines = []
    for sku, quantity in items:
        params = (campaigns or {}).get(sku, {})
        offers = await get_offers(client, linked.headers, sku=sku, **params)
        lines.append({"offer_token": offer_of(offers.json())["offer_token"], "quantity": quantity})
    body: dict[str, Any] = {"items": lines}
    if click_id is not None:
        body["click_id"] = click_id
    created = await client.post(SESSIONS, json=body, headers=linked.headers)
    assert created.status_code == 201, created.text
    done = await complete(client, linked, created.json())
    assert done.status_code == 201, done.text
    order: dict[str, Any] = done.json()["order"]
    return order


def _hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', html))


async def store_order(
    app: object, container: Container, login: ShopperLogin, sku: str, quantity: int = 1
) -> str:
    """An order the shopper placed on the store site (cart, checkout, sheet); its id."""
    async with shopper_browser(app, container, login) as http:
        variant, _ = await variant_ids(container, sku)
        added = await add_to_cart(http, login, variant, str(quantity))
        assert added.status_code in (200, 303), added.text
        opened = await http.post("/cart/checkout", data={"csrf_token": login.csrf_token})
        assert opened.status_code == 303, opened.text
        sheet = await http.get(opened.headers["location"])
        assert sheet.status_code == 200, sheet.text
        paid = await http.post(opened.headers["location"], data=_hidden_fields(sheet.text))
        assert paid.status_code == 303, paid.text
        back = await http.get(paid.headers["location"])
        assert back.status_code == 303, back.text
    return str(back.headers["location"]).removeprefix("/account/orders/").split("?")[0]


@dataclass
class Shopper:
    """A shopper linked to two partner apps: a social app (A) and a video app (B)."""

    a: LinkedShopper
    b: LinkedShopper

    @property
    def id(self) -> str:
        """The shopper's id."""
        return self.a.login.shopper_id

    async def relink(self, app: object, container: Container) -> None:
        """Fresh access tokens (after the clock moved past their hour)."""
        self.a = await link_shopper(app, container, self.a.login, self.a.app)
        self.b = await link_shopper(app, container, self.b.login, self.b.app)


async def new_shopper(
    app: object,
    container: Container,
    video_app: LinkedShopper | None = None,
    *,
    member: bool = False,
) -> Shopper:
    """A new shopper linked to a new social app and to ``video_app``'s app (or a new one)."""
    a = await checkout_shopper(app, container, member=member)
    video = video_app.app if video_app else await register_app(container, kind="video")
    return Shopper(a, await link_shopper(app, container, a.login, video))


def click_id_of(container: Container, partner_id: str, event_id: str) -> str:
    """The click id the platform gives the partner's click ``event_id``."""
    secret = service.EventPolicy.from_settings(container.settings).click_secret
    return new_click_id(secret=secret, partner_id=partner_id, event_id=event_id)


async def ad_event(
    container: Container,
    partner_id: str,
    event_id: str,
    kind: str,
    at: datetime,
    *,
    sku: str = THERMO,
    channel: str = "feed_ad",
    campaign_id: str | None = None,
    creative_id: str | None = None,
) -> dict[str, Any]:
    """One event of an accepted batch, as the outbox job carries it."""
    variant, product = await variant_ids(container, sku)
    return {
        "event_id": event_id, "kind": kind, "channel": channel, "occurred_at": at.isoformat(),
        "placement_id": "feed", "campaign_id": campaign_id, "creative_id": creative_id,
        "variant_id": variant, "product_id": product, "offer_token": None,
        "click_id": click_id_of(container, partner_id, event_id) if kind == "click" else None,
        "metadata": {},
    }  # fmt: skip


def batch(partner_id: str, shopper_id: str | None, events: list[dict[str, Any]]) -> dict[str, Any]:
    """The payload of the job storing ``events`` (a linked shopper's, or anonymous)."""
    return {
        "partner_id": partner_id, "shopper_id": shopper_id,
        "grant_id": "grt_test" if shopper_id else None, "received_at": clock.now().isoformat(),
        "events": events,
    }  # fmt: skip


def policy_of(container: Container) -> attributing.AttributionPolicy:
    """The attribution policy of the container's settings."""
    return attributing.AttributionPolicy.from_settings(container.settings)


async def store(container: Container, payload: dict[str, Any]) -> int:
    """Store a batch as the worker does; how many events were new."""
    return await service.store_events(
        uow=container.uow(), payload=payload, policy=policy_of(container)
    )


async def catch_up(container: Container) -> int:
    """Attribute every order still waiting; how many."""
    return await attributing.catch_up(uow_factory=container.uow, policy=policy_of(container))


@dataclass(frozen=True)
class Credited:
    """An order's touch under one model, by the partner's own event id."""

    partner_id: str
    channel: str
    campaign_id: str
    creative_id: str
    kind: str
    matched_by: str
    event_id: str | None  # None: credited to the app the order was placed in
    touched_at: datetime
    day: date


@dataclass(frozen=True)
class Insight:
    """What attribution learnt of an order's buyer."""

    shopper_id: str | None
    day: date
    is_member: bool
    is_new_customer: bool
    is_cannibalised: bool
    attributed_at: datetime


class AttributionReader(Repository):
    """Reads the rows attribution writes, the way a test looks at them."""

    async def touches(self, order_id: str) -> dict[str, Credited]:
        """The order's touch per model."""
        rows = await self.session.execute(
            select(OrderTouch, AdEvent.event_id)
            .outerjoin(AdEvent, AdEvent.id == OrderTouch.ad_event_id)
            .where(OrderTouch.order_id == order_id)
        )
        return {
            t.model: Credited(
                t.partner_id, t.channel, t.campaign_id, t.creative_id, t.kind, t.matched_by,
                event_id, clock.ensure_utc(t.touched_at), t.day,
            )
            for t, event_id in rows.all()
        }  # fmt: skip

    async def insight(self, order_id: str) -> Insight | None:
        """The order's insight (None: not attributed yet)."""
        found = await self.session.get(OrderInsight, order_id)
        if found is None:
            return None
        return Insight(
            found.shopper_id, found.day, found.is_member, found.is_new_customer,
            found.is_cannibalised, clock.ensure_utc(found.attributed_at),
        )  # fmt: skip

    async def touch_count(self) -> int:
        """Rows of order_touches."""
        return len((await self.session.scalars(select(OrderTouch.order_id))).all())

    async def day_rows(self) -> list[tuple[Any, ...]]:
        """Every ad_event_days row as (day, partner, channel, campaign, creative, counts…)."""
        rows = await self.session.scalars(
            select(AdEventDay).order_by(
                AdEventDay.day, AdEventDay.partner_id, AdEventDay.channel,
                AdEventDay.campaign_id, AdEventDay.creative_id,
            )
        )  # fmt: skip
        return [
            (r.day, r.partner_id, r.channel, r.campaign_id, r.creative_id, r.impressions,
             r.views, r.clicks, r.add_to_carts)
            for r in rows.all()
        ]  # fmt: skip

    async def engaged(self) -> list[tuple[Any, ...]]:
        """Every engaged_shopper_days row: (day, partner, channel, campaign, creative, shopper)."""
        rows = await self.session.scalars(select(EngagedShopperDay))
        return sorted(
            (r.day, r.partner_id, r.channel, r.campaign_id, r.creative_id, r.shopper_id)
            for r in rows.all()
        )


async def touches(container: Container, order_id: str) -> dict[str, Credited]:
    """The order's touch per model now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(AttributionReader).touches(order_id)


async def insight(container: Container, order_id: str) -> Insight | None:
    """The order's insight now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(AttributionReader).insight(order_id)


async def day_rows(container: Container) -> list[tuple[Any, ...]]:
    """Every ad_event_days row now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(AttributionReader).day_rows()


async def engaged(container: Container) -> list[tuple[Any, ...]]:
    """Every engaged_shopper_days row now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(AttributionReader).engaged()


def ago(**delta: float) -> timedelta:
    """A duration (reads: ``clock.now() - ago(hours=1)``)."""
    return timedelta(**delta)


def credited(
    partner: LinkedShopper, kind: str, matched_by: str, event_id: str | None, **cell: str
) -> Credited:
    """The expected touch (when it occurred and the order's day: see ``at``)."""
    return Credited(
        partner.app.partner_id, cell.get("channel", "feed_ad"), cell.get("campaign_id", ""),
        cell.get("creative_id", ""), kind, matched_by, event_id, FROZEN_START,
        FROZEN_START.date(),
    )  # fmt: skip


def at(touch: Credited, moment: datetime, day: date | None = None) -> Credited:
    """``touch`` that occurred at ``moment``, credited with an order of ``day`` (today)."""
    return replace(touch, touched_at=moment, day=day or clock.now().date())


async def erase(container: Container, shopper_id: str) -> None:
    """Erase the shopper everywhere, as the account's erasure does."""
    await accounts.erase_shopper(
        uow=container.uow(), shopper_id=shopper_id, erasers=container.personal_data.erasers
    )


def request(model: AttributionModel = AttributionModel.LAST_CLICK,
            grouping: Grouping = Grouping.CREATIVE) -> reports.ReportRequest:  # fmt: skip
    """A report of the frozen day."""
    period = report_period(FROZEN_START.date(), FROZEN_START.date())
    return reports.ReportRequest(period=period, model=model, grouping=grouping)


async def report(container: Container, asked: reports.ReportRequest,
                 rates: CommissionRates = CommissionRates(1000)) -> PerformanceReport:  # fmt: skip
    """The operator's performance report."""
    return await reports.performance_report(uow=container.read_uow(), request=asked, rates=rates)
