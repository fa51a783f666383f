"""``handshake assistant …``: rebuild the search index, and ask the assistant from a terminal."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from handshake.assistant import service
from handshake.assistant.caller import Caller
from handshake.assistant.indexing import IndexRefresh
from handshake.assistant.service import AssistantServices, TurnOutcome, TurnRequest
from handshake.checkout.policy import CheckoutPolicy
from handshake.kernel.money import Money
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(
    help="The shopping assistant: its search index and a try-out.", no_args_is_help=True
)
commands = {"assistant": app}
console = Console()


@app.command("reindex")
def reindex(
    ctx: typer.Context,
    product: Annotated[list[str] | None, typer.Option(help="Only these product ids.")] = None,
) -> None:
    """Embed and store every product whose text changed (all of them the first time)."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> IndexRefresh:
        return await service.refresh_search_index(
            uow=services.uow(), settings=services.settings.assistant, product_ids=product or None
        )

    done = runtime.run(work)
    console.print(
        f"Indexed {done.indexed} products ({done.embedded} passages embedded), "
        f"{done.unlisted} no longer sold."
    )


@app.command("ask")
def ask(
    ctx: typer.Context,
    message: Annotated[list[str], typer.Argument(help="Messages, one turn each.")],
    lang: Annotated[str, typer.Option(help="en or fr")] = "en",
) -> None:
    """Talk to the assistant as an anonymous shopper (nothing can be bought)."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> list[TurnOutcome]:
        settings = services.settings
        turns = AssistantServices(
            reader=services.read_uow, writer=services.uow,
            checkout_policy=CheckoutPolicy.from_settings(settings), settings=settings.assistant,
        )  # fmt: skip
        caller = Caller(shopper_id=None)
        started = await service.start_conversation(uow=services.uow(), caller=caller, language=lang)
        return [
            await service.take_turn(
                services=turns, caller=caller, request=TurnRequest(started.id, started.key, text)
            )
            for text in message
        ]

    for text, outcome in zip(message, runtime.run(work), strict=True):
        console.print(f"[bold]> {text}[/bold]")
        console.print(" ".join(outcome.reply.text), soft_wrap=True)
        if outcome.reply.cards:
            table = Table("product", "price", "stock", "delivery")
            for card in outcome.reply.cards:
                price = Money(card.price_minor, card.currency).format_plain()
                table.add_row(card.title, price, card.availability, card.delivery_label or "")
            console.print(table)
