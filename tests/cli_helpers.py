"""Running a domain's Typer app in tests over an already built container."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from handshake.bootstrap import Container
from handshake.web.runtime import AppServices, CliRuntime


def cli_runtime(container: Container) -> CliRuntime:
    """A CLI runtime whose commands use ``container`` (not one built from the environment)."""

    @asynccontextmanager
    async def open_services() -> AsyncIterator[AppServices]:
        yield container

    return CliRuntime(open_services=open_services)
