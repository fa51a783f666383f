"""Domain events and the in-process bus that delivers them after a commit.

Handlers of one event are independent: a failing handler is logged and the others still run
(an event is a fact that already happened; it cannot be refused).
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event: a frozen record of something that happened."""


EventHandler = Callable[[Any], Awaitable[None] | None]


class EventBus:
    """Synchronous-per-process publish/subscribe keyed by event class."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[EventHandler]] = defaultdict(list)

    def subscribe(self, event_type: type[Event], handler: EventHandler) -> None:
        """Call ``handler`` for every published event of ``event_type`` (or a subclass)."""
        self._handlers[event_type].append(handler)

    def handlers_for(self, event: Event) -> list[EventHandler]:
        """Handlers subscribed to the event's class or any base class."""
        found: list[EventHandler] = []
        for cls in type(event).__mro__:
            found.extend(self._handlers.get(cls, []))
        return found

    async def publish(self, event: Event) -> None:
        """Deliver ``event`` to every handler; failures are logged, never raised."""
        for handler in self.handlers_for(event):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("event_handler_failed", event_type=type(event).__name__)
