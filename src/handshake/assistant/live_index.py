"""Each process's in-memory search index, loaded from the persisted entries and kept fresh."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from handshake.assistant.embedding import Embedder, embedder_named
from handshake.assistant.indexing import document_from_json
from handshake.assistant.product_index import ProductIndex
from handshake.assistant.repository import AssistantRepository
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.events import EventBus

PAGE = 2000
# Rows committed out of order by concurrent writers land slightly "in the past": look back.
OVERLAP = timedelta(seconds=5)


@dataclass(eq=False)  # identity: derived caches key on the instance
class LiveIndex:
    """A ProductIndex plus how far it has read the persisted entries."""

    index: ProductIndex
    embedder_name: str
    synced_until: datetime | None = None
    checked_at: float | None = None
    version: int = 0  # moves whenever rows were loaded: derived data (vocabulary) is stale
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ensure_fresh(self, uow: UnitOfWork, *, max_age_seconds: float) -> None:
        """Load the entries written since the last look, at most every ``max_age_seconds``."""
        now = clock.now().timestamp()
        if self.checked_at is not None and now - self.checked_at < max_age_seconds:
            return
        async with self.lock:
            if self.checked_at is not None and now - self.checked_at < max_age_seconds:
                return
            started = clock.now()
            await self._load_since(uow, self.synced_until)
            self.synced_until, self.checked_at = started - OVERLAP, now

    async def _load_since(self, uow: UnitOfWork, since: datetime | None) -> None:
        if since is not None:
            async with uow:
                last = await uow.repo(AssistantRepository).last_write()
            if last is None or last < since:
                return  # nothing new: the usual case, answered from the index on indexed_at
        after = ""
        while True:
            async with uow:
                rows = await uow.repo(AssistantRepository).entries_written_since(
                    since, after_id=after, limit=PAGE
                )
            if not rows:
                return
            self.version += 1
            # Parsing and indexing a page is CPU work: off the event loop, so a large catalog
            # loading at start-up does not stall the requests being served meanwhile.
            await asyncio.to_thread(self._apply, rows)
            after = rows[-1].product_id

    def _apply(self, rows: Sequence[Any]) -> None:
        listed = [r for r in rows if r.listed and r.embedder == self.embedder_name]
        kept = {r.product_id for r in listed}
        self.index.remove([r.product_id for r in rows if r.product_id not in kept])
        if listed:
            vectors = np.stack([np.frombuffer(r.vector, dtype=np.float32) for r in listed])
            self.index.upsert([document_from_json(r.document) for r in listed], vectors)


_indexes: WeakKeyDictionary[EventBus, LiveIndex] = WeakKeyDictionary()


_embedders: dict[str, Embedder] = {}


def live_index_of(uow: UnitOfWork, embedder_name: str) -> LiveIndex:
    """The in-memory index of the application ``uow`` belongs to."""
    live = _indexes.get(uow.bus)
    if live is None or live.embedder_name != embedder_name:
        live = LiveIndex(ProductIndex(shared_embedder(embedder_name)), embedder_name)
        _indexes[uow.bus] = live
    return live


def shared_embedder(name: str) -> Embedder:
    """The embedder of this process for ``name`` (a model is loaded once)."""
    embedder = _embedders.get(name)
    if embedder is None:
        embedder = _embedders[name] = embedder_named(name)
    return embedder
