"""A partner app's "Insights": the store's report of the app's own performance.

Partners have no login on the store: their staff read their figures inside their own app, which
asks ``GET /partner/v1/reports/performance`` with its client-credentials token. The store sends
aggregates only, one grouping per report (channel, campaign, creative or day: the page's
selector asks for one at a time): rows of fewer than 50 shoppers come suppressed (counted, never
shown; suppressed days as bare dates) and, with privacy noise on, each report spends from the
app's privacy budget. The day grouping is drawn as a time series: a bar chart of the orders
(server-side SVG: no script) over a table of every day of the period.
The demo apps have no staff accounts, so the page is open; a real app shows it to its staff.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import Response

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import ClientToken, PlatformUnavailable
from handshake.demo.partner_kit.pages import Pages

REPORT_PATH = "/partner/v1/reports/performance"
QUERY_KEYS = ("start", "end", "model", "group_by")
MODELS = {"last_click": "Last click", "view_through": "View-through"}
GROUPINGS = {"channel": "Channel", "campaign": "Campaign", "creative": "Creative", "day": "Day"}
CHANNELS = {"feed_ad": "Feed ad", "video": "Video", "assistant": "Assistant",
            "device_suggestion": "Device suggestion"}  # fmt: skip
# The report's figure names, as the page says them.
FIGURES = {"orders": "orders", "revenue_minor": "revenue", "member_orders": "member orders",
           "new_customer_orders": "new customers' orders",
           "cannibalised_orders": "likely cannibalised orders", "commission_minor": "commission",
           "average_basket_minor": "average basket", "conversion_percent": "conversion",
           "non_member_orders": "non-member orders",
           "existing_customer_orders": "existing customers' orders",
           "cannibalisation_percent": "cannibalisation"}  # fmt: skip
AWAY = "The store is not answering right now; try again in a moment."
CHART_WIDTH, CHART_HEIGHT = 600, 120  # the day chart's drawing area, in SVG units


def _query(request: Request) -> dict[str, str]:
    """The report options of the page's address (others are not passed on)."""
    return {k: v[:40] for k in QUERY_KEYS if (v := request.query_params.get(k, "").strip())}


def _asked(query: dict[str, str], report: dict[str, Any] | None) -> dict[str, str]:
    """The options shown in the form: the report's own, else those asked, else the defaults."""
    asked = {"model": "last_click", "group_by": "channel", **query}
    if report is not None:
        asked |= {"start": report["period"]["start"], "end": report["period"]["end"],
                  "model": report["model"], "group_by": report["group_by"]}  # fmt: skip
    return asked


def day_lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    """By day: every day of the period in date order, each with its row (None: suppressed)."""
    rows = {row["day"]: row for row in report["rows"]}
    return [{"day": day, "row": rows.get(day)}
            for day in sorted([*rows, *report["suppressed_days"]])]  # fmt: skip


def day_chart(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A bar per shown day's orders, scaled to the busiest day; a flat mark for a hidden day."""
    most = max((line["row"]["figures"]["orders"] for line in lines if line["row"]), default=0)
    slot = CHART_WIDTH / max(len(lines), 1)
    bars = []
    for index, line in enumerate(lines):
        orders = line["row"]["figures"]["orders"] if line["row"] else None
        height = round(orders / most * CHART_HEIGHT) if orders and most else 0
        bars.append({
            "day": line["day"], "orders": orders, "x": round(index * slot + slot * 0.15, 1),
            "width": round(slot * 0.7, 1), "y": CHART_HEIGHT - height, "height": height,
        })  # fmt: skip
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "most": most}


def _links(asked: dict[str, str]) -> dict[str, str]:
    """The page's address for each grouping, the other options kept."""
    kept = {k: asked[k] for k in ("start", "end", "model") if asked.get(k)}
    return {value: "/insights?" + urlencode({**kept, "group_by": value}) for value in GROUPINGS}


def _refusal(answer: httpx.Response) -> str:
    try:
        problem = answer.json()
    except ValueError:
        problem = {}
    code = problem.get("code") if isinstance(problem, dict) else None
    if code == "privacy_budget_exhausted":
        renews = problem.get("renews_on", "the next period")
        return f"Your privacy budget is spent: the store answers no report until {renews}."
    if answer.status_code == 422 and isinstance(problem.get("detail"), str):
        return f"The store refused these options: {problem['detail']}"
    return AWAY


class InsightsScreen:
    """The Insights page of a partner app."""

    def __init__(self, http: httpx.AsyncClient, config: PartnerAppConfig, pages: Pages) -> None:
        self.http, self.config, self.pages = http, config, pages
        self.token = ClientToken(http, config, "offers")

    async def report(self, query: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
        """The store's answer: 200 and the report, or a status and what to tell the reader."""
        try:
            token = await self.token.get()
            answer = await self.http.get(
                self.config.platform(REPORT_PATH), params=query,
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
        except (PlatformUnavailable, httpx.HTTPError):
            return 503, AWAY
        if answer.status_code == 200:
            body: dict[str, Any] = answer.json()
            return 200, body
        status = answer.status_code if answer.status_code in (422, 429) else 503
        return status, _refusal(answer)

    async def page(self, request: Request) -> Response:
        """The report's tables, with what was suppressed and the privacy budget left."""
        session = self.pages.sessions.of(request)
        query = _query(request)
        status, found = await self.report(query)
        report = found if isinstance(found, dict) else None
        asked = _asked(query, report)
        lines = day_lines(report) if report and report["group_by"] == "day" else None
        context = {
            "report": report, "error": found if isinstance(found, str) else None,
            "asked": asked, "models": MODELS, "groupings": GROUPINGS, "links": _links(asked),
            "channels": CHANNELS, "figures": FIGURES, "days": lines,
            "chart": day_chart(lines) if lines else None,
        }  # fmt: skip
        return self.pages.render(request, session, "kit/insights.html", context, status)
