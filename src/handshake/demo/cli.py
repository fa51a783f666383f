"""``handshake demo``: load the demo store and print where to click and how to sign in."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from handshake.demo.credentials_file import DEFAULT_PATH, CredentialsFile
from handshake.demo.loader import load_demo
from handshake.demo.people import OPERATOR, SHOPPERS
from handshake.demo.report import DemoReport
from handshake.kernel.errors import DomainError
from handshake.linking.secrets_format import s256_challenge
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="Demo data: catalog, warehouses, shoppers, operator, partners.")
commands = {"demo": app}
console = Console()
PAGES = (
    ("/", "store front"),
    ("/products", "the shop: search, member prices, delivery promises (?lang=fr)"),
    ("/signin", "sign in as a demo shopper"),
    ("/account", "the shopper's account, addresses, cards"),
    ("/account/links", "linked apps: the shopper's consent center"),
    ("/admin", "the merchant dashboard (sign in as the operator)"),
    ("/api/v1/products", "catalog API (JSON; ?lang=fr)"),
    ("/.well-known/oauth-authorization-server", "OAuth server metadata (account linking)"),
    ("/docs", "OpenAPI: shopper, operator and partner APIs"),
)
NOT_SHOWN = "[dim](shown when first loaded)[/dim]"
APP_NAMES = ("Picto", "Reels", "Shoply Assistant", "ThermoCo")


@app.callback(invoke_without_command=True)
def _default(ctx: typer.Context) -> None:
    """``handshake demo`` alone loads the demo."""
    if ctx.invoked_subcommand is None:
        load(ctx, force=False, credentials_file=DEFAULT_PATH)


@app.command("load")
def load(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option(help="Re-import the catalog (resets demo prices and stock).")
    ] = False,
    credentials_file: Annotated[
        Path, typer.Option(help="Where the demo apps' secrets are saved (mode 0600).")
    ] = DEFAULT_PATH,
) -> None:
    """Load the demo (idempotent: a second run adds nothing) and print URLs and credentials."""
    runtime: CliRuntime = ctx.obj
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("importing the demo catalog", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        async def work(services: AppServices) -> tuple[DemoReport, str]:
            report = await load_demo(
                services, on_progress=on_progress, force=force,
                credentials=CredentialsFile(credentials_file),
            )  # fmt: skip
            return report, services.settings.http.public_url.rstrip("/")

        try:
            report, base_url = runtime.run(work)
        except DomainError as exc:
            console.print(f"[red]Error ({exc.code}):[/red] {exc.detail}")
            raise typer.Exit(code=1) from exc
    print_report(report, base_url)


def print_report(report: DemoReport, base_url: str) -> None:
    """What was loaded, the pages to open and the credentials to try."""
    if report.nothing_new:
        console.print("[green]Demo already loaded[/green]: nothing added.")
    else:
        console.print(f"[green]Demo loaded[/green]: {', '.join(report.created)}.")
    console.print(f"{report.products} products, {report.variants} variants, 2 warehouses.")
    pages = Table("open", "what", title="Pages (after `handshake serve`)")
    for path, what in PAGES:
        pages.add_row(f"{base_url}{path}", what)
    console.print(pages)
    # Credentials as plain lines, never truncated by the terminal width, so they copy cleanly.
    console.print("\n[bold]Sign in[/bold] (demo passwords)")
    for shopper in SHOPPERS:
        note = "member: member prices, faster delivery" if shopper.member else "not a member"
        console.print(f"  shopper   {shopper.email}  {shopper.password}  ({note})", soft_wrap=True)
    console.print(f"  operator  {OPERATOR.email}  {OPERATOR.password}", soft_wrap=True)
    api_key = report.operator_api_key or NOT_SHOWN
    console.print(f"  operator API key (Authorization: Bearer …): {api_key}", soft_wrap=True)
    console.print("\n[bold]Partner OAuth clients[/bold]")
    for p in report.partners:
        console.print(f"  {p.name} ({p.kind})", soft_wrap=True)
        console.print(f"    client_id     {p.client_id}", soft_wrap=True)
        console.print(f"    client_secret {p.client_secret or NOT_SHOWN}", soft_wrap=True)
        console.print(f"    redirect_uri  {p.redirect_uri}", soft_wrap=True)
        console.print(f"    scopes        {' '.join(p.scopes)}", soft_wrap=True)
        if p.webhook_secret:
            console.print(
                f"    webhook       {p.webhook_url}  secret {p.webhook_secret}", soft_wrap=True
            )
        if p.directive_secret:
            console.print(f"    directives    secret {p.directive_secret}", soft_wrap=True)
    _print_linking_try(report, base_url)
    console.print(
        "[dim]Secrets are printed only because this is demo data; the demo apps read theirs"
        " from the credentials file. Start everything with `handshake demo serve`.[/dim]"
    )


def _print_linking_try(report: DemoReport, base_url: str) -> None:
    """A ready authorization request for a partner without a demo app, to try linking by hand."""
    issued = [p for p in report.partners if p.client_secret]
    partner = next((p for p in issued if p.name not in APP_NAMES), None)
    app_runs = partner is None  # every partner has its demo app: it takes the code once serving
    if partner is None:
        partner = next((p for p in issued if p.kind != "device_maker"), None)
    if partner is None:
        return
    verifier = secrets.token_urlsafe(48)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": partner.client_id,
            "redirect_uri": partner.redirect_uri,
            "scope": " ".join(partner.scopes),
            "state": "demo",
            "code_challenge": s256_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    console.print(f"\n[bold]Try account linking as {partner.name}[/bold]")
    console.print(f"  1. open  {base_url}/oauth/authorize?{query}", soft_wrap=True)
    console.print(
        "  2. allow, then copy `code` from the address bar of the redirect "
        + (
            "(do it before `handshake demo serve`: once serving, this partner's demo app takes"
            " the code itself)"
            if app_runs
            else "(no app of this partner runs in the demo)"
        ),
        soft_wrap=True,
    )
    console.print(
        f"  3. curl -u {partner.client_id}:{partner.client_secret} "
        f"-d grant_type=authorization_code -d code=CODE -d redirect_uri={partner.redirect_uri} "
        f"-d code_verifier={verifier} {base_url}/oauth/token",
        soft_wrap=True,
    )
    console.print(
        f'  4. curl -H "Authorization: Bearer ACCESS_TOKEN" '
        f'"{base_url}/partner/v1/offers?sku=SKU&placement_id=demo-feed"  (your price, stock,'
        f" delivery promise and a signed offer token; any SKU of {base_url}/api/v1/products)",
        soft_wrap=True,
    )
    console.print(
        f'  5. curl -H "Authorization: Bearer ACCESS_TOKEN" -H "Content-Type: application/json"'
        f' -d \'{{"items": [{{"offer_token": "OFFER_TOKEN", "quantity": 1}}]}}\''
        f" {base_url}/partner/v1/checkout-sessions  (holds the stock; totals, delivery options,"
        " and a sheet_url)",
        soft_wrap=True,
    )
    console.print(
        f"  6. open the sheet_url and tap Pay (or POST …/complete with an Idempotency-Key);"
        f" the order shows at {base_url}/account/orders",
        soft_wrap=True,
    )


@app.command("serve")
def serve(
    credentials_file: Annotated[
        Path, typer.Option(help="The demo apps' secrets, written by `handshake demo load`.")
    ] = DEFAULT_PATH,
) -> None:
    """Serve the platform (with its worker) and the demo partner apps, each on its own port."""
    from handshake.demo.serve import PLATFORM_FACTORY, Served, partner_apps, serve_all
    from handshake.settings import get_settings

    settings = get_settings()
    base_url = settings.http.public_url.rstrip("/")
    saved = CredentialsFile(credentials_file).load()
    apps = partner_apps(saved, base_url)
    if len(apps) < len(APP_NAMES):
        console.print(
            f"[yellow]Some demo apps lack credentials in {credentials_file}: run"
            " `handshake demo load` first (it rotates lost secrets).[/yellow]"
        )
    platform = Served("handshake", PLATFORM_FACTORY, settings.http.port, PAGES)
    print_pages([platform, *apps], base_url)
    with contextlib.suppress(KeyboardInterrupt):
        status = asyncio.run(serve_all([platform, *apps], host=settings.http.host))
        if status:  # a server could not start (uvicorn said why, e.g. a port taken)
            raise typer.Exit(status)


def print_pages(served: list[Any], base_url: str) -> None:
    """Where each app of the demo answers."""
    table = Table(title="The demo is running (Ctrl+C stops it)")
    table.add_column("open", overflow="fold")  # whole URLs, never cut with an ellipsis
    table.add_column("what")
    for s in served:
        root = base_url if s.name == "handshake" else f"http://127.0.0.1:{s.port}"
        for path, what in s.pages:
            table.add_row(f"{root}{path}", f"{s.name}: {what}")
    console.print(table)
    console.print(
        "Stories: open Picto, link your store account (sign in as a demo shopper), buy from an"
        " ad; open Reels and buy from a video; ask Shoply, an AI agent, to buy for you over the"
        " Agentic Commerce Protocol; open ThermoCo, link, then choose on the store what each"
        " device shares."
    )
