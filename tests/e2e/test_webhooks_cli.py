"""``handshake webhooks …`` commands against a real SQLite database."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from handshake.bootstrap import Container
from handshake.partners import service as partners
from handshake.webhooks import cli, service
from handshake.webhooks.cli import app
from tests.cli_helpers import cli_runtime

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console as wide as a real terminal, so table cells are not cut."""
    monkeypatch.setattr(cli.console, "width", 220)


def _partner_with_event(container: Container) -> tuple[str, str]:
    async def setup() -> tuple[str, str]:
        partner = await partners.create_partner(
            uow=container.uow(), name="Thermo", kind="device_maker", contact_email="d@t.example"
        )
        uow = container.uow()
        async with uow:
            event_id = await service.publish_event(
                uow=uow, partner_id=partner.id, event_type="link.revoked", data={"link": "l1"}
            )
            await uow.commit()
        await partners.add_webhook_endpoint(
            uow=container.uow(),
            partner_id=partner.id,
            url="https://thermo.example/hooks",
            event_types=["link.revoked"],
        )
        return partner.id, event_id

    return asyncio.run(setup())


def test_replay_by_event_then_list_the_queued_delivery(sqlite_container: Container) -> None:
    partner_id, event_id = _partner_with_event(sqlite_container)
    runtime = cli_runtime(sqlite_container)
    empty = runner.invoke(app, ["deliveries", partner_id], obj=runtime)
    assert empty.exit_code == 0, empty.output
    assert "whd_" not in empty.output
    replayed = runner.invoke(app, ["replay", partner_id, "--event", event_id], obj=runtime)
    assert replayed.exit_code == 0, replayed.output
    assert "1 event(s) matched, 1 delivery(ies) queued." in replayed.output
    listed = runner.invoke(app, ["deliveries", partner_id, "--status", "pending"], obj=runtime)
    assert listed.exit_code == 0, listed.output
    assert event_id in listed.output
    assert "replay" in listed.output


def test_replay_by_range_counts_what_it_queued(sqlite_container: Container) -> None:
    partner_id, _ = _partner_with_event(sqlite_container)
    runtime = cli_runtime(sqlite_container)
    args = ["replay", partner_id, "--from", "2000-01-01T00:00:00", "--to", "2100-01-01"]
    result = runner.invoke(app, [*args, "--event-type", "order.created"], obj=runtime)
    assert result.exit_code == 0, result.output
    assert "0 event(s) matched, 0 delivery(ies) queued." in result.output
    result = runner.invoke(app, args, obj=runtime)
    assert "1 event(s) matched, 1 delivery(ies) queued." in result.output


def test_replay_needs_an_event_or_a_range_and_reports_domain_errors(
    sqlite_container: Container,
) -> None:
    partner_id, event_id = _partner_with_event(sqlite_container)
    runtime = cli_runtime(sqlite_container)
    for args in [
        ["replay", partner_id],
        ["replay", partner_id, "--from", "2000-01-01"],
        ["replay", partner_id, "--event", event_id, "--from", "2000-01-01", "--to", "2001-01-01"],
        ["replay", partner_id, "--from", "last week", "--to", "2001-01-01"],
    ]:
        result = runner.invoke(app, args, obj=runtime)
        assert result.exit_code == 2, (args, result.output)
    unknown = runner.invoke(app, ["replay", partner_id, "--event", "msg_nope"], obj=runtime)
    assert unknown.exit_code == 1
    assert "webhook_event_not_found" in unknown.output
    missing = runner.invoke(app, ["deliveries", "ptn_nope"], obj=runtime)
    assert (missing.exit_code, "partner_not_found" in missing.output) == (1, True)
    listed = runner.invoke(app, ["deliveries", partner_id], obj=runtime)
    assert "whd_" not in listed.output


def test_purge_keeps_recent_events(sqlite_container: Container) -> None:
    partner_id, event_id = _partner_with_event(sqlite_container)
    runtime = cli_runtime(sqlite_container)
    result = runner.invoke(app, ["purge", "--days", "1"], obj=runtime)
    assert result.exit_code == 0, result.output
    assert "0 event(s) removed with their deliveries and attempts." in result.output
    replayed = runner.invoke(app, ["replay", partner_id, "--event", event_id], obj=runtime)
    assert "1 event(s) matched" in replayed.output
