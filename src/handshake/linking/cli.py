"""``handshake linking …``: housekeeping of the authorization server."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from handshake.linking import service
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Account linking (OAuth server) housekeeping.", no_args_is_help=True)
commands = {"linking": app}
console = Console()


@app.callback()
def linking() -> None:
    """Account linking (OAuth server) housekeeping."""


@app.command("purge")
def purge(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option(min=1, help="Delete codes and tokens dead for more than this many days.")
    ] = 7,
) -> None:
    """Delete expired codes and dead tokens; links, receipts and history are kept."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> service.PurgedCredentials:
        return await service.purge_dead_credentials(
            uow=services.uow(), older_than=timedelta(days=days)
        )

    purged = runtime.run(work)
    console.print(f"purged {purged.codes} authorization codes and {purged.tokens} tokens")
