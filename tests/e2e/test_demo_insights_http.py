"""The partner kit's Insights page in Picto and Reels, against the platform in process (ASGI
transports by host): the app reads its own report with its client-credentials token and shows
one grouping at a time (the day grouping as a time series), what was suppressed, and the
privacy budget left."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.demo.people import SHOPPING_EVENTS, SHOPPING_SCOPES
from handshake.demo.picto.app import create_picto_app
from handshake.demo.reels.app import create_reels_app
from handshake.entrypoints.http import create_app
from handshake.kernel import clock
from handshake.settings import AttributionSettings, DatabaseSettings, Settings
from tests.attribution_report_helpers import Story, tell_story
from tests.conftest import make_settings
from tests.demo_apps_helpers import base_url, by_testid, register_demo_partner
from tests.linking_helpers import FROZEN_START, row_count

PLATFORM_PORT, PICTO_PORT, REELS_PORT = 18000, 18001, 18002  # names only: no socket is opened
STORE, PICTO, REELS = base_url(PLATFORM_PORT), base_url(PICTO_PORT), base_url(REELS_PORT)
NOISY = AttributionSettings(
    privacy_noise=True, privacy_budget_epsilon=0.2, privacy_epsilon_per_report=0.1
)


@pytest.fixture
def settings(database_settings: DatabaseSettings, request: pytest.FixtureRequest) -> Settings:
    """Test settings; an ``indirect`` parameter is the attribution section."""
    section = getattr(request, "param", None) or AttributionSettings()
    return make_settings(database_settings, attribution=section)


class Hosts(httpx.AsyncBaseTransport):
    """Each request to the ASGI app of its host; a host without an app is away."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.transports = {url: httpx.ASGITransport(app=app) for url, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Hand the request to its host's app."""
        url = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if url not in self.transports:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.transports[url].handle_async_request(request)


@dataclass
class Stage:
    """A browser on Picto and Reels (both registered partners) and the story of their ads."""

    browser: httpx.AsyncClient
    story: Story
    picto_partner: str

    async def insights(self, app_url: str = PICTO, **params: str) -> httpx.Response:
        """The Insights page of an app over the story's days."""
        window = {"start": self.story.first_day.isoformat(),
                  "end": self.story.small_day.isoformat()}  # fmt: skip
        return await self.browser.get(f"{app_url}/insights", params={**window, **params})


async def _register(container: Container, kind: str, port: int, name: str) -> Any:
    return await register_demo_partner(
        container, kind=kind, port=port, platform_port=PLATFORM_PORT, scopes=SHOPPING_SCOPES,
        events=list(SHOPPING_EVENTS), name=name,
    )  # fmt: skip


@pytest.fixture
async def stage(container: Container) -> AsyncIterator[Stage]:
    """The platform (no worker), Picto and Reels; Picto's ads told by ``tell_story`` (Reels'
    partner is its "other partner")."""
    with clock.frozen_at(FROZEN_START):
        picto = await _register(container, "social", PICTO_PORT, "Picto")
        reels = await _register(container, "video", REELS_PORT, "Reels")
        story = await tell_story(container, picto.partner_id, reels.partner_id)
        platform = create_app(container=container, run_worker=False)
        to_store = httpx.AsyncClient(transport=Hosts({STORE: platform}))
        apps = {STORE: platform, PICTO: create_picto_app(picto.config, http=to_store),
                REELS: create_reels_app(reels.config, http=to_store)}  # fmt: skip
        async with to_store, httpx.AsyncClient(transport=Hosts(apps)) as browser:
            yield Stage(browser, story, picto.partner_id)


def _cells(html: str, testid: str) -> list[list[str]]:
    """The text of each cell of the rows carrying ``testid``."""
    rows = re.findall(rf'<tr data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    return [[re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r,
                                                                 re.S)] for r in rows]  # fmt: skip


SPRING_CELLS = ["100", "60", "60.0 %", "30", "22", "36.7 %", "1040.00 EUR", "47.27 EUR",
                "10 / 12", "20 / 2", "0 (0.0 %)", "104.00 EUR"]  # fmt: skip


