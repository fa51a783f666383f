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


@dataclass(frozen=True)
class BatchItem:
    """One leased job handed to a batch handler."""

    job_id: str
    attempt: int
    payload: dict[str, Any]


# Runs many jobs of one name at once; returns the error of each job that failed (by job id).
# Jobs absent from the answer succeeded; an exception fails the whole batch.
BatchHandler = Callable[[list[BatchItem], Callable[[], UnitOfWork]], Awaitable[dict[str, str]]]


class JobRegistry:
    """Maps job names (``"catalog.reindex"``) to idempotent async handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._batch_handlers: dict[str, BatchHandler] = {}

    def register(self, name: str, handler: JobHandler) -> None:
        """Register ``handler`` under ``name``; a name can be registered once."""
        if name in self._handlers:
            raise ValueError(f"job handler {name!r} registered twice")
        self._handlers[name] = handler

    def register_batch(self, name: str, handler: BatchHandler) -> None:
        """Let the worker hand every leased ``name`` job of a batch to ``handler`` at once.

        ``name`` must also have a one-job handler (``register``); both must be idempotent.
        """
        if name not in self._handlers:
            raise ValueError(f"register a one-job handler for {name!r} first")
        if name in self._batch_handlers:
            raise ValueError(f"batch handler {name!r} registered twice")
        self._batch_handlers[name] = handler

    def batch_handler(self, name: str) -> BatchHandler | None:
        """The batch handler of ``name``, if it has one."""
        return self._batch_handlers.get(name)

    def get(self, name: str) -> JobHandler:
        """The handler for ``name``."""
        try:
            return self._handlers[name]
        except KeyError:
            raise UnknownJobHandler(name) from None

    def names(self) -> list[str]:
        """Registered job names, sorted."""
        return sorted(self._handlers)
