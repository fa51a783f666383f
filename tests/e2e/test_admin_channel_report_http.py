"""The channel performance report (page, charts' JSON, CSV, operator API) on data the test
creates through the events API, the worker, both checkouts and attribution's catch-up.

The clock is frozen on 2029-03-01 at 09:00 UTC. Shoppers: Ann (linked to a social app, "Ann's
app"), Ben (a member, linked to another social app), Cat (linked to a third, never sees an ad);
a video partner reports anonymous events. Day 1:

- 09:00 Ann buys a thermostat on the store site (O0: organic, a new customer);
- 09:05 Ann sees and clicks a ``spring``/``c1`` ad and adds to cart in her app; Ben sees a
  ``summer``/``s1`` ad; the video app reports 2 impressions and 1 click of ``reel``/``r1``;
- 09:10 Ann buys a thermostat in her app with the click id (O1: the click; an existing customer;
  likely cannibalised, as she bought it on the store site at 09:00);
- 09:15 Ben buys a plain thermostat on the store site (O2): organic under last click, credited
  to his impression under view-through; a member and a new customer;
- 09:20 Ann buys 2 lamps in her app, no click id (O3: her last click; another category, so not
  cannibalised); shipped, then 5.00 refunded;
- 09:25 Ann buys a plain thermostat in her app (O4), cancelled: never counted.

Day 2, 10:00: the video app reports 1 impression and 1 click; Cat buys a thermostat on the
store site (O5: organic).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from handshake.attribution import attributing
from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.kernel import clock
from handshake.partners import service as partners
from tests.accounts_helpers import ShopperLogin, operator_headers, signed_in_shopper
from tests.admin_helpers import operator_client, signed_in_operator, text_of
from tests.attribution_helpers import make_worker
from tests.catalog_helpers import import_ok, row
from tests.checkout_helpers import checkout_shopper, complete, create_session, prepared_catalog
from tests.linking_helpers import FROZEN_START, register_app
from tests.offers_helpers import (
    MEMBER_SKU,
    PLAIN_SKU,
    LinkedShopper,
    client_credentials_token,
    shopper_browser,
)
from tests.shop_helpers import add_to_cart, variant_id

LAMP_SKU = "ACM-LAMP-1"  # 20.00, another category than the thermostats
DAY1 = FROZEN_START.date()
DAY2 = DAY1 + timedelta(days=1)
PERIOD = f"start={DAY1}&end={DAY2}"
REPORT = "/admin/reports/channels"
API = "/api/v1/admin/reports/performance"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with clock.frozen_at(FROZEN_START):
        yield


@dataclass(frozen=True)
class Scenario:
    """What the test made: partners (id, name) and each counted order's net amount."""

    ann_app: tuple[str, str]
    ben_app: tuple[str, str]
    video: tuple[str, str]
    net: dict[str, int]  # O0…O5 (O4 cancelled)


def _event(event_id: str, kind: str, campaign: str, creative: str, **extra: Any) -> dict[str, Any]:
    moment = clock.now() - timedelta(minutes=1)
    return {
        "event_id": event_id, "type": kind, "occurred_at": moment.isoformat(), "sku": MEMBER_SKU,
        "campaign_id": campaign, "creative_id": creative, **extra,
    }  # fmt: skip


async def _send(client: httpx.AsyncClient, headers: dict[str, str], events: list[Any]) -> Any:
    answer = await client.post("/partner/v1/events", json={"events": events}, headers=headers)
    assert answer.status_code == 202, answer.text
    assert answer.json()["rejected"] == []
    return answer.json()


async def _store_order(
    app: object, container: Container, login: ShopperLogin, sku: str, quantity: int
) -> str:
    """The shopper buys through the store's own checkout; the order id."""
    async with shopper_browser(app, container, login) as http:
        added = await add_to_cart(http, login, await variant_id(container, sku), str(quantity))
        assert added.status_code == 303, added.text
        opened = await http.post("/cart/checkout", data={"csrf_token": login.csrf_token})
        assert opened.status_code == 303, opened.text
        sheet = await http.get(opened.headers["location"])
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">',
                                 sheet.text))  # fmt: skip
        paid = await http.post(opened.headers["location"], data=fields)
        assert paid.status_code == 303, paid.text
        back = await http.get(paid.headers["location"])
        return back.headers["location"].removeprefix("/account/orders/").split("?")[0]


