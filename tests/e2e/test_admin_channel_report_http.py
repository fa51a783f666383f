"""The channel report: exact figures per partner and campaign on data the test creates, the
day series, the charts' JSON block, the CSV export and a refused period."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx

from handshake.attribution.repository import AttributionRepository
from handshake.bootstrap import Container
from handshake.checkout import service as checkout
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.offers.click_ids import derive_click_secret, new_click_id
from handshake.partners import service as partners
from tests.admin_helpers import operator_client, signed_in_operator, text_of
from tests.checkout_helpers import (
    checkout_shopper,
    complete,
    create_session,
    placed_order,
    prepared_catalog,
)

SKU = "ACM-X1-WHT"


def _event_row(
    partner_id: str, kind: str, campaign: str | None, click_id: str | None, *, minutes_ago: int
) -> dict[str, Any]:
    moment = clock.now() - timedelta(minutes=minutes_ago)
    return {
        "id": new_id("ade"), "partner_id": partner_id, "event_id": new_id("evt"), "kind": kind,
        "channel": "feed_ad", "occurred_at": moment, "received_at": moment,
        "placement_id": "feed", "campaign_id": campaign, "creative_id": None,
        "variant_id": "var_x", "product_id": "prd_x", "offer_token": None,
        "click_id": click_id, "shopper_id": None, "grant_id": None, "details": {},
    }  # fmt: skip


async def _insert(container: Container, rows: list[dict[str, Any]]) -> None:
    uow = container.uow()
    async with uow:
        await uow.repo(AttributionRepository).insert_events(rows)
        await uow.commit()


async def _figures(
    app: object, client: httpx.AsyncClient, container: Container
) -> tuple[str, str, int, int]:
    """Picto: 2 counted orders (one through a spring click), 1 cancelled; Vidz: no order."""
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container, scope="offers checkout orders")
    picto = linked.app.partner_id
    secret = container.settings.security.secret_key.get_secret_value().encode()
    click = new_click_id(secret=derive_click_secret(secret), partner_id=picto, event_id="c1")
    vidz = (await partners.create_partner(
        uow=container.uow(), name="Vidz", kind="video", contact_email="ads@vidz.example"
    )).id  # fmt: skip
    await _insert(container, [
        _event_row(picto, "impression", "spring", None, minutes_ago=5),
        _event_row(picto, "impression", "spring", None, minutes_ago=5),
        _event_row(picto, "impression", "spring", None, minutes_ago=5),
        _event_row(picto, "click", "spring", click, minutes_ago=4),
        _event_row(picto, "click", "spring", None, minutes_ago=4),
        _event_row(picto, "impression", "summer", None, minutes_ago=4),
        _event_row(picto, "view", "summer", None, minutes_ago=4),  # neither impression nor click
        _event_row(picto, "impression", "spring", None, minutes_ago=60 * 24 * 40),  # too old
        _event_row(vidz, "impression", "spring", None, minutes_ago=3),
        _event_row(vidz, "impression", "spring", None, minutes_ago=3),
        _event_row(vidz, "click", "spring", None, minutes_ago=3),
    ])  # fmt: skip
    session = (await create_session(client, linked, [(SKU, 1)], click_id=click)).json()
    first = (await complete(client, linked, session)).json()["order"]
    second = await placed_order(client, linked, [(SKU, 2)])
    cancelled = await placed_order(client, linked, [(SKU, 1)])
    actor = "operator:test"
    await checkout.cancel_order(uow=container.uow(), order_id=cancelled["id"], actor=actor)
    await checkout.ship_order(uow=container.uow(), order_id=second["id"], carrier="DHL",
                              tracking_number="1", actor=actor)  # fmt: skip
    await checkout.refund_order(uow=container.uow(), order_id=second["id"], actor=actor,
                                amount_minor=500)  # fmt: skip
    one = await checkout.get_order(uow=container.read_uow(), order_id=first["id"])
    two = await checkout.get_order(uow=container.read_uow(), order_id=second["id"])
    assert [line.campaign_id for line in two.lines] == [None]
    return picto, vidz, one.order.total_minor, two.order.total_minor - 500


def _eur(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


async def test_report_figures_per_partner_and_campaign_are_exact(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    picto, vidz, first, second = await _figures(app, client, container)
    today = clock.now().date()
    yesterday = today - timedelta(days=1)
    async with operator_client(app, container) as (admin, _):
        page = await admin.get(f"/admin/reports/channels?start={yesterday}&end={today}")
        assert page.status_code == 200, page.text
        html = page.text
        assert text_of(html, "total-orders") == "2"
        assert text_of(html, "total-revenue") == f"{_eur(first + second)} EUR"
        assert text_of(html, "total-clicks") == "3"
        assert text_of(html, "total-conversion") == "66.7 %"
        assert 'data-testid="chart-daily"' in html
        assert 'data-testid="chart-partners"' in html
        chart = json.loads(
            re.search(r'id="channel-chart-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
        )
        picto_name = (await partners.get_partner(uow=container.read_uow(), partner_id=picto)).name
        assert chart["days"] == [yesterday.isoformat(), today.isoformat()]
        assert chart["orders"] == [0, 2]
        assert chart["revenue"] == [0.0, (first + second) / 100]
        assert chart["partners"] == [picto_name, "Vidz"]
        assert chart["partner_orders"] == [2, 0]
        assert '<script src="/static/web/vendor/chartjs/chart.umd.min.js" defer></script>' in html
        assert "<script>" not in html  # no inline script

        csv = await admin.get(f"/admin/reports/channels.csv?start={yesterday}&end={today}")
        assert csv.status_code == 200
        assert csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert csv.headers["content-disposition"] == (
            f'attachment; filename="channel-report-{yesterday}-{today}.csv"'
        )
        total = _eur(first + second)
        assert csv.text.splitlines() == [
            "level,partner_id,partner,campaign,impressions,clicks,orders,revenue,currency,"
            "conversion_clicks_pct,conversion_impressions_pct",
            f"total,,,,6,3,2,{total},EUR,66.7,33.3",
            f"partner,{picto},{picto_name},,4,2,2,{total},EUR,100.0,50.0",
            f"partner,{vidz},Vidz,,2,1,0,0.00,EUR,0.0,0.0",
            *sorted(
                [
                    f"campaign,{picto},{picto_name},spring,3,2,1,{_eur(first)},EUR,50.0,33.3",
                    f"campaign,{picto},{picto_name},,0,0,1,{_eur(second)},EUR,,",
                ],
                key=lambda line: -int(line.split(",")[7].replace(".", "")),
            ),
            f"campaign,{picto},{picto_name},summer,1,0,0,0.00,EUR,,0.0",
            f"campaign,{vidz},Vidz,spring,2,1,0,0.00,EUR,0.0,0.0",
        ]


async def test_a_reversed_period_is_a_form_error(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_operator(client, container)
    page = await client.get("/admin/reports/channels?start=2026-02-10&end=2026-02-01")
    assert page.status_code == 422
    assert "The period must start on or before its last day." in page.text
    for query in ("start=9999-12-31&end=9999-12-31", "end=0001-01-01"):  # once a 500
        edge = await client.get(f"/admin/reports/channels?{query}")
        assert edge.status_code == 422, query
        assert "Give days within the years 1 to 9999." in edge.text
    default = await client.get("/admin/reports/channels")
    assert default.status_code == 200
    assert default.text.count('data-testid="day-row"') == 30
