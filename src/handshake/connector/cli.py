"""CLI commands: ``handshake maker-connector`` and ``handshake devices simulate``.

How to register them (done by the owner of ``handshake.entrypoints.cli``; this module does not
register itself, so the connector stays out of the platform's domain discovery)::

    from handshake.connector.cli import maker_connector_command, simulate_command

    app.command("maker-connector")(maker_connector_command)      # on the root ``handshake`` app
    devices_app.command("simulate")(simulate_command)            # on the ``devices`` sub-app

Both run without the platform's database or settings: the connector talks to the platform over
HTTP only.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from handshake.connector.runtime import ConfigurationError, run_connector
from handshake.connector.settings import ConnectorSettings
from handshake.connector.simulator import simulate


def _settings(flags: dict[str, Any]) -> ConnectorSettings:
    # Flags given on the command line win over HANDSHAKE_CONNECTOR__* variables.
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return ConnectorSettings(**given)
    except ValidationError as exc:
        typer.echo(f"invalid connector settings:\n{exc}", err=True)
        raise typer.Exit(2) from None


def maker_connector_command(
    platform_url: Annotated[str | None, typer.Option(help="The platform's base URL.")] = None,
    client_id: Annotated[str | None, typer.Option(help="The maker's OAuth client id.")] = None,
    client_secret: Annotated[
        str | None, typer.Option(help="The OAuth client secret (prefer the env variable).")
    ] = None,
    maker: Annotated[str | None, typer.Option(help="The maker's MQTT topic segment.")] = None,
    mqtt_url: Annotated[
        str | None, typer.Option(help="External broker mqtt://host:port (default: embedded).")
    ] = None,
    embedded_broker_port: Annotated[
        int | None, typer.Option(help="Port of the embedded broker.")
    ] = None,
    listen_host: Annotated[str | None, typer.Option(help="Directive endpoint host.")] = None,
    listen_port: Annotated[int | None, typer.Option(help="Directive endpoint port.")] = None,
    directive_secret: Annotated[
        str | None, typer.Option(help="The whsec_… directive secret (prefer the env variable).")
    ] = None,
    accounts_file: Annotated[Path | None, typer.Option(help="The accounts JSON file.")] = None,
    coalesce_seconds: Annotated[
        float | None, typer.Option(help="Merge a device's changes over this window.")
    ] = None,
) -> None:
    """Bridge the maker's MQTT devices to handshake, enforcing each shopper's grant."""
    # Every parameter is named after its setting: the flags given become settings as they are.
    settings = _settings(dict(locals()))
    logging.basicConfig(level=logging.INFO)
    try:
        asyncio.run(run_connector(settings))
    except ConfigurationError as exc:
        typer.echo(f"cannot start the connector: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass


def simulate_command(
    count: Annotated[int, typer.Option(min=1, help="How many devices.")] = 10,
    mqtt_url: Annotated[
        str, typer.Option(envvar="HANDSHAKE_MQTT__URL", help="The broker, mqtt://host:port.")
    ] = "mqtt://127.0.0.1:1883",
    maker: Annotated[
        str, typer.Option(envvar="HANDSHAKE_CONNECTOR__MAKER", help="The maker's topic segment.")
    ] = "thermoco",
    rate: Annotated[
        float, typer.Option(min=0.001, help="State messages per device a second.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed: the same seed drifts the same way.")] = 0,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: never).")
    ] = None,
) -> None:
    """Simulate thermostats, humidity sensors and locks (ids thermostat-1, sensor-2, lock-3…)."""
    logging.basicConfig(level=logging.INFO)
    try:
        stats = asyncio.run(
            simulate(count, mqtt_url, maker, rate=rate, seed=seed, duration=duration)
        )
    except KeyboardInterrupt:
        return
    typer.echo(
        f"{stats.states_published} states published, {stats.commands_answered} commands answered"
    )
