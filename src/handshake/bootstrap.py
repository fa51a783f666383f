"""The composition root: builds the engine, bus, registries and wires every domain."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from handshake.assistant import service as assistant
from handshake.assistant import tasks as assistant_tasks
from handshake.attribution import attributing as attribution
from handshake.attribution import tasks as attribution_tasks
from handshake.attribution.attributing import AttributionPolicy
from handshake.checkout import service as checkout
from handshake.db.engine import create_engine
from handshake.db.uow import SqlUnitOfWork, UnitOfWork, session_factories
from handshake.devices import service as devices
from handshake.idempotency import service as idempotency
from handshake.jobs.registry import JobRegistry
from handshake.kernel.events import EventBus
from handshake.kernel.personal_data import PersonalDataRegistry
from handshake.linking.policy import LinkingPolicy
from handshake.settings import Settings, get_settings

# Domains in layer order, lowest first; each may ship models, tasks, api, views, cli.
DOMAINS: tuple[str, ...] = (
    "accounts",
    "catalog",
    "partners",
    "webhooks",
    "linking",
    "payments",
    "offers",
    "checkout",
    "devices",
    "notifications",
    "recommendations",
    "attribution",
    "video",
    "assistant",
    "agentic",
)
PLATFORM_MODELS: tuple[str, ...] = ("handshake.jobs.models", "handshake.idempotency.models")


def import_models() -> None:
    """Import every entity module so ``Base.metadata`` knows all tables."""
    for module in PLATFORM_MODELS:
        importlib.import_module(module)
    for domain in DOMAINS:
        importlib.import_module(f"handshake.{domain}.models")


def domain_packages() -> list[str]:
    """Importable package names of the domains, lowest first."""
    return [f"handshake.{domain}" for domain in DOMAINS]


@dataclass
class Container:
    """Everything a process needs, built once and shared by its entrypoints."""

    settings: Settings
    engine: AsyncEngine
    bus: EventBus
    jobs: JobRegistry
    personal_data: PersonalDataRegistry
    writer: async_sessionmaker[AsyncSession] = field(repr=False)
    reader: async_sessionmaker[AsyncSession] = field(repr=False)

    def uow(self) -> UnitOfWork:
        """A unit of work for a writing use case."""
        return SqlUnitOfWork(self.writer, self.bus)

    def read_uow(self) -> UnitOfWork:
        """A unit of work for a read-only use case."""
        return SqlUnitOfWork(self.reader, self.bus)

    def maintenance(self) -> list[Callable[[], Awaitable[object]]]:
        """Clean-ups the worker runs every hour (platform modules the worker may not import)."""

        async def purge_idempotency_keys() -> object:
            return await idempotency.purge_expired_keys(uow=self.uow())

        async def release_overdue_reservations() -> object:
            # Behind the per-session expiry jobs: stock held past its time goes back anyway.
            return await checkout.expire_due_reservations(uow=self.uow())

        async def purge_expired_device_data() -> object:
            return await devices.purge_expired_device_data(uow=self.uow())

        async def review_device_streaming() -> object:
            # Reminders a week before streaming pauses, and the pause made known to both sides.
            policy = LinkingPolicy.from_settings(self.settings)
            return await devices.review_streaming(uow=self.uow(), policy=policy)

        async def reconcile_assistant_index() -> object:
            # Catches what a lost refresh job missed: products whose version moved.
            return await assistant.refresh_search_index(
                uow=self.uow(), settings=self.settings.assistant
            )

        async def attribute_pending_orders() -> object:
            # Behind the per-order trigger: an order whose job was lost is attributed anyway.
            policy = AttributionPolicy.from_settings(self.settings)
            return await attribution.catch_up(uow_factory=self.uow, policy=policy)

        return [
            purge_idempotency_keys, release_overdue_reservations, purge_expired_device_data,
            review_device_streaming, reconcile_assistant_index, attribute_pending_orders,
        ]  # fmt: skip

    async def dispose(self) -> None:
        """Close the connection pool."""
        await self.engine.dispose()


def _wire_domains(container: Container) -> None:
    for domain in DOMAINS:
        try:
            wiring = importlib.import_module(f"handshake.{domain}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"handshake.{domain}.tasks":
                raise
            continue
        wiring.register(
            jobs=container.jobs,
            bus=container.bus,
            personal_data=container.personal_data,
            settings=container.settings,
        )


def build_container(settings: Settings | None = None, *, null_pool: bool = False) -> Container:
    """Build the container for ``settings`` (the environment's when omitted)."""
    settings = settings or get_settings()
    import_models()
    engine = create_engine(settings.database, null_pool=null_pool)
    writer, reader = session_factories(engine)
    container = Container(
        settings=settings,
        engine=engine,
        bus=EventBus(),
        jobs=JobRegistry(),
        personal_data=PersonalDataRegistry(),
        writer=writer,
        reader=reader,
    )
    _wire_domains(container)
    # The assistant's index follows the catalog through jobs queued after each change.
    assistant_tasks.follow_catalog(bus=container.bus, uow_factory=container.uow)
    attribution_tasks.follow_orders(bus=container.bus, uow_factory=container.uow)
    return container


@asynccontextmanager
async def open_container(settings: Settings | None = None) -> AsyncIterator[Container]:
    """A container for the duration of a block (CLI commands, scripts)."""
    container = build_container(settings)
    try:
        yield container
    finally:
        await container.dispose()
