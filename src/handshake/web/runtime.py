"""What delivery code (HTTP, CLI, tasks) may ask of the running application.

The composition root (``bootstrap``) implements :class:`AppServices`; domains' delivery modules
depend on this protocol, never on bootstrap, so the layers stay one-way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from handshake.db.uow import UnitOfWork
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.settings import Settings

T = TypeVar("T")


class AppServices(Protocol):
    """The running application's settings, units of work and personal-data registry."""

    settings: Settings
    personal_data: PersonalDataRegistry

    def uow(self) -> UnitOfWork:
        """A unit of work for a writing use case."""
        ...

    def read_uow(self) -> UnitOfWork:
        """A unit of work for a read-only use case (never queues behind writers on SQLite)."""
        ...


@dataclass(frozen=True)
class CliRuntime:
    """Handed to Typer commands as ``ctx.obj``: opens the application around async work."""

    open_services: Callable[[], AbstractAsyncContextManager[AppServices]]

    def run(self, work: Callable[[AppServices], Awaitable[T]]) -> T:
        """Run ``work`` with a freshly opened application and close it afterwards."""

        async def runner() -> T:
            async with self.open_services() as services:
                return await work(services)

        return asyncio.run(runner())
