"""Dashboard pages of attribution: the overview (``/admin``) and the channel report.

The report's charts read their figures from a JSON block of the page (no inline script), and
the same figures are in tables; ``/admin/reports/channels.csv`` exports them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import PageOperator
from handshake.attribution import channel_report as report_service
from handshake.attribution.errors import InvalidReportPeriod
from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money
from handshake.partners import service as partners
from handshake.partners.kinds import PartnerStatus
from handshake.web.admin_pages import error_status, render_admin
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)
REPORT_PATH = "/admin/reports/channels"


@router.get("/admin", response_class=HTMLResponse)
async def overview_page(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """Today's orders and revenue, partners and linked shoppers."""
    currency = settings.catalog.default_currency
    today = report_service.report_period(clock.now().date(), clock.now().date())
    sales = await report_service.channel_report(uow=uow, period=today, currency=currency)
    active = await partners.list_partners(uow=uow, status=PartnerStatus.ACTIVE)
    context = {
        "operator": operator,
        "orders_today": sales.total.orders,
        "revenue_today": Money(sales.total.revenue_minor, currency),
        "partner_count": len(active),
        "linked_shoppers": await report_service.linked_shopper_count(uow=uow),
    }
    return render_admin(request, "attribution/admin/overview.html", context, section="overview")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidReportPeriod("Give days as YYYY-MM-DD.") from None


async def _report(
    request: Request, uow: ReadUow, settings: AppSettings
) -> report_service.ChannelReport:
    period = report_service.report_period(
        _day(request.query_params.get("start")), _day(request.query_params.get("end"))
    )
    store = templates_of(request).catalogs.gettext(
        templates_of(request).locale_for(request), "Store"
    )
    return await report_service.channel_report(
        uow=uow, period=period, currency=settings.catalog.default_currency, store_name=store
    )


def chart_data(report: report_service.ChannelReport) -> dict[str, Any]:
    """What the charts draw, in major units (the tables show the same figures)."""

    def major(minor: int) -> float:
        return float(Money(minor, report.currency).as_decimal())

    return {
        "currency": report.currency,
        "days": [d.day.isoformat() for d in report.days],
        "orders": [d.orders for d in report.days],
        "revenue": [major(d.revenue_minor) for d in report.days],
        "partners": [r.partner_name for r in report.partners],
        "partner_orders": [r.orders for r in report.partners],
        "partner_revenue": [major(r.revenue_minor) for r in report.partners],
    }


@router.get(REPORT_PATH, response_class=HTMLResponse)
async def channel_report_page(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """Orders, revenue and conversion per partner and campaign, with charts."""
    values = {k: request.query_params.get(k, "") for k in ("start", "end")}
    try:
        report = await _report(request, uow, settings)
    except DomainError as error:
        context = {"operator": operator, "error": error.detail, "values": values, "report": None}
        return render_admin(
            request, "attribution/admin/channel_report.html", context,
            section="report", status_code=error_status(error),
        )  # fmt: skip
    query = f"start={report.period.start.isoformat()}&end={report.period.end.isoformat()}"
    context = {
        "operator": operator,
        "report": report,
        "values": {"start": report.period.start.isoformat(), "end": report.period.end.isoformat()},
        "chart": chart_data(report),
        "csv_url": f"{REPORT_PATH}.csv?{query}",
    }
    return render_admin(request, "attribution/admin/channel_report.html", context, section="report")


@router.get(f"{REPORT_PATH}.csv")
async def channel_report_csv(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> Response:
    """The report as a CSV download."""
    report = await _report(request, uow, settings)
    name = f"channel-report-{report.period.start}-{report.period.end}.csv"
    return Response(
        content=report_service.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
