"""Smoke: a click reported by the partner, an order carrying its click id, the report."""

from __future__ import annotations

from datetime import timedelta

import httpx

from handshake.attribution import attributing, reports
from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import CommissionRates, Grouping
from handshake.attribution.report_periods import report_period
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.attribution_helpers import make_worker
from tests.checkout_helpers import checkout_shopper, complete, create_session, prepared_catalog

SKU = "ACM-X1-WHT"


async def test_an_order_with_a_click_id_is_credited_to_the_click(
    app: object, client: httpx.AsyncClient, container: Container
) -> None:
    await prepared_catalog(container)
    linked = await checkout_shopper(app, container)
    sent = await client.post(
        "/partner/v1/events",
        json={"events": [
            {"event_id": "i1", "type": "impression", "occurred_at": _ago(3), "sku": SKU,
             "campaign_id": "spring", "creative_id": "c1"},
            {"event_id": "k1", "type": "click", "occurred_at": _ago(2), "sku": SKU,
             "campaign_id": "spring", "creative_id": "c1"},
        ]},
        headers=linked.headers,
    )  # fmt: skip
    assert sent.status_code == 202, sent.text
    click_id = sent.json()["clicks"][0]["click_id"]
    await make_worker(container).run_once()
    session = (await create_session(client, linked, [(SKU, 1)], click_id=click_id)).json()
    order = (await complete(client, linked, session)).json()["order"]
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    assert await attributing.catch_up(uow_factory=container.uow, policy=policy) == 1
    report = await reports.performance_report(
        uow=container.read_uow(),
        request=reports.ReportRequest(
            period=report_period(), model=AttributionModel.LAST_CLICK, grouping=Grouping.CREATIVE
        ),
        rates=CommissionRates(1000),
    )
    [row] = report.rows
    assert (row.partner_id, row.campaign_id, row.creative_id) == (
        linked.app.partner_id,
        "spring",
        "c1",
    )
    f = row.figures
    assert (f.impressions, f.clicks, f.orders) == (1, 1, 1)
    assert f.revenue_minor == order["totals"]["total_minor"]
    assert f.commission_minor == round(order["totals"]["total_minor"] / 10)
    assert (f.new_customer_orders, f.cannibalised_orders) == (1, 0)
    assert report.organic.orders == 0


def _ago(minutes: int) -> str:
    return (clock.now() - timedelta(minutes=minutes)).isoformat()
