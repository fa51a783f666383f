"""``handshake operators …`` and ``handshake shoppers …``: bootstrap operators, export a shopper."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from handshake.accounts import service
from handshake.kernel.errors import DomainError
from handshake.web.runtime import AppServices, CliRuntime

operators = typer.Typer(help="Operator accounts and their API keys.", no_args_is_help=True)
shoppers = typer.Typer(help="Shopper accounts (GDPR export).", no_args_is_help=True)
commands = {"operators": operators, "shoppers": shoppers}
console = Console()


@shoppers.callback()
def shoppers_group() -> None:
    """Shopper accounts (GDPR export)."""


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]Error ({error.code}):[/red] {error.detail}")
    return typer.Exit(code=1)


def _show_key(key: str) -> None:
    console.print(f"API key: {key}", soft_wrap=True)
    console.print("[yellow]Store it now: it is not shown again.[/yellow]")


@operators.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="Operator e-mail (sign-in name).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."
        ),
    ],
    with_api_key: Annotated[
        bool, typer.Option("--with-api-key", help="Also issue an API key (printed once).")
    ] = False,
) -> None:
    """Create an operator (the first one bootstraps the admin API)."""
    runtime: CliRuntime = ctx.obj

    async def work(s: AppServices) -> tuple[str, str | None]:
        policy = service.PasswordPolicy.from_settings(s.settings.security)
        operator = await service.create_operator(
            uow=s.uow(), email=email, password=password, name=name, password_policy=policy
        )
        if not with_api_key:
            return operator.id, None
        issued = await service.issue_operator_api_key(
            uow=s.uow(), operator_id=operator.id, label="cli"
        )
        return operator.id, issued.key

    try:
        operator_id, key = runtime.run(work)
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"Operator {email}: {operator_id}")
    if key:
        _show_key(key)


@operators.command("api-key")
def api_key(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="Operator e-mail.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
) -> None:
    """Issue a new API key for an operator (printed once)."""
    runtime: CliRuntime = ctx.obj

    async def work(s: AppServices) -> str:
        operator = await service.operator_by_email(uow=s.read_uow(), email=email)
        issued = await service.issue_operator_api_key(
            uow=s.uow(), operator_id=operator.id, label=label
        )
        return issued.key

    try:
        key = runtime.run(work)
    except DomainError as error:
        raise _fail(error) from None
    _show_key(key)


@shoppers.command("export")
def export(
    ctx: typer.Context,
    shopper_id: Annotated[str, typer.Argument(help="The shopper id (shp_…).")],
) -> None:
    """Print everything stored about a shopper as one JSON document."""
    runtime: CliRuntime = ctx.obj
    try:
        document = runtime.run(
            lambda s: service.export_personal_data(
                uow=s.read_uow(), shopper_id=shopper_id, exporters=s.personal_data.exporters
            )
        )
    except DomainError as error:
        raise _fail(error) from None
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