async def test_the_insights_page_shows_the_shown_rows_and_explains_the_suppressed(
    stage: Stage, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        page = await stage.insights(group_by="campaign")
        by_creative = await stage.insights(group_by="creative")
        by_channel = await stage.insights(group_by="channel")

    assert page.status_code == 200, page.text
    assert _cells(by_creative.text, "insight-row") == [["spring · c1", *SPRING_CELLS]]
    assert _cells(by_channel.text, "insight-row") == [["Feed ad", *SPRING_CELLS]]
    html = page.text
    assert by_testid(html, "nav-insights") == ['<a href="/insights" data-testid="nav-insights">']
    assert _cells(html, "insight-row") == [["spring", *SPRING_CELLS]]
    assert _cells(html, "insight-total") == [["Shown rows together", *SPRING_CELLS]]
    # One grouping per page: no channel comparison, no day series beside the rows.
    assert _cells(html, "insight-channel") == _cells(html, "insight-day") == []
    assert 'data-testid="day-chart"' not in html
    note = _note(html)
    assert note.startswith("1 row not shown: fewer than 50 shoppers.")
    assert "the totals add up the rows shown only" in note
    assert "Exact figures: the store adds no privacy noise." in html
    assert "small" not in html
    assert not any(shopper in html for shopper in stage.story.shopper_ids)
    assert '<option value="campaign" selected>' in html
    # Links to every grouping, keeping the period and the model.
    start, end = stage.story.first_day.isoformat(), stage.story.small_day.isoformat()
    assert by_testid(html, "grouping-day") == [
        f'<a href="/insights?start={start}&amp;end={end}&amp;model=last_click&amp;group_by=day"'
        ' data-testid="grouping-day">'
    ]
    assert 'data-testid="grouping-campaign" aria-current="page"' in html
    assert await row_count(container, "privacy_spends") == 0


async def test_the_day_view_is_a_time_series_with_the_hidden_days_marked(stage: Stage) -> None:
    story = stage.story
    with clock.frozen_at(FROZEN_START):
        page = await stage.insights(group_by="day")

    assert page.status_code == 200, page.text
    html = page.text
    assert _cells(html, "insight-row") == [[story.busy_day.isoformat(), *SPRING_CELLS]]
    assert _cells(html, "insight-hidden-day") == [
        [story.first_day.isoformat(), "Hidden: fewer than 50 shoppers"],
        [story.small_day.isoformat(), "Hidden: fewer than 50 shoppers"],
    ]
    days = re.findall(r'<tr data-testid="insight-(?:row|hidden-day)" data-day="([^"]+)"', html)
    assert days == [story.first_day.isoformat(), story.busy_day.isoformat(),
                    story.small_day.isoformat()]  # fmt: skip
    assert _cells(html, "insight-total") == [["Shown days together", *SPRING_CELLS]]
    # The chart: a bar for the busy day (the busiest: full height), flat marks for the others.
    bars = re.findall(r'<rect class="(bar|hidden-day)" x="([\d.]+)" y="(\d+)" width="([\d.]+)" '
                      r'height="(\d+)" data-day="([^"]+)"', html)  # fmt: skip
    assert bars == [
        ("hidden-day", "30.0", "117", "140.0", "3", story.first_day.isoformat()),
        ("bar", "230.0", "0", "140.0", "120", story.busy_day.isoformat()),
        ("hidden-day", "430.0", "117", "140.0", "3", story.small_day.isoformat()),
    ]
    assert f"<title>{story.busy_day.isoformat()}: 22 orders</title>" in html
    assert _note(html).startswith("2 days not shown: fewer than 50 shoppers.")
    assert '<option value="day" selected>' in html
    assert "small" not in html


def _note(html: str) -> str:
    found = re.search(r'data-testid="suppressed-note">(.*?)</p>', html, re.S)
    assert found is not None, html
    return re.sub(r"\s+", " ", found.group(1)).strip()


async def test_reels_shows_its_own_report_only(stage: Stage) -> None:
    with clock.frozen_at(FROZEN_START):
        page = await stage.insights(REELS, group_by="campaign")

    assert page.status_code == 200
    assert by_testid(page.text, "nav-insights") == [
        '<a href="/insights" data-testid="nav-insights">'
    ]
    [row] = _cells(page.text, "insight-row")
    assert row[:2] == ["spring", "0"]  # Reels' own 55 clickers: no impressions reported
    assert row[5] == "5"  # its 5 orders, none of Picto's 22
    assert "Every row had at least 50 shoppers" in page.text


async def test_refused_options_and_an_absent_store_are_explained(
    stage: Stage, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        bad = await stage.insights(group_by="partner")
        picto = create_picto_app((await _register(container, "social", 18003, "Away")).config,
                                 http=httpx.AsyncClient(transport=Hosts({})))  # fmt: skip
        async with httpx.AsyncClient(transport=Hosts({PICTO: picto})) as browser:
            away = await browser.get(f"{PICTO}/insights")

    assert bad.status_code == 422
    assert "The store refused these options: group_by must be one of" in bad.text
    assert by_testid(bad.text, "insight-row") == []
    assert away.status_code == 503
    assert "The store is not answering right now" in away.text


@pytest.mark.parametrize("settings", [NOISY], indirect=True)
async def test_the_page_shows_the_budget_left_then_that_it_is_spent(
    stage: Stage, container: Container
) -> None:
    with clock.frozen_at(FROZEN_START):
        first = await stage.insights(group_by="campaign")
        second = await stage.insights()
        spent = await stage.insights()

    assert first.status_code == second.status_code == 200
    budget = by_testid_text(first.text, "privacy-budget")
    assert "ε 0.1 left of 0.2 until 2029-03-22" in budget
    assert "Noisy: orders (Laplace scale 100), revenue (Laplace scale 1e+06), member" in budget
    assert "ε 0.0 left" in by_testid_text(second.text, "privacy-budget")
    assert spent.status_code == 429
    assert "Your privacy budget is spent: the store answers no report until 2029-03-22." in (
        spent.text
    )
    assert await row_count(container, "privacy_spends") == 2


def by_testid_text(html: str, testid: str) -> str:
    """The text inside the first element carrying ``data-testid="<testid>"``."""
    found = re.search(rf'data-testid="{re.escape(testid)}"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None, html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()
