"""An open-loop, fixed-rate GET load: requests start on schedule whether or not earlier ones
finished, so latency percentiles are measured at a chosen load (e.g. half of the maximum) without
coordinated omission. ``wrk`` (closed loop) measures the maximum; this measures latency at a rate.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.load import LoadResult, _percentiles

MAX_IN_FLIGHT = 256


async def fixed_rate_load(
    url: str, *, rate: float, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    """Start ``rate`` requests per second for ``seconds``; latency counted from each start."""
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    interval = 1.0 / rate
    total = int(rate * seconds)

    async def one(client: httpx.AsyncClient, scheduled: float) -> None:
        try:
            response = await client.get(url, headers=headers)
            ok = response.status_code < 400
        except httpx.HTTPError:
            ok = False
        latencies.append((time.perf_counter() - scheduled) * 1000)
        counts["ok" if ok else "errors"] += 1

    async with httpx.AsyncClient(limits=limits, timeout=5.0) as client:
        started = time.perf_counter()
        tasks = []
        for number in range(total):
            scheduled = started + number * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, scheduled)))
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return LoadResult(
        requests=total,
        errors=counts["errors"],
        seconds=round(elapsed, 3),
        requests_per_second=round(counts["ok"] / elapsed, 2) if elapsed else 0.0,
        latency_ms=_percentiles(latencies),
    )


def run_fixed_rate(
    url: str, *, rate: float, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    """:func:`fixed_rate_load` from synchronous code."""
    return asyncio.run(fixed_rate_load(url, rate=rate, seconds=seconds, headers=headers))
