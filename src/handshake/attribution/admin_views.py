"""Dashboard pages of attribution: the overview (``/admin``) and the channel performance report.

The report's charts read their figures from a JSON block of the page (no inline script), and
the same figures are in tables; ``/admin/reports/channels.csv`` exports them with the same
query parameters (``start``, ``end``, ``model``, ``group``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.admin_deps import PageOperator
from handshake.attribution import report_csv, report_presentation, reports
from handshake.attribution.errors import InvalidReportOption, InvalidReportPeriod
from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import (
    ROW_KEYS,
    CommissionRates,
    Grouping,
    PerformanceReport,
)
from handshake.attribution.report_periods import report_period
from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.kernel.money import Money
from handshake.partners import service as partners
from handshake.partners.kinds import PartnerStatus
from handshake.settings import Settings
from handshake.web.admin_pages import error_status, render_admin
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter

router = DomainRouter(include_in_schema=False)
REPORT_PATH = "/admin/reports/channels"
TEMPLATE = "attribution/admin/channel_report.html"
QUERY_FIELDS = ("start", "end", "model", "group")
Option = TypeVar("Option", bound=StrEnum)


@router.get("/admin", response_class=HTMLResponse)
async def overview_page(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """Today's orders and revenue, partners and linked shoppers."""
    currency = settings.catalog.default_currency
    today = clock.now().date()
    sales = await reports.performance_report(
        uow=uow,
        request=reports.ReportRequest(period=report_period(today, today), currency=currency),
        rates=CommissionRates.from_settings(settings.attribution),
    )
    active = await partners.list_partners(uow=uow, status=PartnerStatus.ACTIVE)
    context = {
        "operator": operator,
        "orders_today": sales.total.orders,
        "revenue_today": Money(sales.total.revenue_minor, currency),
        "partner_count": len(active),
        "linked_shoppers": await reports.linked_shopper_count(uow=uow),
    }
    return render_admin(request, "attribution/admin/overview.html", context, section="overview")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidReportPeriod("Give days as YYYY-MM-DD.") from None


def _option(kind: type[Option], value: str | None, default: Option, refusal: str) -> Option:
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise InvalidReportOption(refusal, extra={"value": value[:50]}) from None


def report_request(query: Mapping[str, str], currency: str) -> reports.ReportRequest:
    """The report asked for by the page's (or the CSV's) query parameters."""
    model = _option(
        AttributionModel, query.get("model"), AttributionModel.LAST_CLICK,
        "Choose the attribution model last_click or view_through.",
    )  # fmt: skip
    grouping = _option(
        Grouping, query.get("group"), Grouping.PARTNER,
        "Group rows by partner, channel, campaign or creative.",
    )  # fmt: skip
    period = report_period(_day(query.get("start")), _day(query.get("end")))
    return reports.ReportRequest(period=period, model=model, grouping=grouping, currency=currency)


async def _report(request: Request, uow: ReadUow, settings: Settings) -> PerformanceReport:
    asked = report_request(request.query_params, settings.catalog.default_currency)
    return await reports.performance_report(
        uow=uow, request=asked, rates=CommissionRates.from_settings(settings.attribution)
    )


def _values(report: PerformanceReport) -> dict[str, str]:
    """The form's values (and the CSV link's query) of the report shown."""
    return {
        "start": report.period.start.isoformat(), "end": report.period.end.isoformat(),
        "model": report.model.value, "group": report.grouping.value,
    }  # fmt: skip


def _windows(settings: Settings) -> dict[str, int]:
    """The attribution windows the models' explanations mention."""
    section = settings.attribution
    return {"click": section.click_window_days, "view": section.view_window_days}


def _commission_rates(report: PerformanceReport, settings: Settings) -> dict[str, Decimal]:
    """Each partner's commission rate in percent."""
    rates = CommissionRates.from_settings(settings.attribution)
    return {
        row.partner_id: Decimal(rates.rate_bp(row.partner_id)) / 100
        for row in report.partners
        if row.partner_id is not None
    }


def _page_context(report: PerformanceReport, settings: Settings) -> dict[str, Any]:
    values = _values(report)
    return {
        "report": report,
        "values": values,
        "tiles": report_presentation.tiles(report),
        "funnel": report_presentation.funnel(report),
        "chart": report_presentation.chart_data(report),
        "rates": _commission_rates(report, settings),
        "label_span": len(ROW_KEYS[report.grouping]),
        "windows": _windows(settings),
        "csv_url": f"{REPORT_PATH}.csv?{urlencode(values)}",
    }


@router.get(REPORT_PATH, response_class=HTMLResponse)
async def channel_report_page(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> HTMLResponse:
    """Performance per partner, channel, campaign or creative under a model, with charts."""
    try:
        report = await _report(request, uow, settings)
    except DomainError as error:
        typed = {k: request.query_params.get(k, "")[:50] for k in QUERY_FIELDS}
        context = {
            "operator": operator, "error": error.detail, "values": typed, "report": None,
            "windows": _windows(settings),
        }  # fmt: skip
        return render_admin(
            request, TEMPLATE, context, section="report", status_code=error_status(error)
        )
    context = {"operator": operator, **_page_context(report, settings)}
    return render_admin(request, TEMPLATE, context, section="report")


@router.get(f"{REPORT_PATH}.csv")
async def channel_report_csv(
    request: Request, operator: PageOperator, uow: ReadUow, settings: AppSettings
) -> Response:
    """The report as a CSV download (bad parameters: a 422 problem)."""
    report = await _report(request, uow, settings)
    name = report_csv.csv_filename(report)
    return Response(
        content=report_csv.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