async def _app_order(
    client: httpx.AsyncClient, linked: LinkedShopper, sku: str, quantity: int, **extra: Any
) -> str:
    session = await create_session(client, linked, [(sku, quantity)], **extra)
    assert session.status_code == 201, session.text
    done = await complete(client, linked, session.json())
    assert done.status_code == 201, done.text
    order_id: str = done.json()["order"]["id"]
    return order_id


async def _net(container: Container, order_id: str) -> int:
    order = (await checkout.get_order(uow=container.read_uow(), order_id=order_id)).order
    return order.total_minor - order.refunded_minor


async def _name(container: Container, partner_id: str) -> str:
    return (await partners.get_partner(uow=container.read_uow(), partner_id=partner_id)).name


async def _scenario(app: object, client: httpx.AsyncClient, container: Container) -> Scenario:
    await prepared_catalog(container)
    await import_ok(container, [row(
        handle="acme-lamp", sku=LAMP_SKU, gtin=None, category="home/lighting",
        category_name_en="Lighting", category_name_fr="Éclairage", title_en="Lamp",
        title_fr="Lampe", list_price="20.00", member_price=None, stock={"PAR1": 10},
    )])  # fmt: skip
    ann = await checkout_shopper(app, container)
    ben = await checkout_shopper(app, container, member=True)
    cat = await checkout_shopper(app, container)
    video = await register_app(container, kind="video", name="Reelz")
    orders = {"O0": await _store_order(app, container, ann.login, MEMBER_SKU, 1)}

    clock.advance(timedelta(minutes=5))
    clicked = await _send(client, ann.headers, [
        _event("a-imp", "impression", "spring", "c1"), _event("a-click", "click", "spring", "c1"),
        _event("a-cart", "add_to_cart", "spring", "c1"),
    ])  # fmt: skip
    await _send(client, ben.headers, [_event("b-imp", "impression", "summer", "s1")])
    anonymous = {"Authorization": f"Bearer {await client_credentials_token(client, video)}"}
    await _send(client, anonymous, [
        _event("v-imp1", "impression", "reel", "r1"), _event("v-imp2", "impression", "reel", "r1"),
        _event("v-click1", "click", "reel", "r1"),
    ])  # fmt: skip
    await make_worker(container).run_until_idle()

    clock.advance(timedelta(minutes=5))
    click_id = clicked["clicks"][0]["click_id"]
    orders["O1"] = await _app_order(client, ann, MEMBER_SKU, 1, click_id=click_id)
    clock.advance(timedelta(minutes=5))
    orders["O2"] = await _store_order(app, container, ben.login, PLAIN_SKU, 1)
    clock.advance(timedelta(minutes=5))
    orders["O3"] = await _app_order(client, ann, LAMP_SKU, 2)
    actor = "operator:test"
    await checkout.ship_order(uow=container.uow(), order_id=orders["O3"], carrier="DHL",
                              tracking_number="1", actor=actor)  # fmt: skip
    await checkout.refund_order(
        uow=container.uow(), order_id=orders["O3"], actor=actor, amount_minor=500
    )
    clock.advance(timedelta(minutes=5))
    orders["O4"] = await _app_order(client, ann, PLAIN_SKU, 1)
    await checkout.cancel_order(uow=container.uow(), order_id=orders["O4"], actor=actor)

    clock.advance(timedelta(days=1, minutes=35))  # day 2, 10:00
    anonymous = {"Authorization": f"Bearer {await client_credentials_token(client, video)}"}
    await _send(client, anonymous, [
        _event("v-imp3", "impression", "reel", "r1"), _event("v-click2", "click", "reel", "r1"),
    ])  # fmt: skip
    await make_worker(container).run_until_idle()
    orders["O5"] = await _store_order(app, container, cat.login, MEMBER_SKU, 1)
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    await attributing.catch_up(uow_factory=container.uow, policy=policy)
    return Scenario(
        ann_app=(ann.app.partner_id, await _name(container, ann.app.partner_id)),
        ben_app=(ben.app.partner_id, await _name(container, ben.app.partner_id)),
        video=(video.partner_id, "Reelz"),
        net={key: await _net(container, order_id) for key, order_id in orders.items()},
    )


def _json_block(html: str, block: str) -> Any:
    found = re.search(rf'id="{block}">(.*?)</script>', html, re.S)
    assert found is not None, block
    return json.loads(found.group(1))


