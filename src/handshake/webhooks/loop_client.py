"""One outgoing HTTP client per event loop, shared by every call made on that loop.

A client's pooled connections belong to the loop that opened them, so a process that runs
several loops over its life (tests, CLI commands) gets a fresh client on each; calls on one loop
keep their connections alive between them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx


class PerLoopClient:
    """Builds the client on first use in a loop, and again when the loop changes."""

    def __init__(self, build: Callable[[], httpx.AsyncClient]) -> None:
        self._build = build
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> httpx.AsyncClient:
        """The client of the running loop."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            self._http, self._loop = self._build(), loop
        return self._http

    async def aclose(self) -> None:
        """Close the client (its connections) if it belongs to the running loop."""
        http, self._http = self._http, None
        if http is not None and self._loop is asyncio.get_running_loop():
            await http.aclose()
        self._loop = None
