"""The unit of work: one transaction, the repositories working in it, the events it recorded.

Services open it with ``async with uow:`` and call ``await uow.commit()``. Blocks nest: only the
outermost block really commits or rolls back, so a service can call another service's building
blocks inside its own transaction. Events recorded during the transaction are published on the
bus only after a successful commit.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handshake.kernel.errors import DomainError
from handshake.kernel.events import Event, EventBus

R = TypeVar("R")


class Repository:
    """Base of SQL repositories: every query of a domain lives in its subclass."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entity: object) -> None:
        """Stage a new entity for insertion."""
        self.session.add(entity)

    def conflict_insert(self, entity: type[Any] | Table) -> Any:
        """An INSERT of ``entity`` (or a table) with ``on_conflict_do_…`` in this dialect."""
        dialect = self.session.get_bind().dialect.name
        return (pg_insert if dialect == "postgresql" else sqlite_insert)(entity)

    async def execute_count(self, statement: Any) -> int:
        """Run an UPDATE or DELETE; how many rows it touched."""
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def flush_unique(self, error: DomainError) -> None:
        """Write pending changes now; a unique-constraint clash (a lost race) raises ``error``."""
        try:
            await self.session.flush()
        except IntegrityError:
            raise error from None


class UnitOfWork:
    """Abstract unit of work shared by the SQL implementation and test fakes."""

    def __init__(self, bus: EventBus | None = None) -> None:
        self.bus = bus or EventBus()
        self.events: list[Event] = []
        self._depth = 0
        self._repositories: dict[type[Any], Any] = {}

    def repo(self, repository_type: type[R]) -> R:
        """The instance of ``repository_type`` bound to this transaction."""
        existing = self._repositories.get(repository_type)
        if existing is None:
            existing = self._make_repository(repository_type)
            self._repositories[repository_type] = existing
        return existing

    def record(self, event: Event) -> None:
        """Remember ``event`` to publish once the transaction commits."""
        self.events.append(event)

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self.events = []
            await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            # Closing also rolls back anything uncommitted, but unlike rollback() it leaves loaded
            # objects readable, so services can return what they read.
            if exc_type is not None:
                await self._rollback()
            await self._close()

    async def commit(self) -> None:
        """Commit when this is the outermost block, then publish the recorded events."""
        if self._depth > 1:
            return
        await self._commit()
        events, self.events = self.events, []
        for recorded in events:
            await self.bus.publish(recorded)

    async def flush(self) -> None:
        """Send pending changes to the database without committing (to surface conflicts)."""

    def _make_repository(self, repository_type: type[R]) -> R:
        raise NotImplementedError

    async def _begin(self) -> None:
        """Start the transaction."""

    async def _commit(self) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        """Release resources."""


class SqlUnitOfWork(UnitOfWork):
    """Unit of work over one SQLAlchemy ``AsyncSession``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], bus: EventBus) -> None:
        super().__init__(bus)
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    def _make_repository(self, repository_type: type[R]) -> R:
        return repository_type(self.session)  # type: ignore[call-arg]

    async def _begin(self) -> None:
        self._session = self._session_factory()
        self._repositories = {}

    async def flush(self) -> None:
        await self.session.flush()

    async def _commit(self) -> None:
        await self.session.commit()

    async def _rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None
        self._repositories = {}


def session_factories(
    engine: AsyncEngine,
) -> tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]:
    """(writer, reader) session factories; readers never queue and cost no extra round trips.

    On SQLite readers BEGIN DEFERRED (a snapshot without taking the write lock). On PostgreSQL
    they run in AUTOCOMMIT: no BEGIN and no ROLLBACK round trips around each read. Under the
    default READ COMMITTED every statement already took its own snapshot, so reads see exactly
    what they saw before; readers must not write (nothing would roll a write back).
    """
    writer = async_sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        reader_engine = engine.execution_options(sqlite_begin="DEFERRED")
    else:
        reader_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    reader = async_sessionmaker(reader_engine, expire_on_commit=False)
    return writer, reader


UnitOfWorkFactory = Callable[[], UnitOfWork]
