"""``handshake catalog export --format acp`` against a real SQLite database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from handshake.bootstrap import Container
from handshake.catalog.cli import app
from tests.catalog_helpers import import_ok, make_warehouses, row
from tests.cli_helpers import cli_runtime

runner = CliRunner()


def test_export_acp_feed_to_stdout_and_to_a_file(
    sqlite_container: Container, tmp_path: Path
) -> None:
    async def seed() -> None:
        await make_warehouses(sqlite_container)
        await import_ok(sqlite_container, [row(), row(sku="ACM-X1-BLK", gtin=None, stock={})])

    asyncio.run(seed())
    runtime = cli_runtime(sqlite_container)
    printed = runner.invoke(app, ["export", "--format", "acp"], obj=runtime)
    assert printed.exit_code == 0, printed.output
    [product] = json.loads(printed.stdout)["products"]
    assert [(v["id"], v["availability"]["available"]) for v in product["variants"]] == [
        ("ACM-X1-WHT", True),
        ("ACM-X1-BLK", False),
    ]
    target = tmp_path / "acp.json"
    written = runner.invoke(
        app, ["export", "--format", "acp", "--output", str(target)], obj=runtime
    )
    assert written.exit_code == 0, written.output
    assert "wrote 1 product(s)" in written.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(printed.stdout)
