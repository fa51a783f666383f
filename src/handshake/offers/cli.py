"""``handshake offers …``: rotate and list the keys that sign offer tokens."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from handshake.offers import service
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Offers: the keys that sign offer tokens.", no_args_is_help=True)
commands = {"offers": app}
console = Console()


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Create a new signing key; older ones verify until their tokens expire."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> service.RotatedKey:
        policy = service.OfferPolicy.from_settings(services.settings)
        return await service.rotate_signing_key(uow=services.uow(), policy=policy)

    rotated = runtime.run(work)
    retired = ", ".join(rotated.retired_kids) or "none"
    console.print(f"New signing key [bold]{rotated.kid}[/bold]; retired: {retired}.")
    console.print("Processes pick it up within offers.keyring_refresh_seconds.")


@app.command("keys")
def list_keys(ctx: typer.Context) -> None:
    """List signing keys with their state."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> list[service.SigningKeyView]:
        return await service.signing_key_views(uow=services.read_uow())

    table = Table()
    for header in ("kid", "created", "retired", "verifies until", "state"):
        table.add_column(header)
    for key in runtime.run(work):
        table.add_row(key.kid, key.created_at, key.retired_at, key.expires_at, key.state)
    console.print(table)
