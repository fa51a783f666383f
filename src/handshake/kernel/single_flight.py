"""Single flight: concurrent callers asking for the same missing value share one computation.

When a short-lived cache entry expires under load, every request in flight misses at once and
each recomputes the same value (a cache stampede); on one event loop they queue behind each
other. With a single flight the first caller computes and the others await its result. If the
first caller fails or is cancelled, each waiting caller computes on its own (an error is never
handed to callers that did not cause it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """Computations in progress, by key."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[V]] = {}

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The value of ``compute()``, shared with concurrent callers of the same ``key``."""
        leader = self._running.get(key)
        if leader is not None:
            await asyncio.wait([leader])
            if not leader.cancelled():
                return leader.result()
            return await compute()
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
        except BaseException:
            future.cancel()  # the waiting callers compute on their own
            raise
        finally:
            del self._running[key]
        future.set_result(value)
        return value
