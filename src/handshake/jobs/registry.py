"""Job handlers, registered per domain at bootstrap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.jobs.errors import UnknownJobHandler


@dataclass(frozen=True)
class JobContext:
    """What a handler gets besides its payload."""

    job_id: str
    attempt: int
    uow_factory: Callable[[], UnitOfWork]


JobHandler = Callable[[dict[str, Any], JobContext], Awaitable[None]]


class JobRegistry:
    """Maps job names (``"catalog.reindex"``) to idempotent async handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}

    def register(self, name: str, handler: JobHandler) -> None:
        """Register ``handler`` under ``name``; a name can be registered once."""
        if name in self._handlers:
            raise ValueError(f"job handler {name!r} registered twice")
        self._handlers[name] = handler

    def get(self, name: str) -> JobHandler:
        """The handler for ``name``."""
        try:
            return self._handlers[name]
        except KeyError:
            raise UnknownJobHandler(name) from None

    def names(self) -> list[str]:
        """Registered job names, sorted."""
        return sorted(self._handlers)
