"""The ``handshake`` command: serve, worker, db, config, jobs and every domain's commands."""

from __future__ import annotations

import asyncio
import importlib
import json
import signal
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from handshake.bootstrap import build_container, domain_packages, open_container
from handshake.connector.cli import maker_connector_command, simulate_command
from handshake.devices import cli as devices_cli
from handshake.entrypoints.observability import configure_logging
from handshake.jobs import service as jobs_service
from handshake.jobs.models import JobStatus
from handshake.jobs.worker import Worker, worker_concurrency
from handshake.migrations import runner
from handshake.settings import SettingsError, get_settings
from handshake.web.runtime import AppServices, CliRuntime

app = typer.Typer(help="handshake: sell where people already are.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs (outbox).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(jobs_app, name="jobs")
console = Console()
DEMO_PACKAGE = "handshake.demo"


@app.callback()
def _root(ctx: typer.Context) -> None:
    ctx.obj = CliRuntime(open_services=open_container)


# The maker-side programs talk to the platform over HTTP only; they live outside the domains.
app.command("maker-connector")(maker_connector_command)
devices_cli.app.command("simulate")(simulate_command)


def _add_domain_commands() -> None:
    for package in [*domain_packages(), DEMO_PACKAGE]:
        try:
            module = importlib.import_module(f"{package}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.cli":
                raise
            continue
        for name, sub_app in module.commands.items():
            app.add_typer(sub_app, name=name)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    worker: Annotated[bool, typer.Option(help="Run the job worker in-process.")] = True,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first.")] = True,
) -> None:
    """Serve the HTTP API and pages (with the embedded job worker by default)."""
    from handshake.entrypoints.http import create_app

    settings = get_settings()
    if migrate:
        runner.upgrade(settings.database)
    application = create_app(settings, run_worker=worker)
    uvicorn.run(
        application,
        host=host or settings.http.host,
        port=port or settings.http.port,
        log_config=None,
        access_log=False,
    )


@app.command("worker")
def run_worker(
    drain: Annotated[
        bool, typer.Option(help="Run due jobs until none is left, then exit.")
    ] = False,
) -> None:
    """Run the outbox worker alone (start several on PostgreSQL to scale out)."""
    settings = get_settings()
    configure_logging(settings)

    async def main() -> None:
        container = build_container(settings)
        worker = Worker(
            uow_factory=container.uow,
            registry=container.jobs,
            settings=settings.jobs,
            concurrency=worker_concurrency(settings),
            maintenance=container.maintenance(),
        )
        try:
            if drain:
                ran = await worker.run_until_idle()
                console.print(f"ran {ran} job(s)")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await worker.run_forever(stop)
        finally:
            await container.dispose()

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    database = get_settings().database
    runner.upgrade(database, revision)
    console.print(f"database at {runner.current(database)}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()]) -> None:
    """Migrate the database down to REVISION (``base`` empties it)."""
    database = get_settings().database
    runner.downgrade(database, revision)
    console.print(f"database at {runner.current(database) or 'base'}")


@db_app.command("check")
def db_check() -> None:
    """Fail when the models and the migrations disagree."""
    runner.check(get_settings().database)
    console.print("models and migrations agree")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("--message", "-m")]) -> None:
    """Autogenerate a migration from the models (for developers)."""
    runner.revision(get_settings().database, message)


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    console.print(runner.current(get_settings().database) or "base (not migrated)")


@config_app.command("show")
def config_show() -> None:
    """Print the effective settings with secrets redacted."""
    settings = get_settings()
    console.print_json(json.dumps(settings.redacted()))
    weak = settings.placeholder_secrets()
    if weak:
        console.print(f"[yellow]placeholder secrets in use: {', '.join(weak)}[/yellow]")


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    status: Annotated[JobStatus, typer.Option(help="Which jobs.")] = JobStatus.DEAD,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """List jobs (dead letters by default) and the queue depth."""
    runtime: CliRuntime = ctx.obj

    async def work(services: AppServices) -> None:
        depth = await jobs_service.queue_depth(uow=services.read_uow())
        jobs = await jobs_service.list_jobs(uow=services.read_uow(), status=status, limit=limit)
        console.print(" ".join(f"{name}={count}" for name, count in depth.items()))
        table = Table("id", "name", "attempts", "last error")
        for job in jobs:
            table.add_row(job.id, job.name, str(job.attempts), (job.last_error or "")[:80])
        console.print(table)

    runtime.run(work)


@jobs_app.command("retry")
def jobs_retry(ctx: typer.Context, job_id: str) -> None:
    """Give a dead-lettered job a fresh set of tries."""
    runtime: CliRuntime = ctx.obj
    runtime.run(lambda services: jobs_service.retry_dead_job(uow=services.uow(), job_id=job_id))
    console.print(f"job {job_id} queued again")


def main() -> None:
    """Console-script entry point."""
    _add_domain_commands()
    try:
        app()
    except SettingsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