def _cells(html: str, testid: str) -> list[list[str]]:
    """The text of every cell of each row carrying ``data-testid=testid``."""
    cell = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    rows = re.findall(rf'<tr data-testid="{testid}">(.*?)</tr>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in cell.findall(r)] for r in rows]


NET = {"O0": 12999, "O1": 12999, "O2": 4900, "O3": 3990, "O4": 5390, "O5": 12999}
NOTHING = ["0.00 EUR", "—", "0", "0", "0", "0", "—", "0.00 EUR"]  # revenue … commission
ANN_ROW = ["1", "0", "1", "100.0 %", "1", "2", "200.0 %", "169.89 EUR", "84.95 EUR", "0", "2",
           "0", "2", "50.0 %", "16.99 EUR"]  # fmt: skip


async def test_last_click_report_per_partner_is_exact(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    s = await _scenario(app, client, container)
    assert s.net == NET  # O3: 2 × 20.00 + 4.90 delivery − 5.00 refunded
    ann_name, ben_name = s.ann_app[1], s.ben_app[1]
    async with operator_client(app, container) as (admin, _):
        page = await admin.get(f"{REPORT}?{PERIOD}&model=last_click&group=partner")
        assert page.status_code == 200, page.text
        html = page.text
        tiles = {key: text_of(html, key) for key in (
            "total-orders", "total-revenue", "attributed-share", "organic-orders", "total-ctr",
            "total-conversion", "new-customer-share", "cannibalisation", "commission-owed",
        )}  # fmt: skip
        assert tiles == {
            "total-orders": "5", "total-revenue": "478.87 EUR", "attributed-share": "40.0 %",
            "organic-orders": "3", "total-ctr": "60.0 %", "total-conversion": "66.7 %",
            "new-customer-share": "0.0 %", "cannibalisation": "50.0 %",
            "commission-owed": "16.99 EUR",
        }  # fmt: skip
        assert _cells(html, "report-row") == [
            [ann_name, *ANN_ROW],
            ["Reelz", "3", "0", "2", "66.7 %", "0", "0", "0.0 %", *NOTHING],
            [ben_name, "1", "0", "0", "0.0 %", "0", "0", "—", *NOTHING],
        ]
        assert _cells(html, "attributed-row") == [["All attributed orders", "5", "0", "3",
            "60.0 %", "1", "2", "66.7 %", "169.89 EUR", "84.95 EUR", "0", "2", "0", "2",
            "50.0 %", "16.99 EUR"]]  # fmt: skip
        assert _cells(html, "organic-row") == [["Organic (no ad touch)", "0", "0", "0", "—",
            "0", "3", "—", "308.98 EUR", "102.99 EUR", "1", "2", "3", "0", "—",
            "0.00 EUR"]]  # fmt: skip
        assert _cells(html, "total-row") == [["Total", "5", "0", "3", "60.0 %", "1", "5", "—",
            "478.87 EUR", "95.77 EUR", "1", "4", "3", "2", "—", "16.99 EUR"]]  # fmt: skip
        assert _cells(html, "commission-row") == [
            [ann_name, "169.89 EUR", "10 %", "16.99 EUR"],
            ["Reelz", "0.00 EUR", "10 %", "0.00 EUR"],
            [ben_name, "0.00 EUR", "10 %", "0.00 EUR"],
        ]  # fmt: skip
        assert _cells(html, "day-row") == [
            [DAY1.isoformat(), "4", "2", "1", "2", "169.89 EUR", "4", "348.88 EUR"],
            [DAY2.isoformat(), "1", "1", "0", "0", "0.00 EUR", "1", "129.99 EUR"],
        ]
        assert _cells(html, "funnel-row") == [
            ["Impressions", "5"],
            ["Clicks", "3"],
            ["Add-to-carts", "1"],
            ["Attributed orders", "2"],
        ]
        assert _cells(html, "channel-row") == [
            ["Feed ad", "1", "2", "169.89 EUR", "200.0 %"],
            ["Video", "2", "0", "0.00 EUR", "0.0 %"],
        ]
        assert _json_block(html, "channel-chart-data") == {
            "currency": "EUR", "days": [DAY1.isoformat(), DAY2.isoformat()],
            "orders": [4, 1], "revenue": [348.88, 129.99], "attributed_orders": [2, 0],
            "attributed_revenue": [169.89, 0.0], "impressions": [4, 1], "clicks": [2, 1],
            "funnel": [5, 3, 1, 2], "channels": ["feed_ad", "video"], "channel_orders": [2, 0],
            "channel_revenue": [169.89, 0.0], "channel_conversion": [200.0, 0.0],
        }  # fmt: skip
        assert _json_block(html, "channel-chart-labels")["channels"]["feed_ad"] == "Feed ad"
        for chart in ("chart-daily", "chart-events", "chart-funnel", "chart-channels"):
            assert f'data-testid="{chart}" role="img"' in html
        assert '<script src="/static/web/vendor/chartjs/chart.umd.min.js" defer></script>' in html
        assert '<script src="/static/attribution/channel_report.js" defer></script>' in html
        assert "<script>" not in html  # no inline script
        assert 'data-testid="awaiting-note"' not in html
        assert (
            f'href="{REPORT}.csv?start={DAY1}&amp;end={DAY2}&amp;model=last_click&amp;group=partner"'
            in html
        )

        overview = (await admin.get("/admin")).text  # day 2: Cat's order only
        assert (text_of(overview, "orders-today"), text_of(overview, "revenue-today")) == (
            "1",
            "129.99 EUR",
        )
        assert (text_of(overview, "linked-shoppers"), text_of(overview, "partner-count")) == (
            "3",
            "4",
        )


async def test_view_through_also_credits_an_order_after_a_view_only(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    s = await _scenario(app, client, container)
    ann_name, ben_name = s.ann_app[1], s.ben_app[1]
    async with operator_client(app, container) as (admin, _):
        html = (await admin.get(f"{REPORT}?{PERIOD}&model=view_through")).text
    assert 'id="model-view_through" name="model" value="view_through"' in html
    assert [text_of(html, key) for key in (
        "total-orders", "attributed-share", "organic-orders", "total-conversion",
        "new-customer-share", "cannibalisation", "commission-owed",
    )] == ["5", "60.0 %", "2", "100.0 %", "33.3 %", "33.3 %", "21.89 EUR"]  # fmt: skip
    assert _cells(html, "report-row") == [
        [ann_name, *ANN_ROW],
        [ben_name, "1", "0", "0", "0.0 %", "0", "1", "—", "49.00 EUR", "49.00 EUR", "1", "0",
         "1", "0", "0.0 %", "4.90 EUR"],
        ["Reelz", "3", "0", "2", "66.7 %", "0", "0", "0.0 %", *NOTHING],
    ]  # fmt: skip
    assert _cells(html, "organic-row") == [["Organic (no ad touch)", "0", "0", "0", "—", "0",
        "2", "—", "259.98 EUR", "129.99 EUR", "0", "2", "2", "0", "—", "0.00 EUR"]]  # fmt: skip
    chart = _json_block(html, "channel-chart-data")
    assert (chart["attributed_orders"], chart["funnel"]) == ([3, 0], [5, 3, 1, 3])


async def test_rows_per_channel_campaign_and_creative_in_the_api(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    s = await _scenario(app, client, container)
    (ann, ann_name), (ben, ben_name), (video, _) = s.ann_app, s.ben_app, s.video
    headers = await operator_headers(container)

    async def rows(query: str) -> list[tuple[Any, ...]]:
        answer = await client.get(f"{API}?{PERIOD}&{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return [
            (r["partner_id"], r["channel"], r["campaign_id"], r["creative_id"],
             r["figures"]["impressions"], r["figures"]["clicks"], r["figures"]["orders"],
             r["figures"]["revenue_minor"])
            for r in answer.json()["rows"]
        ]  # fmt: skip

    assert await rows("group=channel") == [
        (None, "feed_ad", None, None, 2, 1, 2, 16989), (None, "video", None, None, 3, 2, 0, 0),
    ]  # fmt: skip
    assert await rows("group=campaign&model=view_through") == [
        (ann, None, "spring", None, 1, 1, 2, 16989), (ben, None, "summer", None, 1, 0, 1, 4900),
        (video, None, "reel", None, 3, 2, 0, 0),
    ]  # fmt: skip
    assert await rows("group=creative") == [
        (ann, None, "spring", "c1", 1, 1, 2, 16989), (video, None, "reel", "r1", 3, 2, 0, 0),
        (ben, None, "summer", "s1", 1, 0, 0, 0),
    ]  # fmt: skip
    body = (await client.get(f"{API}?{PERIOD}&group=creative", headers=headers)).json()
    assert {k: body[k] for k in ("start", "end", "model", "group", "currency")} == {
        "start": "2029-03-01", "end": "2029-03-02", "model": "last_click", "group": "creative",
        "currency": "EUR",
    }  # fmt: skip
    assert body["rows"][0]["partner_name"] == ann_name
    assert body["rows"][0]["figures"] == {
        "impressions": 1, "views": 0, "clicks": 1, "ctr_pct": 100.0, "add_to_carts": 1,
        "orders": 2, "conversion_pct": 200.0, "revenue_minor": 16989,
        "average_basket_minor": 8495, "member_orders": 0, "non_member_orders": 2,
        "member_revenue_minor": 0, "new_customer_orders": 0, "existing_customer_orders": 2,
        "new_customer_pct": 0.0, "cannibalised_orders": 1, "cannibalisation_pct": 50.0,
        "commission_minor": 1699,
    }  # fmt: skip
    assert [(c["channel"], c["figures"]["orders"]) for c in body["channels"]] == [
        ("feed_ad", 2),
        ("video", 0),
    ]
    assert (body["organic"]["orders"], body["organic"]["revenue_minor"]) == (3, 30898)
    assert (body["organic"]["conversion_pct"], body["total"]["cannibalisation_pct"]) == (None, None)
    assert (body["total"]["orders"], body["attributed"]["conversion_pct"]) == (5, 66.7)
    assert body["days"][1] == {
        "day": "2029-03-02", "impressions": 1, "clicks": 1, "add_to_carts": 0,
        "attributed_orders": 0, "attributed_revenue_minor": 0, "orders": 1,
        "revenue_minor": 12999,
    }  # fmt: skip
    assert body["commission"] == [
        {"partner_id": ann, "partner_name": ann_name, "rate_bp": 1000, "revenue_minor": 16989,
         "commission_minor": 1699},
        {"partner_id": video, "partner_name": "Reelz", "rate_bp": 1000, "revenue_minor": 0,
         "commission_minor": 0},
        {"partner_id": ben, "partner_name": ben_name, "rate_bp": 1000, "revenue_minor": 0,
         "commission_minor": 0},
    ]  # fmt: skip
    assert body["awaiting_attribution"] == 0


async def test_csv_export_and_a_partners_own_commission_rate(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    s = await _scenario(app, client, container)
    (ann, ann_name), (ben, ben_name), (video, _) = s.ann_app, s.ben_app, s.video
    # Ann's app is paid 25 % (HANDSHAKE_ATTRIBUTION__COMMISSION_RATE_BP_BY_PARTNER), others 10 %.
    container.settings.attribution.commission_rate_bp_by_partner[ann] = 2500
    async with operator_client(app, container) as (admin, _):
        csv = await admin.get(f"{REPORT}.csv?{PERIOD}")
        page = await admin.get(f"{REPORT}?{PERIOD}")
        creative = await admin.get(f"{REPORT}.csv?{PERIOD}&model=view_through&group=creative")
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.headers["content-disposition"] == (
        'attachment; filename="channel-performance-last_click-partner-2029-03-01-2029-03-02.csv"'
    )
    header = (
        "level,partner_id,partner,channel,campaign,creative,impressions,views,clicks,ctr_pct,"
        "add_to_carts,orders,conversion_pct,revenue,average_basket,currency,member_orders,"
        "non_member_orders,member_revenue,new_customer_orders,existing_customer_orders,"
        "new_customer_pct,cannibalised_orders,cannibalisation_pct,commission"
    )
    ann_figures = "1,0,1,100.0,1,2,200.0,169.89,84.95,EUR,0,2,0.00,0,2,0.0,1,50.0,42.47"
    assert csv.text.splitlines() == [
        header,
        f"partner,{ann},{ann_name},,,,{ann_figures}",
        f"partner,{video},Reelz,,,,3,0,2,66.7,0,0,0.0,0.00,,EUR,0,0,0.00,0,0,,0,,0.00",
        f"partner,{ben},{ben_name},,,,1,0,0,0.0,0,0,,0.00,,EUR,0,0,0.00,0,0,,0,,0.00",
        "attributed,,,,,,5,0,3,60.0,1,2,66.7,169.89,84.95,EUR,0,2,0.00,0,2,0.0,1,50.0,42.47",
        "organic,,,,,,0,0,0,,0,3,,308.98,102.99,EUR,1,2,49.00,3,0,100.0,0,,0.00",
        "total,,,,,,5,0,3,60.0,1,5,,478.87,95.77,EUR,1,4,49.00,3,2,60.0,1,,42.47",
    ]
    assert creative.headers["content-disposition"] == (
        'attachment; filename="channel-performance-view_through-creative-2029-03-01-2029-03-02.csv"'
    )
    assert creative.text.splitlines()[1:4] == [
        f"creative,{ann},{ann_name},,spring,c1,{ann_figures}",
        f"creative,{ben},{ben_name},,summer,s1,1,0,0,0.0,0,1,,49.00,49.00,EUR,1,0,49.00,1,0,"
        "100.0,0,0.0,4.90",
        f"creative,{video},Reelz,,reel,r1,3,0,2,66.7,0,0,0.0,0.00,,EUR,0,0,0.00,0,0,,0,,0.00",
    ]
    assert text_of(page.text, "commission-owed") == "42.47 EUR"
    assert _cells(page.text, "commission-row")[0] == [ann_name, "169.89 EUR", "25 %", "42.47 EUR"]
    body = (await client.get(f"{API}?{PERIOD}", headers=await operator_headers(container))).json()
    assert [(c["rate_bp"], c["commission_minor"]) for c in body["commission"]] == [
        (2500, 4247),
        (1000, 0),
        (1000, 0),
    ]


async def test_orders_not_attributed_yet_are_announced_not_counted(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await prepared_catalog(container)
    ann = await checkout_shopper(app, container)
    await _store_order(app, container, ann.login, MEMBER_SKU, 1)  # no catch-up yet
    async with operator_client(app, container) as (admin, _):
        html = (await admin.get(f"{REPORT}?start={DAY1}&end={DAY1}")).text
        assert text_of(html, "awaiting-note") == (
            "Orders of the period not attributed yet (not in these figures; the worker"
            " attributes them within a minute): 1."
        )
        assert (text_of(html, "total-orders"), text_of(html, "organic-orders")) == ("0", "0")
        policy = attributing.AttributionPolicy.from_settings(container.settings)
        assert await attributing.catch_up(uow_factory=container.uow, policy=policy) == 1
        html = (await admin.get(f"{REPORT}?start={DAY1}&end={DAY1}")).text
        assert 'data-testid="awaiting-note"' not in html
        assert (text_of(html, "total-orders"), text_of(html, "organic-orders")) == ("1", "1")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2029-02-10&end=2029-02-01", "The period must start on or before its last day."),
        ("start=2028-01-01&end=2029-03-01", "A report covers at most 366 days."),
        ("start=01/02/2029", "Give days as YYYY-MM-DD."),
        ("start=9999-12-31&end=9999-12-31", "Give days within the years 1 to 9999."),
        ("end=0001-01-01", "Give days within the years 1 to 9999."),
        ("model=first_click", "Choose the attribution model last_click or view_through."),
        ("group=shopper", "Group rows by partner, channel, campaign or creative."),
    ],
)
async def test_bad_parameters_are_refused_with_422(
    client: httpx.AsyncClient, container: Container, query: str, message: str
) -> None:
    await signed_in_operator(client, container)
    page = await client.get(f"{REPORT}?{query}")
    assert page.status_code == 422
    assert text_of(page.text, "form-error") == message
    assert 'data-testid="report-table"' not in page.text
    french = await client.get(f"{REPORT}?{query}&lang=fr")
    assert french.status_code == 422
    assert text_of(french.text, "form-error") != message  # translated
    csv = await client.get(f"{REPORT}.csv?{query}")
    assert csv.status_code == 422
    assert csv.headers["content-type"].startswith("application/problem+json")
    assert csv.json()["detail"] == message


async def test_the_api_refuses_bad_parameters_and_non_operators(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await operator_headers(container)
    reversed_period = await client.get(f"{API}?start=2029-02-10&end=2029-02-01", headers=headers)
    assert reversed_period.status_code == 422
    assert reversed_period.json()["code"] == "invalid_report_period"
    for query in ("model=first_click", "group=shopper", "start=01/02/2029"):
        answer = await client.get(f"{API}?{query}", headers=headers)
        assert answer.status_code == 422, query
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(API)).status_code == 401
    await signed_in_shopper(client, container)  # a shopper's session is no operator's
    refused = await client.get(API)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_an_operator")
    default = await client.get(API, headers=headers)
    assert default.status_code == 200
    today = clock.now().date()
    assert [d["day"] for d in default.json()["days"]] == [
        (today - timedelta(days=29 - n)).isoformat() for n in range(30)
    ]


async def test_the_page_defaults_to_the_last_thirty_days(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_operator(client, container)
    page = await client.get(REPORT)
    assert page.status_code == 200
    assert page.text.count('data-testid="day-row"') == 30
    assert text_of(page.text, "total-orders") == "0"
    assert 'id="model-last_click" name="model" value="last_click"' in page.text
    assert '<option value="partner" selected>' in page.text
