"""``handshake partners …`` commands against a real SQLite database."""

from __future__ import annotations

import asyncio
import re

from typer.testing import CliRunner

from handshake.bootstrap import Container
from handshake.partners import service
from handshake.partners.cli import app
from tests.cli_helpers import cli_runtime

runner = CliRunner()


def test_create_prints_the_client_once_and_the_secret_works(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    args = ["create", "--name", "Thermo", "--kind", "device_maker"]
    args += ["--contact-email", "dev@thermo.example", "--scope", "devices.query"]
    args += ["--redirect-uri", "https://thermo.example/cb"]
    result = runner.invoke(app, args, obj=runtime)
    assert result.exit_code == 0, result.output
    client_id = re.search(r"client_id:\s+(cli_\w+)", result.output)
    secret = re.search(r"client_secret:\s+(hss_\S+)", result.output)
    assert client_id is not None
    assert secret is not None
    assert "scopes:        devices.query" in result.output

    async def check() -> str:
        principal = await service.authenticate_client(
            uow=sqlite_container.read_uow(),
            client_id=client_id.group(1),
            client_secret=secret.group(1),
        )
        return principal.partner_id

    partner_id = asyncio.run(check())
    listed = runner.invoke(app, ["list"], obj=runtime)
    assert partner_id in listed.output
    assert "Thermo" in listed.output


def test_public_client_has_no_secret(sqlite_container: Container) -> None:
    args = ["create", "--name", "Feed", "--kind", "social", "--contact-email", "a@feed.example"]
    args += ["--public", "--redirect-uri", "com.feed.app:/cb"]
    result = runner.invoke(app, args, obj=cli_runtime(sqlite_container))
    assert result.exit_code == 0, result.output
    assert "client_secret: none (public client: use PKCE)" in result.output


def test_bad_scope_fails_cleanly_and_creates_nothing(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    args = ["create", "--name", "Feed", "--kind", "social", "--contact-email", "a@feed.example"]
    result = runner.invoke(app, [*args, "--scope", "devices.stream"], obj=runtime)
    assert result.exit_code == 1
    assert "scope_not_allowed_for_kind" in result.output
    partners = asyncio.run(service.list_partners(uow=sqlite_container.read_uow()))
    assert partners == []


def test_suspend_and_reactivate(sqlite_container: Container) -> None:
    runtime = cli_runtime(sqlite_container)
    partner = asyncio.run(
        service.create_partner(
            uow=sqlite_container.uow(), name="Clip", kind="video", contact_email="a@clip.example"
        )
    )
    missing_reason = runner.invoke(app, ["suspend", partner.id], obj=runtime)
    assert missing_reason.exit_code == 2
    suspended = runner.invoke(app, ["suspend", partner.id, "--reason", "abuse"], obj=runtime)
    assert suspended.exit_code == 0, suspended.output
    stored = asyncio.run(
        service.get_partner(uow=sqlite_container.read_uow(), partner_id=partner.id)
    )
    assert (stored.status, stored.suspension_reason) == ("suspended", "abuse")
    again = runner.invoke(app, ["suspend", partner.id, "--reason", "x"], obj=runtime)
    assert again.exit_code == 1
    assert "partner_already_suspended" in again.output
    reactivated = runner.invoke(app, ["reactivate", partner.id], obj=runtime)
    assert reactivated.exit_code == 0, reactivated.output
    stored = asyncio.run(
        service.get_partner(uow=sqlite_container.read_uow(), partner_id=partner.id)
    )
    assert stored.status == "active"
    unknown = runner.invoke(app, ["reactivate", "ptn_nope"], obj=runtime)
    assert unknown.exit_code == 1
    assert "partner_not_found" in unknown.output
