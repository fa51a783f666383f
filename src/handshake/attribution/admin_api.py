"""Operators' report API (``/api/v1/admin/reports``): the channel performance report as JSON,
with the query parameters of the dashboard page and its CSV export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query

from handshake.accounts.deps import CurrentOperator
from handshake.attribution import reports
from handshake.attribution.models import AttributionModel
from handshake.attribution.performance import CommissionRates, Grouping
from handshake.attribution.report_periods import report_period
from handshake.attribution.report_schemas import PerformanceReportOut
from handshake.web.deps import AppSettings, ReadUow
from handshake.web.routing import DomainRouter

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Operator authentication required", **PROBLEM},
    403: {"description": "Not an operator", **PROBLEM},
    422: {"description": "invalid_report_period or a malformed parameter", **PROBLEM},
}
Start = Annotated[date | None, Query(description="First UTC day (default: 29 days before end).")]
End = Annotated[date | None, Query(description="Last UTC day, included (default: today).")]
Model = Annotated[
    AttributionModel,
    Query(description="last_click, or view_through (also credits the last view or impression)."),
]
Group = Annotated[
    Grouping,
    Query(
        description="What a row is: partner, channel, campaign or creative.",
        json_schema_extra={"enum": ["partner", "channel", "campaign", "creative"]},
    ),
]

router = DomainRouter(prefix="/api/v1/admin/reports", tags=["attribution"], responses=RESPONSES)


@router.get(
    "/performance",
    summary="Orders, revenue, funnel, customers and commission per partner, channel, campaign"
    " or creative",
    response_model=PerformanceReportOut,
)
async def performance(
    operator: CurrentOperator,
    uow: ReadUow,
    settings: AppSettings,
    start: Start = None,
    end: End = None,
    model: Model = AttributionModel.LAST_CLICK,
    group: Group = Grouping.PARTNER,
) -> PerformanceReportOut:
    """Every order of the period in the store's currency: credited rows under ``model``, the
    organic orders, the total, each day, and the commission owed to each partner."""
    rates = CommissionRates.from_settings(settings.attribution)
    asked = reports.ReportRequest(
        period=report_period(start, end), model=model, grouping=group,
        currency=settings.catalog.default_currency,
    )  # fmt: skip
    report = await reports.performance_report(uow=uow, request=asked, rates=rates)
    return PerformanceReportOut.of(report, rates)
