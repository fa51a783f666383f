"""``handshake devices …``: check the device-sharing audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from handshake.devices import service
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Devices: consented device-data sharing.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
commands = {"devices": app}
console = Console()


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    partner: Annotated[str | None, typer.Option(help="Only this device maker's chains.")] = None,
) -> None:
    """Recompute every hash of the audit chains; exit 1 when one was tampered with."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> tuple[int, list[service.ChainProblem]]:
        return await service.verify_audit(uow=services.read_uow(), partner_id=partner)

    checked, problems = runtime.run(work)
    for p in problems:
        console.print(
            f"[red]chain {p.chain_id}[/red] (shopper {p.shopper_id}, maker {p.partner_id}):"
            f" entry {p.seq}: {p.problem}",
            soft_wrap=True,
        )
    if problems:
        raise typer.Exit(1)
    console.print(f"{checked} audit entries verified; every chain holds.")
