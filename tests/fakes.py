"""In-memory fakes for unit tests of services (cosmicpython style)."""

from __future__ import annotations

from typing import Any, TypeVar

from handshake.db.uow import UnitOfWork
from handshake.kernel.events import EventBus

R = TypeVar("R")


class FakeUnitOfWork(UnitOfWork):
    """A unit of work whose repositories are in-memory fakes registered per repository type."""

    def __init__(self, repositories: dict[type[Any], Any] | None = None) -> None:
        super().__init__(EventBus())
        self.fakes: dict[type[Any], Any] = dict(repositories or {})
        self.committed = 0
        self.rolled_back = 0
        self.published: list[Any] = []
        self.bus.subscribe(object, self.published.append)  # type: ignore[arg-type]

    def _make_repository(self, repository_type: type[R]) -> R:
        try:
            return self.fakes[repository_type]  # type: ignore[no-any-return]
        except KeyError:
            raise AssertionError(f"no fake registered for {repository_type.__name__}") from None

    async def _begin(self) -> None:
        self._repositories = {}

    async def _commit(self) -> None:
        self.committed += 1

    async def _rollback(self) -> None:
        self.rolled_back += 1
