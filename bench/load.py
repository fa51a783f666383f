"""Load generators: ``wrk`` when installed, else a bounded asyncio + httpx keep-alive client."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

MAX_PYTHON_REQUESTS = 2_000_000  # hard bound on the fallback client, whatever the duration
PACED_CONNECTIONS = 16  # connections of a paced (fixed-rate) wrk run


@dataclass(frozen=True)
class LoadResult:
    """What one measurement run produced."""

    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    latency_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return asdict(self)


class LoadGenerator(Protocol):
    """Hammers one URL with fixed concurrency for a bounded time."""

    name: str
    version: str

    def run(
        self,
        url: str,
        *,
        seconds: float,
        connections: int,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        """Measure ``url`` for ``seconds`` with ``connections`` concurrent keep-alive clients."""
        ...


class WrkLoad:
    """``wrk`` with one thread (the machine's other core serves) and ``--latency``."""

    name = "wrk"

    def __init__(self, executable: str) -> None:
        self.executable = executable
        probe = subprocess.run([executable, "-v"], capture_output=True, text=True, check=False)
        match = re.search(r"wrk\s+(\S+)", probe.stdout + probe.stderr)
        self.version = match.group(1) if match else "unknown"

    def run(
        self,
        url: str,
        *,
        seconds: float,
        connections: int,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        """Run wrk once and parse its summary."""
        return self._run_wrk(url, None, seconds, connections, headers)

    def run_paced(
        self,
        url: str,
        *,
        rate: float,
        seconds: float,
        connections: int = PACED_CONNECTIONS,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        """Run wrk with each connection waiting ``connections / rate`` s between requests.

        The offered rate is at most ``rate`` (each wait comes after a response, so a slower
        server is offered a little less); the achieved rate is reported next to it.
        """
        interval_ms = max(0.0, connections * 1000.0 / rate)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(f"function delay()\n  return {interval_ms:.3f}\nend\n")
        try:
            return self._run_wrk(url, script.name, seconds, connections, headers)
        finally:
            Path(script.name).unlink(missing_ok=True)

    def _run_wrk(
        self,
        url: str,
        script: str | None,
        seconds: float,
        connections: int,
        headers: dict[str, str] | None,
    ) -> LoadResult:
        duration = max(1, round(seconds))
        command = [self.executable, "-t1", f"-c{connections}", f"-d{duration}s"]
        command += ["-s", script] if script else []
        command += ["--timeout", "5s", "--latency"]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(url)
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=duration + 30
        )
        return parse_wrk_output(done.stdout)


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _to_ms(value: str, unit: str) -> float:
    return float(value) * _UNIT_MS[unit]


def parse_wrk_output(output: str) -> LoadResult:
    """Requests, errors, duration, req/s and latency percentiles from wrk's text summary."""
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if total is None or rate is None:
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    latency = {
        f"p{pct}": round(_to_ms(value, unit), 3)
        for pct, value, unit in re.findall(
            r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE
        )
    }
    return LoadResult(
        requests=int(total.group(1)),
        errors=errors,
        seconds=round(_to_ms(total.group(2), total.group(3)) / 1000, 3),
        requests_per_second=float(rate.group(1)),
        latency_ms=latency,
    )


class PythonLoad:
    """Fallback: ``connections`` asyncio workers sharing one keep-alive httpx client."""

    name = "python-httpx"
    version = httpx.__version__

    def run(
        self,
        url: str,
        *,
        seconds: float,
        connections: int,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        """Run the client once (bounded by time and by ``MAX_PYTHON_REQUESTS``)."""
        return asyncio.run(
            python_load(url, seconds=seconds, connections=connections, headers=headers)
        )


async def python_load(
    url: str,
    *,
    seconds: float,
    connections: int,
    max_requests: int = MAX_PYTHON_REQUESTS,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Measure ``url`` with fixed concurrency until ``seconds`` pass or ``max_requests`` ran."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline and counts["ok"] + counts["errors"] < max_requests:
            sent = time.perf_counter()
            try:
                response = await client.get(url, headers=headers)
                ok = response.status_code < 400
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - sent) * 1000)
            counts["ok" if ok else "errors"] += 1

    async with httpx.AsyncClient(limits=limits, timeout=5.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    total = counts["ok"] + counts["errors"]
    return LoadResult(
        requests=total,
        errors=counts["errors"],
        seconds=round(elapsed, 3),
        requests_per_second=round(counts["ok"] / elapsed, 2) if elapsed else 0.0,
        latency_ms=_percentiles(latencies),
    )


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)
    return {
        f"p{pct}": round(ordered[min(len(ordered) - 1, len(ordered) * pct // 100)], 3)
        for pct in (50, 75, 90, 99)
    }


def detect_load_generator(prefer: str = "auto") -> LoadGenerator:
    """``wrk`` if installed (and not refused), else the Python client."""
    executable = shutil.which("wrk")
    if prefer in ("auto", "wrk") and executable:
        return WrkLoad(executable)
    if prefer == "wrk":
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return PythonLoad()
