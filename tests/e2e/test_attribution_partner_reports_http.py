"""A partner's own performance report over HTTP: one grouping per answer (channel, campaign,
creative or day), aggregates of its rows with 50 shoppers or more, the rest counted and never
shown, no subtraction within an answer recovering a withheld row, nothing of another partner,
the app's own token only, bad parameters refused, and (with noise) a privacy budget that
refuses reports once spent."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from handshake.attribution import reports
from handshake.attribution.partner_rendering import figures_out
from handshake.attribution.performance import CommissionRates, Figures, Grouping
from handshake.attribution.report_periods import report_period
from handshake.bootstrap import Container
from handshake.kernel import clock
from handshake.settings import AttributionSettings, DatabaseSettings, Settings
from tests.attribution_report_helpers import Story, tell_shared_story, tell_story
from tests.conftest import make_settings
from tests.linking_helpers import (
    FROZEN_START,
    PartnerApp,
    bearer,
    link_tokens,
    register_app,
    row_count,
)
from tests.offers_helpers import client_credentials_token
from tests.shop_helpers import ready_shopper

REPORT = "/partner/v1/reports/performance"
NOISY = AttributionSettings(
    privacy_noise=True, privacy_budget_epsilon=0.3, privacy_epsilon_per_report=0.1
)
SPRING = {
    "impressions": 100, "views": 0, "clicks": 60, "ctr_percent": 60.0, "add_to_carts": 30,
    "orders": 22, "conversion_percent": 36.7, "revenue_minor": 104000,
    "average_basket_minor": 4727, "member_orders": 10, "non_member_orders": 12,
    "new_customer_orders": 20, "existing_customer_orders": 2, "cannibalised_orders": 0,
    "cannibalisation_percent": 0.0, "commission_minor": 10400,
}  # fmt: skip
SPRING_CSV = "100,0,60,60.0,30,22,36.7,104000,4727,10,12,20,2,0,0.0,10400"
ANSWER_KEYS = {"period", "model", "group_by", "currency", "min_shoppers", "suppressed_rows",
               "rows", "suppressed_days", "totals", "noise"}  # fmt: skip


@pytest.fixture
def settings(database_settings: DatabaseSettings, request: pytest.FixtureRequest) -> Settings:
    """Test settings; an ``indirect`` parameter is the attribution section."""
    return make_settings(database_settings, attribution=getattr(request, "param", None)
                         or AttributionSettings())  # fmt: skip


async def _partners(client: httpx.AsyncClient, container: Container) -> tuple[Any, ...]:
    a, b = await register_app(container, name="Alpha"), await register_app(container, name="Beta")
    story = await tell_story(container, a.partner_id, b.partner_id)
    return a, b, story, bearer(await client_credentials_token(client, a))


def _window(story: Story, **params: str) -> dict[str, str]:
    return {"start": story.first_day.isoformat(), "end": story.small_day.isoformat(), **params}


async def test_a_partner_sees_only_rows_of_50_shoppers_and_counts_the_others(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, _, story, headers = await _partners(client, container)

    answer = await client.get(REPORT, params=_window(story, group_by="campaign"), headers=headers)

    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert set(report) == ANSWER_KEYS  # one partition: no channel comparison, no day series
    assert report["period"] == {"start": story.first_day.isoformat(),
                                "end": story.small_day.isoformat()}  # fmt: skip
    assert (report["model"], report["group_by"], report["currency"]) == (
        "last_click", "campaign", "EUR",
    )  # fmt: skip
    assert (report["min_shoppers"], report["suppressed_rows"]) == (50, 1)
    assert report["rows"] == [
        {"channel": None, "campaign_id": "spring", "creative_id": None, "day": None,
         "figures": SPRING}
    ]  # fmt: skip
    assert report["totals"] == SPRING
    assert report["suppressed_days"] == []
    assert report["noise"] is None
    assert not any(shopper in answer.text for shopper in story.shopper_ids)
    assert "shoppers" not in answer.text.replace("min_shoppers", "")
    assert await row_count(container, "privacy_spends") == 0


async def test_each_grouping_and_the_csv_hold_the_same_figures(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, _, story, headers = await _partners(client, container)

    by_creative = await client.get(
        REPORT, params=_window(story, group_by="creative", model="view_through"), headers=headers
    )
    by_channel = await client.get(REPORT, params=_window(story), headers=headers)
    by_day = await client.get(REPORT, params=_window(story, group_by="day"), headers=headers)
    csv = await client.get(f"{REPORT}.csv", params=_window(story, group_by="campaign"),
                           headers=headers)  # fmt: skip

    assert by_creative.json()["model"] == "view_through"
    assert [(r["campaign_id"], r["creative_id"], r["figures"]) for r in by_creative.json()["rows"]
            ] == [("spring", "c1", SPRING)]  # fmt: skip
    assert by_creative.json()["suppressed_rows"] == 1
    channel = by_channel.json()
    assert (channel["group_by"], channel["suppressed_rows"]) == ("channel", 1)  # video hidden
    assert channel["rows"] == [{"channel": "feed_ad", "campaign_id": None, "creative_id": None,
                                "day": None, "figures": SPRING}]  # fmt: skip
    day = by_day.json()
    assert set(day) == ANSWER_KEYS
    assert day["group_by"] == "day"
    # Only the busy day has 50 shoppers; the others are listed as bare dates.
    assert day["rows"] == [{"channel": None, "campaign_id": None, "creative_id": None,
                            "day": story.busy_day.isoformat(), "figures": SPRING}]  # fmt: skip
    assert day["suppressed_days"] == [story.first_day.isoformat(), story.small_day.isoformat()]
    assert (day["suppressed_rows"], day["totals"]) == (2, SPRING)
    assert (csv.status_code, csv.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    lines = csv.text.splitlines()
    assert lines[0].startswith("line,channel,campaign_id,creative_id,day,suppressed,impressions,")
    assert lines[1:] == [f"row,,spring,,,false,{SPRING_CSV},EUR",
                         f"total,,,,,false,{SPRING_CSV},EUR"]  # fmt: skip


async def test_the_day_csv_lists_every_day_the_hidden_ones_without_figures(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, _, story, headers = await _partners(client, container)

    csv = await client.get(f"{REPORT}.csv", params=_window(story, group_by="day"), headers=headers)

    assert csv.status_code == 200
    assert csv.text.splitlines()[1:] == [
        f"row,,,,{story.first_day.isoformat()},true" + "," * 16 + ",EUR",
        f"row,,,,{story.busy_day.isoformat()},false,{SPRING_CSV},EUR",
        f"row,,,,{story.small_day.isoformat()},true" + "," * 16 + ",EUR",
        f"total,,,,,false,{SPRING_CSV},EUR",
    ]


async def test_another_partner_sees_its_own_figures_only(
    client: httpx.AsyncClient, container: Container
) -> None:
    _, b, story, _ = await _partners(client, container)
    headers = bearer(await client_credentials_token(client, b))

    answer = await client.get(REPORT, params=_window(story, group_by="campaign"), headers=headers)
    by_day = await client.get(REPORT, params=_window(story, group_by="day"), headers=headers)

    report = answer.json()
    [row] = report["rows"]
    f = row["figures"]
    assert (row["campaign_id"], f["impressions"], f["clicks"], f["orders"]) == ("spring", 0, 55, 5)
    assert (f["revenue_minor"], f["commission_minor"], f["new_customer_orders"]) == (20000, 2000, 5)
    assert report["suppressed_rows"] == 0
    [day] = by_day.json()["rows"]
    assert (day["day"], day["figures"]) == (story.busy_day.isoformat(), f)
    assert by_day.json()["suppressed_days"] == [story.first_day.isoformat(),
                                                story.small_day.isoformat()]  # fmt: skip


# The figures a subtraction could isolate: those the partner reports as counts.
COUNTS = ("impressions", "views", "clicks", "add_to_carts", "orders", "revenue_minor",
          "member_orders", "non_member_orders", "new_customer_orders",
          "existing_customer_orders", "cannibalised_orders", "commission_minor")  # fmt: skip


def _counts(figures: dict[str, Any]) -> tuple[int, ...]:
    return tuple(figures[name] for name in COUNTS)


async def test_no_subtraction_within_one_answer_recovers_a_withheld_campaign(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The hole this guards: rows with a small campaign withheld, beside a channel comparison
    and a day series counting it (channel minus shown campaigns = the withheld campaign)."""
    app = await register_app(container, name="Alpha")
    story = await tell_shared_story(container, app.partner_id)
    headers = bearer(await client_credentials_token(client, app))
    exact = await reports.performance_report(
        uow=container.read_uow(), rates=CommissionRates(1000), request=reports.ReportRequest(
            report_period(story.first_day, story.busy_day), grouping=Grouping.CAMPAIGN),
    )  # fmt: skip
    by_campaign = {row.campaign_id: row.figures for row in exact.rows}
    spring, tiny = by_campaign["spring"], by_campaign["tiny"]
    # What the operator sees of the withheld campaign: 5 clicks, 2 orders, 140.00.
    assert (tiny.clicks, tiny.orders, tiny.revenue_minor, tiny.member_orders) == (5, 2, 14000, 1)
    both = Figures(**vars(spring))
    both.add(tiny)
    params = {"start": story.first_day.isoformat(), "end": story.busy_day.isoformat()}
    # The row holding the campaign's orders per grouping: with "spring" where they share it.
    expected = {"channel": (both, 0), "campaign": (spring, 1), "creative": (spring, 1),
                "day": (both, 1)}  # fmt: skip

    for group_by, (shown, withheld) in expected.items():
        answer = await client.get(REPORT, params={**params, "group_by": group_by},
                                  headers=headers)  # fmt: skip
        csv = await client.get(f"{REPORT}.csv", params={**params, "group_by": group_by},
                               headers=headers)  # fmt: skip

        report = answer.json()
        assert set(report) == ANSWER_KEYS, group_by
        rows = [row["figures"] for row in report["rows"]]
        released = [_counts(f) for f in (*rows, report["totals"])]
        assert [_counts(f) for f in rows] == [_counts(figures_out(shown).model_dump())]
        assert report["suppressed_rows"] == withheld  # by day: the empty first day
        # The totals add up the rows shown, and nothing else is released.
        assert tuple(map(sum, zip(*map(_counts, rows), strict=True))) == released[-1]
        # No sum or difference of released figures is the withheld campaign's.
        hidden = _counts(figures_out(tiny).model_dump())
        for signs in itertools.product((-1, 0, 1), repeat=len(released)):
            combined = tuple(sum(s * v for s, v in zip(signs, column, strict=True))
                             for column in zip(*released, strict=True))  # fmt: skip
            assert combined != hidden, (group_by, signs)
        assert [line.split(",")[0] for line in csv.text.splitlines()[1:]] == (
            ["row"] * (2 if group_by == "day" else 1) + ["total"]
        )


