"""``handshake partners …``: register partners and their first client, suspend, reactivate."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from handshake.kernel.errors import DomainError
from handshake.partners import service
from handshake.partners.kinds import ClientType, PartnerKind
from handshake.web.runtime import CliRuntime

app = typer.Typer(help="Partner organisations and their OAuth clients.", no_args_is_help=True)
commands = {"partners": app}
console = Console()


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]Error ({error.code}):[/red] {error.detail}")
    return typer.Exit(code=1)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Organisation name (unique).")],
    kind: Annotated[PartnerKind, typer.Option(help="What the partner runs.")],
    contact_email: Annotated[str, typer.Option(help="Technical contact e-mail.")],
    contact_name: Annotated[str | None, typer.Option(help="Technical contact name.")] = None,
    website: Annotated[str | None, typer.Option(help="Public website.")] = None,
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="Exact OAuth redirect URI (repeatable).")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Allowed scope (repeatable); default: every scope of the kind."),
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="A public client (PKCE, no secret).")
    ] = False,
) -> None:
    """Register a partner and one OAuth client; prints the client secret once."""
    runtime: CliRuntime = ctx.obj
    try:
        partner, issued = runtime.run(
            lambda s: service.register_partner(
                uow=s.uow(),
                name=name,
                kind=kind,
                contact_email=contact_email,
                contact_name=contact_name,
                website=website,
                client_type=ClientType.PUBLIC if public else ClientType.CONFIDENTIAL,
                redirect_uris=redirect_uri or [],
                scopes=scope or None,
            )
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"Partner [bold]{partner.name}[/bold] ({partner.kind}): {partner.id}")
    console.print(f"client_id:     {issued.client_id}")
    console.print(f"scopes:        {' '.join(issued.client.allowed_scopes)}")
    if issued.client_secret is None:
        console.print("client_secret: none (public client: use PKCE)")
    else:
        console.print(f"client_secret: {issued.client_secret}")
        console.print("[yellow]Store the secret now: it is not shown again.[/yellow]")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List partners with their kind and status."""
    runtime: CliRuntime = ctx.obj
    partners = runtime.run(lambda s: service.list_partners(uow=s.read_uow()))
    table = Table()
    table.add_column("id", no_wrap=True)  # ids are copied into other commands: keep them whole
    for header in ("name", "kind", "status", "contact", "created"):
        table.add_column(header)
    for partner in partners:
        table.add_row(
            partner.id,
            partner.name,
            partner.kind,
            partner.status,
            partner.contact_email,
            partner.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@app.command("suspend")
def suspend(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Partner id (ptn_…).")],
    reason: Annotated[str, typer.Option(help="Why; kept on the partner.")],
) -> None:
    """Suspend a partner: all its calls fail from now on."""
    runtime: CliRuntime = ctx.obj
    try:
        partner = runtime.run(
            lambda s: service.suspend_partner(uow=s.uow(), partner_id=partner_id, reason=reason)
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"Partner {partner.name} ({partner.id}) is suspended.")


@app.command("reactivate")
def reactivate(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Partner id (ptn_…).")],
) -> None:
    """Serve a suspended partner again."""
    runtime: CliRuntime = ctx.obj
    try:
        partner = runtime.run(
            lambda s: service.reactivate_partner(uow=s.uow(), partner_id=partner_id)
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"Partner {partner.name} ({partner.id}) is active again.")
