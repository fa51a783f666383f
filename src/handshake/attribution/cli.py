"""``handshake attribution …``: rebuild the daily rollups, attribute the orders left behind."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from handshake.attribution import attributing, rollup_rebuild
from handshake.kernel.errors import DomainError
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Attribution: daily rollups and order attribution.", no_args_is_help=True)
commands = {"attribution": app}
console = Console()
DAY_FORMATS = ["%Y-%m-%d"]


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]Error ({error.code}):[/red] {error.detail}")
    return typer.Exit(code=1)


@app.command(
    "rebuild",
    epilog="After restoring a backup, or for events stored before the rollups existed.",
)
def rebuild(
    ctx: typer.Context,
    start: Annotated[
        datetime, typer.Option(formats=DAY_FORMATS, help="First UTC day (YYYY-MM-DD).")
    ],
    end: Annotated[
        datetime, typer.Option(formats=DAY_FORMATS, help="Last UTC day, included (YYYY-MM-DD).")
    ],
) -> None:
    """Recount the rollups of these days from the stored events (up to 366 days at once)."""
    runtime: CliRuntime = ctx.obj
    try:
        outcome = runtime.run(
            lambda s: rollup_rebuild.rebuild_rollups(
                uow=s.uow(), first=start.date(), last=end.date()
            )
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(
        f"Rebuilt {outcome.days} day(s) from {outcome.first} to {outcome.last}:"
        f" {outcome.events:,} event(s) in {outcome.day_rows:,} daily cell row(s),"
        f" {outcome.engaged_rows:,} engaged shopper row(s)"
        f" (replacing {outcome.removed_day_rows:,} and {outcome.removed_engaged_rows:,})."
    )


@app.command("catch-up")
def catch_up(ctx: typer.Context) -> None:
    """Attribute every order still without an attribution (as the worker's job does)."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> int:
        policy = attributing.AttributionPolicy.from_settings(services.settings)
        return await attributing.catch_up(uow_factory=services.uow, policy=policy)

    console.print(f"Attributed {runtime.run(work):,} order(s).")
