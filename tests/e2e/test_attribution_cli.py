"""``handshake attribution rebuild`` and ``catch-up`` against a real SQLite file."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from handshake.attribution import cli, service
from handshake.attribution.cli import app
from handshake.bootstrap import Container, domain_packages
from handshake.entrypoints.http import create_app
from handshake.kernel import clock
from handshake.partners.kinds import PartnerKind
from tests.attribution_helpers import event, make_variants, make_worker
from tests.checkout_helpers import checkout_shopper, complete, create_session, prepared_catalog
from tests.cli_helpers import cli_runtime
from tests.linking_helpers import FROZEN_START, register_app, row_count

runner = CliRunner()
SKU = "ACM-X1-WHT"


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console as wide as a real terminal, so messages are not wrapped."""
    monkeypatch.setattr(cli.console, "width", 220)


@pytest.fixture
def frozen_clock() -> Iterator[None]:
    """A fixed now, so the events' day is known (and never crosses midnight mid-test)."""
    with clock.frozen_at(FROZEN_START):
        yield


def _stored_events(container: Container) -> None:
    """Two impressions and a click of one partner, stored by the worker a minute ago."""

    async def setup() -> None:
        await make_variants(container)
        partner = await register_app(container)
        await service.accept_events(
            uow=container.uow(),
            policy=service.EventPolicy.from_settings(container.settings),
            source=service.EventSource(partner.partner_id, PartnerKind.SOCIAL),
            events=[event("i1"), event("i2", creative_id="c1"), event("k1", "click")],
        )
        await make_worker(container).run_until_idle()

    asyncio.run(setup())


def _rollups(container: Container) -> list[tuple[object, ...]]:
    async def read() -> list[tuple[object, ...]]:
        async with container.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT day, campaign_id, creative_id, impressions, clicks FROM ad_event_days"
                    " ORDER BY creative_id"
                )
            )
            return [tuple(row) for row in rows]

    return asyncio.run(read())


def _wipe_rollups(container: Container) -> None:
    async def wipe() -> None:
        async with container.engine.begin() as connection:
            await connection.execute(text("DELETE FROM ad_event_days"))

    asyncio.run(wipe())


@pytest.mark.usefixtures("frozen_clock")
def test_rebuild_recounts_the_days_from_the_stored_events(sqlite_container: Container) -> None:
    _stored_events(sqlite_container)
    kept = _rollups(sqlite_container)
    day = "2029-03-01"
    assert kept == [(day, "spring", "", 1, 1), (day, "spring", "c1", 1, 0)]
    _wipe_rollups(sqlite_container)

    result = runner.invoke(
        app, ["rebuild", "--start", day, "--end", day], obj=cli_runtime(sqlite_container)
    )

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Rebuilt 1 day(s) from {day} to {day}: 3 event(s) in 2 daily cell row(s),"
        " 0 engaged shopper row(s) (replacing 0 and 0)."
    )
    assert _rollups(sqlite_container) == kept


@pytest.mark.usefixtures("frozen_clock")
def test_rebuild_refuses_a_bad_range_and_keeps_the_rollups(sqlite_container: Container) -> None:
    _stored_events(sqlite_container)
    kept = _rollups(sqlite_container)
    runtime = cli_runtime(sqlite_container)

    backwards = runner.invoke(
        app, ["rebuild", "--start", "2029-03-02", "--end", "2029-03-01"], obj=runtime
    )
    too_long = runner.invoke(
        app, ["rebuild", "--start", "2028-01-01", "--end", "2029-12-31"], obj=runtime
    )
    not_a_day = runner.invoke(
        app, ["rebuild", "--start", "01/03/2029", "--end", "2029-03-01"], obj=runtime
    )

    assert backwards.exit_code == 1
    assert "Error (invalid_rebuild_range): The range must start on or before its last day" in (
        backwards.output
    )
    assert too_long.exit_code == 1
    assert "Error (invalid_rebuild_range): A rebuild covers at most 366 days" in too_long.output
    assert not_a_day.exit_code == 2
    assert "--start" in not_a_day.output
    assert _rollups(sqlite_container) == kept


def _order_with_a_click(container: Container) -> None:
    """A linked shopper's click, then an order carrying its click id (not attributed yet)."""

    async def setup() -> None:
        web = create_app(container=container, run_worker=False)
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await prepared_catalog(container)
            linked = await checkout_shopper(web, container)
            sent = await client.post(
                "/partner/v1/events",
                json={"events": [event("k1", "click", sku=SKU)]},
                headers=linked.headers,
            )
            assert sent.status_code == 202, sent.text
            await make_worker(container).run_until_idle()
            click_id = sent.json()["clicks"][0]["click_id"]
            created = await create_session(client, linked, [(SKU, 1)], click_id=click_id)
            done = await complete(client, linked, created.json())
            assert done.status_code == 201, done.text

    asyncio.run(setup())


def test_catch_up_attributes_the_orders_left_behind_once(sqlite_container: Container) -> None:
    _order_with_a_click(sqlite_container)
    assert asyncio.run(row_count(sqlite_container, "order_insights")) == 0
    runtime = cli_runtime(sqlite_container)

    first = runner.invoke(app, ["catch-up"], obj=runtime)
    again = runner.invoke(app, ["catch-up"], obj=runtime)

    assert first.exit_code == 0, first.output
    assert first.output.strip() == "Attributed 1 order(s)."
    assert again.output.strip() == "Attributed 0 order(s)."
    assert asyncio.run(row_count(sqlite_container, "order_insights")) == 1
    assert asyncio.run(row_count(sqlite_container, "order_touches")) == 2  # one per model


def test_the_attribution_commands_are_registered_on_the_handshake_command() -> None:
    assert "handshake.attribution" in domain_packages()
    assert importlib.import_module("handshake.attribution.cli").commands == {"attribution": app}

    result = runner.invoke(app, ["--help"])

    assert result.exit_code == 0
    assert "rebuild" in result.output
    assert "catch-up" in result.output
