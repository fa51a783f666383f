"""A closed-loop POST load generator for form-encoded OAuth endpoints.

wrk replays one fixed request; a refresh grant needs each connection to send the refresh token
its previous response returned (replaying one would trip reuse detection and revoke the family).
So each asyncio worker keeps its own state, builds its next form from it and reads the answer.
The same generator measures the baseline, so the ratio compares like with like.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.load import LoadResult, _percentiles

# (worker index) -> form fields of its next request
FormBuilder = Callable[[int], dict[str, str]]
# (worker index, response) -> whether it succeeded (may update the worker's state)
ResponseCheck = Callable[[int, httpx.Response], bool]


async def form_load(
    url: str,
    *,
    seconds: float,
    connections: int,
    build: FormBuilder,
    check: ResponseCheck,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """POST forms to ``url`` from ``connections`` workers for ``seconds``."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                response = await client.post(url, data=build(index), headers=headers)
                ok = check(index, response)
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - sent) * 1000)
            counts["ok" if ok else "errors"] += 1

    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        await asyncio.gather(*(worker(i, client) for i in range(connections)))
    elapsed = time.perf_counter() - started
    return LoadResult(
        requests=counts["ok"] + counts["errors"],
        errors=counts["errors"],
        seconds=round(elapsed, 3),
        requests_per_second=round(counts["ok"] / elapsed, 2) if elapsed else 0.0,
        latency_ms=_percentiles(latencies),
    )


def run_form_load(url: str, **kwargs: Any) -> LoadResult:
    """:func:`form_load` from synchronous code."""
    return asyncio.run(form_load(url, **kwargs))