async def test_a_shopper_token_or_none_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    await ready_shopper(client, container)
    app = await register_app(container, name="Linked")
    tokens = await link_tokens(client, app, scope="profile offers")

    shopper = await client.get(REPORT, headers=bearer(tokens["access_token"]))
    anonymous = await client.get(f"{REPORT}.csv")
    no_scope = await client.get(REPORT, headers=bearer(
        await client_credentials_token(client, app, scope="profile")))  # fmt: skip

    assert (shopper.status_code, shopper.json()["code"]) == (403, "client_credentials_required")
    assert shopper.headers["content-type"] == "application/problem+json"
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "invalid_token")
    assert (no_scope.status_code, no_scope.json()["code"]) == (403, "insufficient_scope")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2025-02-10", "end": "2025-02-01"}, "invalid_report_period"),
        ({"start": "yesterday"}, "invalid_report_period"),
        ({"end": "2025-02-30"}, "invalid_report_period"),
        ({"start": "2024-01-01", "end": "2025-02-01"}, "invalid_report_period"),
        ({"model": "first_click"}, "invalid_report_option"),
        ({"group_by": "partner"}, "invalid_report_option"),
        ({"group_by": "days"}, "invalid_report_option"),
        ({"group_by": ""}, "invalid_report_option"),
    ],
)
async def test_bad_parameters_are_refused_with_their_code(
    client: httpx.AsyncClient, container: Container, params: dict[str, str], code: str
) -> None:
    app = await register_app(container, name="Alpha")
    headers = bearer(await client_credentials_token(client, app))

    for path in (REPORT, f"{REPORT}.csv"):
        answer = await client.get(path, params=params, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, code), answer.text
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("settings", [NOISY], indirect=True)
async def test_noisy_reports_spend_the_budget_then_are_refused_until_it_renews(
    client: httpx.AsyncClient, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        _, b, story, headers = await _partners(client, container)
        params = _window(story, group_by="campaign")

        first = await client.get(REPORT, params=params, headers=headers)
        second = await client.get(f"{REPORT}.csv", params=params, headers=headers)
        third = await client.get(REPORT, params=_window(story, group_by="day"), headers=headers)
        refused = await client.get(REPORT, params=params, headers=headers)
        refused_csv = await client.get(f"{REPORT}.csv", params=params, headers=headers)
        other = await client.get(REPORT, params=params, headers=bearer(
            await client_credentials_token(client, b)))  # fmt: skip

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert (refused.status_code, refused.json()["code"]) == (429, "privacy_budget_exhausted")
    assert refused_csv.status_code == 429
    renews = _renewal(FROZEN_START, days=30)
    assert refused.json()["renews_on"] == renews.date().isoformat()
    assert refused.headers["Retry-After"] == str(int((renews - FROZEN_START).total_seconds()))
    assert "rows" not in refused.json()
    assert await row_count(container, "privacy_spends") == 4  # 3 of Alpha's, 1 of Beta's
    assert other.status_code == 200
    _assert_noisy(first.json(), left=0.2)
    assert first.json()["rows"][0]["campaign_id"] == "spring"
    _assert_noisy(third.json(), left=0.0)
    assert third.json()["rows"][0]["day"] == story.busy_day.isoformat()
    assert third.json()["suppressed_days"] == [story.first_day.isoformat(),
                                               story.small_day.isoformat()]  # fmt: skip


def _renewal(moment: datetime, *, days: int) -> datetime:
    since_epoch = (moment.date() - date(1970, 1, 1)).days
    renews_on = date(1970, 1, 1) + timedelta(days=(since_epoch // days + 1) * days)
    return datetime(renews_on.year, renews_on.month, renews_on.day, tzinfo=UTC)


def _assert_noisy(report: dict[str, Any], *, left: float) -> None:
    noise = report["noise"]
    renews = _renewal(FROZEN_START, days=30).date()
    assert (noise["epsilon_spent"], noise["budget_epsilon"], noise["budget_left_epsilon"]) == (
        0.1, 0.3, left,
    )  # fmt: skip
    assert (noise["budget_period_start"], noise["budget_renews_on"]) == (
        (renews - timedelta(days=30)).isoformat(), renews.isoformat(),
    )  # fmt: skip
    assert noise["noisy_figures"] == ["orders", "revenue_minor", "member_orders",
                                      "new_customer_orders", "cannibalised_orders"]  # fmt: skip
    assert "commission_minor" in noise["derived_figures"]
    assert (noise["max_orders_per_shopper"], noise["max_revenue_minor_per_shopper"]) == (2, 20000)
    # ε/5 = 0.02 per figure kind; one partition: sensitivity 2 orders (20000 of revenue).
    assert noise["noise_scales"] == {
        "orders": 2 / 0.02, "revenue_minor": 20000 / 0.02, "member_orders": 2 / 0.02,
        "new_customer_orders": 2 / 0.02, "cannibalised_orders": 2 / 0.02,
    }  # fmt: skip
    assert set(report) == ANSWER_KEYS
    assert report["suppressed_rows"] == (2 if report["group_by"] == "day" else 1)
    [row] = report["rows"]
    f = row["figures"]
    assert (f["impressions"], f["clicks"], f["add_to_carts"]) == (100, 60, 30)  # not noisy
    assert min(f["orders"], f["revenue_minor"], f["member_orders"]) >= 0
    for part in ("member_orders", "new_customer_orders", "cannibalised_orders"):
        assert 0 <= f[part] <= f["orders"]
    assert f["commission_minor"] == (f["revenue_minor"] + 5) // 10  # 10 %, half up
    assert f["non_member_orders"] == f["orders"] - f["member_orders"]
    assert report["totals"] == f


async def test_without_noise_no_budget_is_spent(
    client: httpx.AsyncClient, container: Container, settings: Settings
) -> None:
    assert settings.attribution.privacy_noise is False
    app: PartnerApp = await register_app(container, name="Alpha")
    headers = bearer(await client_credentials_token(client, app))

    answers = [await client.get(REPORT, headers=headers) for _ in range(12)]

    assert {a.status_code for a in answers} == {200}
    assert answers[0].json()["rows"] == []
    assert answers[0].json()["suppressed_rows"] == 0
    assert await row_count(container, "privacy_spends") == 0
