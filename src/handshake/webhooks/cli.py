"""``handshake webhooks …``: read a partner's delivery log, replay its events, purge old ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from handshake.kernel import clock
from handshake.kernel.errors import DomainError
from handshake.web.runtime import AppServices, CliRuntime
from handshake.webhooks import service
from handshake.webhooks.models import DeliveryStatus

app = typer.Typer(help="Webhook deliveries: the delivery log and replays.", no_args_is_help=True)
commands = {"webhooks": app}
console = Console()


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]Error ({error.code}):[/red] {error.detail}")
    return typer.Exit(code=1)


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _parse_time(value: str, option: str) -> datetime:
    try:
        return clock.ensure_utc(datetime.fromisoformat(value))
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 time: {value!r}", param_hint=option) from None


def _deliveries_table(page: service.Page[service.DeliveryLog]) -> Table:
    table = Table()
    table.add_column("delivery", no_wrap=True)
    table.add_column("event (webhook-id)", no_wrap=True)
    for header in ("endpoint", "trigger", "status", "tries", "codes", "ms", "next try", "error"):
        table.add_column(header)
    for log in page.items:
        d = log.delivery
        table.add_row(
            d.id,
            d.event_id,
            d.endpoint_id or "(deleted)",
            d.trigger,
            d.status,
            str(d.attempt_count),
            " ".join(str(a.status_code or "-") for a in log.attempts),
            " ".join(str(a.latency_ms) for a in log.attempts),
            _time(d.next_attempt_at),
            (d.last_error or "")[:60],
        )
    return table


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Partner id (ptn_…).")],
    status: Annotated[
        DeliveryStatus | None, typer.Option(help="Only deliveries in this state (dead: letters).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many, newest first.")] = 50,
) -> None:
    """List a partner's webhook deliveries with the status code and latency of each try."""
    runtime: CliRuntime = ctx.obj
    try:
        page = runtime.run(
            lambda s: service.list_deliveries(
                uow=s.read_uow(), partner_id=partner_id, status=status, limit=limit
            )
        )
    except DomainError as error:
        raise _fail(error) from None
    console.print(_deliveries_table(page))
    if page.next_cursor:
        console.print(f"[dim]more: older than {page.next_cursor}[/dim]")


async def _replay(
    services: AppServices,
    *,
    partner_id: str,
    event_id: str | None,
    window: tuple[datetime, datetime] | None,
    event_types: list[str],
    endpoint_id: str | None,
) -> service.ReplayResult:
    if window is None:
        return await service.replay_event(
            uow=services.uow(),
            partner_id=partner_id,
            event_id=event_id or "",
            endpoint_id=endpoint_id,
        )
    return await service.replay_events(
        uow=services.uow(),
        partner_id=partner_id,
        start=window[0],
        end=window[1],
        event_types=event_types,
        endpoint_id=endpoint_id,
        max_events=services.settings.webhooks.replay_max_events,
    )


@app.command("replay")
def replay(
    ctx: typer.Context,
    partner_id: Annotated[str, typer.Argument(help="Partner id (ptn_…).")],
    event: Annotated[str | None, typer.Option(help="Replay this event (msg_…).")] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="Replay events at or after (ISO 8601, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="… and before this time (ISO 8601, UTC).")
    ] = None,
    event_type: Annotated[
        list[str] | None, typer.Option(help="With --from/--to: only this type (repeatable).")
    ] = None,
    endpoint: Annotated[str | None, typer.Option(help="Only to this endpoint (whe_…).")] = None,
) -> None:
    """Send events again (same webhook-id): one with --event, or a range with --from and --to."""
    if event is not None and (since or until):
        raise typer.BadParameter("give either --event, or --from and --to, not both")
    if event is None and not (since and until):
        raise typer.BadParameter("give --event, or both --from and --to")
    window = (_parse_time(since, "--from"), _parse_time(until, "--to")) if since and until else None
    runtime: CliRuntime = ctx.obj
    work = partial(
        _replay,
        partner_id=partner_id,
        event_id=event,
        window=window,
        event_types=event_type or [],
        endpoint_id=endpoint,
    )
    try:
        result = runtime.run(work)
    except DomainError as error:
        raise _fail(error) from None
    console.print(f"{result.events} event(s) matched, {result.queued} delivery(ies) queued.")


@app.command("purge")
def purge(
    ctx: typer.Context,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many days (default: webhooks.log_retention_days)."),
    ] = None,
) -> None:
    """Delete old events and their delivery log (events with a pending try are kept)."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> int:
        keep = days or services.settings.webhooks.log_retention_days
        return await service.purge_log(uow=services.uow(), older_than=timedelta(days=keep))

    removed = runtime.run(work)
    console.print(f"{removed} event(s) removed with their deliveries and attempts.")
