"""Partner API of a partner's own performance (``/partner/v1/reports/performance``).

The app's client-credentials token with the ``offers`` scope; a shopper's token is refused
(``client_credentials_required``: no shopper consented to it). Aggregates only, one grouping per
report (``group_by``: channel, campaign, creative or day): its rows with fewer than
``attribution.partner_min_shoppers`` distinct shoppers are suppressed (counted, never shown),
and the totals add up the rows shown, so nothing in one answer reveals a suppressed row.
Differencing two reports (a campaign report minus a creative report) is not prevented by the
threshold alone: with ``attribution.privacy_noise`` every report is noisy and spends from the
partner's privacy budget, and none is answered once it is spent (429
``privacy_budget_exhausted`` until it renews).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from handshake.attribution import partner_rendering, privacy
from handshake.attribution.errors import InvalidReportOption, InvalidReportPeriod
from handshake.attribution.models import AttributionModel
from handshake.attribution.partner_report_schemas import PartnerReportOut
from handshake.attribution.performance import Grouping
from handshake.attribution.report_periods import report_period
from handshake.attribution.reports import ReportRequest
from handshake.linking.deps import require_scopes
from handshake.linking.errors import AppTokenRequired
from handshake.linking.service import PartnerAccess
from handshake.web.deps import ReadUow, WriteUow, built_once
from handshake.web.routing import DomainRouter

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, expired or revoked access token", **PROBLEM},
    403: {"description": "client_credentials_required or insufficient_scope", **PROBLEM},
    422: {"description": "invalid_report_period or invalid_report_option", **PROBLEM},
    429: {"description": "privacy_budget_exhausted (Retry-After: when it renews)", **PROBLEM},
}
MODELS = tuple(m.value for m in AttributionModel)
GROUPINGS = tuple(g.value for g in (Grouping.CHANNEL, Grouping.CAMPAIGN, Grouping.CREATIVE,
                                     Grouping.DAY))  # fmt: skip
Day = Annotated[str | None, Query(json_schema_extra={"format": "date"})]
ModelQuery = Annotated[
    str,
    Query(description="last_click, or view_through (also credits the last view or impression).",
          json_schema_extra={"enum": list(MODELS)}),
]  # fmt: skip
GroupQuery = Annotated[
    str,
    Query(description="What a row is (one grouping per report; day: a time series).",
          json_schema_extra={"enum": list(GROUPINGS)}),
]  # fmt: skip
router = DomainRouter(prefix="/partner/v1/reports", tags=["partner", "attribution"],
                      responses=ERRORS)  # fmt: skip


async def report_access(
    access: Annotated[PartnerAccess, Depends(require_scopes("offers", shopper=False))],
) -> PartnerAccess:
    """The app's own access; a shopper's token is refused."""
    if access.shopper_id is not None:
        raise AppTokenRequired("Ask for your reports with your app's client-credentials token.")
    return access


ReportAccess = Annotated[PartnerAccess, Depends(report_access)]


async def release_policy(request: Request) -> privacy.ReleasePolicy:
    """The app's release policy, built once per application."""
    return built_once(request, "partner_release_policy", privacy.ReleasePolicy.from_settings)


Policy = Annotated[privacy.ReleasePolicy, Depends(release_policy)]


def _day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidReportPeriod(f"{name} must be a day, like 2025-01-31.") from None


def asked_report(start: str | None, end: str | None, model: str, group_by: str) -> ReportRequest:
    """The report the query asks for (422 problems for a bad period or option)."""
    period = report_period(_day("start", start), _day("end", end))
    for name, value, allowed in (("model", model, MODELS), ("group_by", group_by, GROUPINGS)):
        if value not in allowed:
            raise InvalidReportOption(
                f"{name} must be one of {', '.join(allowed)}.",
                extra={"field": name, "allowed": list(allowed)},
            )
    return ReportRequest(period, AttributionModel(model), Grouping(group_by))


async def _released(
    access: PartnerAccess, uow: WriteUow, reader: ReadUow, policy: privacy.ReleasePolicy,
    asked: ReportRequest,
) -> privacy.ReleasedReport:  # fmt: skip
    return await privacy.partner_performance(
        uow=uow, read_uow=reader, partner_id=access.partner_id, request=asked, policy=policy
    )


@router.get(
    "/performance",
    summary="Your performance per channel, campaign, creative or day (aggregates only)",
    response_model=PartnerReportOut,
)
async def performance(
    access: ReportAccess, uow: WriteUow, reader: ReadUow, policy: Policy, start: Day = None,
    end: Day = None, model: ModelQuery = "last_click", group_by: GroupQuery = "channel",
) -> PartnerReportOut:  # fmt: skip
    """Impressions to commission over whole UTC days (default: the last 30), orders credited
    under ``model``, one row per ``group_by`` (channel, campaign, creative or day) with at
    least ``min_shoppers`` distinct shoppers; the others are counted, never shown, and the
    totals add up the rows shown only. The threshold protects one answer, not the difference
    of two (a campaign report minus a creative report): the store's optional privacy noise,
    paid from your privacy budget, is what protects against that."""
    asked = asked_report(start, end, model, group_by)
    return partner_rendering.report_out(await _released(access, uow, reader, policy, asked))


@router.get(
    "/performance.csv",
    summary="The same report as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def performance_csv(
    access: ReportAccess, uow: WriteUow, reader: ReadUow, policy: Policy, start: Day = None,
    end: Day = None, model: ModelQuery = "last_click", group_by: GroupQuery = "channel",
) -> Response:  # fmt: skip
    """A line per row (by day: per day, a suppressed one without figures) and the total (a
    noisy report spends its own ε: the CSV is another release)."""
    asked = asked_report(start, end, model, group_by)
    released = await _released(access, uow, reader, policy, asked)
    name = f"performance-{asked.period.start.isoformat()}-{asked.period.end.isoformat()}.csv"
    return Response(
        partner_rendering.report_csv(released), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip
