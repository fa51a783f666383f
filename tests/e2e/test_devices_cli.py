"""``handshake devices audit verify``: exit 0 on an intact log, 1 with the broken entry named."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from typer.testing import CliRunner

from handshake.bootstrap import Container
from handshake.devices import service
from handshake.devices.cli import app
from tests.cli_helpers import cli_runtime

runner = CliRunner()


async def _fill(container: Container) -> None:
    for n in range(3):
        await service.append_audit_entry(
            container.uow(), shopper_id="shp_a", partner_id="ptn_m", kind="query",
            actor="platform", detail={"n": n},
        )  # fmt: skip


async def _tamper(container: Container) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(text("DROP TRIGGER device_audit_entries_no_update"))
        await connection.execute(
            text("UPDATE device_audit_entries SET detail = '{\"n\": 9}' WHERE seq = 3")
        )


def test_verify_passes_then_names_the_tampered_entry(sqlite_container: Container) -> None:
    """3 entries verified; after an edit, exit 1 naming entry 3."""
    asyncio.run(_fill(sqlite_container))
    intact = runner.invoke(app, ["audit", "verify"], obj=cli_runtime(sqlite_container))
    assert intact.exit_code == 0, intact.output
    assert "3 audit entries verified" in intact.output
    asyncio.run(_tamper(sqlite_container))
    broken = runner.invoke(app, ["audit", "verify"], obj=cli_runtime(sqlite_container))
    assert broken.exit_code == 1, broken.output
    assert "entry 3: the entry's content does not match its hash" in broken.output
