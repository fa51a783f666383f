"""``handshake catalog …``: import a catalog file, export product feeds, manage warehouses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from handshake.catalog import service
from handshake.catalog.feeds import FeedFormat
from handshake.catalog.import_format import read_file
from handshake.catalog.importing import ImportReport
from handshake.kernel.errors import DomainError
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Products, stock, warehouses, imports and feeds.", no_args_is_help=True)
warehouses_app = typer.Typer(help="Warehouses and their delivery zones.", no_args_is_help=True)
app.add_typer(warehouses_app, name="warehouses")
commands = {"catalog": app}
console = Console()
err_console = Console(stderr=True)


def _fail(error: DomainError) -> typer.Exit:
    err_console.print(f"[red]Error ({error.code}):[/red] {error.detail}")
    return typer.Exit(code=1)


def _print_report(report: ImportReport) -> None:
    console.print(
        f"{report.total} row(s): [green]{report.imported} imported[/green], "
        f"[{'red' if report.failed else 'green'}]{report.failed} rejected[/]"
    )
    if not report.errors:
        return
    table = Table("line", "sku", "reason", title="Rejected rows")
    for error in report.errors:
        table.add_row(str(error.line), error.sku or "", error.reason)
    console.print(table)


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    batch_size: Annotated[
        int | None, typer.Option(min=1, max=10000, help="Rows per transaction.")
    ] = None,
) -> None:
    """Import a CSV or JSON catalog file (one row per variant); exit code 1 if a row failed."""
    runtime: CliRuntime = ctx.obj
    try:
        numbered = read_file(file.read_bytes(), filename=file.name)
    except DomainError as error:
        raise _fail(error) from None
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("import", total=len(numbered))

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        async def work(services: AppServices) -> ImportReport:
            return await service.import_rows(
                uow=services.uow(),
                rows=[row for _, row in numbered],
                lines=[line for line, _ in numbered],
                batch_size=batch_size or services.settings.catalog.import_batch_size,
                on_progress=on_progress,
            )

        report = runtime.run(work)
    _print_report(report)
    if report.failed:
        raise typer.Exit(code=1)


@app.command("export")
def export_feed(
    ctx: typer.Context,
    feed_format: Annotated[FeedFormat, typer.Option("--format", help="Feed flavour.")],
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    lang: Annotated[str, typer.Option(help="Language of titles: en or fr.")] = "en",
) -> None:
    """Export the product feed for Google Merchant Center (TSV), Meta (CSV) or ACP (JSON)."""
    if lang not in {"en", "fr"}:
        raise typer.BadParameter("lang must be en or fr", param_hint="--lang")
    runtime: CliRuntime = ctx.obj
    text = runtime.run(
        lambda s: service.export_feed(
            uow=s.read_uow(),
            feed_format=feed_format,
            public_url=s.settings.http.public_url,
            lang=lang,
        )
    )
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {_feed_size(text, feed_format)} to {output}")


def _feed_size(text: str, feed_format: FeedFormat) -> str:
    if feed_format is FeedFormat.ACP:
        return f"{len(json.loads(text)['products'])} product(s)"
    return f"{text.count(chr(10)) - 1} item(s)"


def parse_zone_option(spec: str) -> dict[str, Any]:
    """``FR:75:1:0:8-22``: country, prefix, transit, then optional member transit and window."""
    parts = spec.split(":")
    if not 3 <= len(parts) <= 5:
        raise typer.BadParameter(f"zone {spec!r}: COUNTRY:PREFIX:TRANSIT[:MEMBER[:START-END]]")
    try:
        zone: dict[str, Any] = {
            "country": parts[0],
            "postal_prefix": parts[1],
            "transit_days": int(parts[2]),
        }
        if len(parts) >= 4 and parts[3]:
            zone["member_transit_days"] = int(parts[3])
        if len(parts) == 5:
            start, end = parts[4].split("-")
            zone["window_start_hour"], zone["window_end_hour"] = int(start), int(end)
    except ValueError:
        raise typer.BadParameter(f"zone {spec!r}: numbers expected") from None
    return zone


@warehouses_app.command("create")
def create_warehouse(
    ctx: typer.Context,
    code: Annotated[str, typer.Option(help="Short unique code, e.g. PAR1.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Paris.")],
    cutoff: Annotated[str, typer.Option(help="Local order cut-off, HH:MM.")] = "16:00",
    ship_days: Annotated[str, typer.Option(help="Shipping weekdays, 0=Monday.")] = "0,1,2,3,4",
    zone: Annotated[
        list[str] | None,
        typer.Option(help="COUNTRY:PREFIX:TRANSIT[:MEMBER[:START-END]] (repeatable)."),
    ] = None,
) -> None:
    """Create a warehouse with its delivery zones."""
    runtime: CliRuntime = ctx.obj
    try:
        weekdays = [int(d) for d in ship_days.split(",") if d.strip()]
    except ValueError:
        raise typer.BadParameter("comma-separated numbers 0–6", param_hint="--ship-days") from None
    zones = [parse_zone_option(z) for z in zone or []]
    try:
        details = runtime.run(
            lambda s: service.create_warehouse(
                uow=s.uow(),
                code=code,
                name=name,
                timezone=timezone,
                cutoff_local=cutoff,
                ship_weekdays=weekdays,
                zones=zones,
            )
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"Warehouse {details.warehouse.code}: {details.warehouse.id}")


@warehouses_app.command("list")
def list_warehouses(ctx: typer.Context) -> None:
    """List warehouses with their cut-off, shipping days and zones."""
    runtime: CliRuntime = ctx.obj
    found = runtime.run(lambda s: service.list_warehouses(uow=s.read_uow()))
    table = Table("code", "name", "timezone", "cut-off", "ships", "zones")
    for item in found:
        w = item.warehouse
        zones = ", ".join(
            f"{z.country}{z.postal_prefix or '*'}:{z.transit_days}/{z.member_transit_days}d"
            for z in item.zones
        )
        days = ",".join(str(d) for d in w.ship_weekdays)
        table.add_row(w.code, w.name, w.timezone, w.cutoff_local.strftime("%H:%M"), days, zones)
    console.print(table)
