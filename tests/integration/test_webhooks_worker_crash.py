"""A ``handshake worker`` process killed with SIGKILL mid-delivery, then started again.

Runs on a SQLite file and on PostgreSQL (``HANDSHAKE_TEST_POSTGRES_URL``). The worker is a real
subprocess on the test's database; the receiver is a real HTTP server on 127.0.0.1 that answers
slowly and checks every Standard Webhooks signature. After the restart every event must have
been verified at least once and every delivery must be recorded as succeeded.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handshake.bootstrap import Container
from handshake.jobs import service as jobs
from handshake.settings import DatabaseSettings, JobSettings, Settings, WebhookSettings
from handshake.webhooks import service
from tests.conftest import make_settings
from tests.webhooks_helpers import Receiver, Reply, partner_with_endpoint, running_receiver

EVENTS = 60
# Distinct events the receiver verified before the first worker is killed (a quarter).
KILL_AFTER_VERIFIED = 15
# Each answer takes this long, so the worker is busy sending when it is killed.
SLOW_REPLY = Reply(delay_seconds=0.08)
WAIT_SECONDS = 30.0
# Shared by the test's settings (validated here) and the worker processes' environment. The
# lease is short so the restarted worker takes the killed one's jobs over quickly; it must
# outlast a batch: ceil(batch_size / max_in_flight) x timeout_seconds = 2 x 2 s < 5 s.
WORKER_JOBS: dict[str, Any] = {
    "embedded_worker": False,
    "batch_size": 4,
    "lease_seconds": 5,
    "poll_interval_seconds": 0.05,
    "backoff_base_seconds": 0.1,
    "backoff_max_seconds": 0.5,
}
WORKER_WEBHOOKS: dict[str, Any] = {
    "max_in_flight": 2,
    "timeout_seconds": 2.0,
    "retry_schedule_seconds": [1, 1, 1],
    "retry_jitter": 0,
    "allow_private_targets": True,
}
WORKER_COMMAND = (sys.executable, "-m", "handshake.entrypoints.cli", "worker")


@dataclass(frozen=True)
class WorkerProcess:
    """A ``handshake worker`` subprocess and the file its output goes to."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        """The last lines the worker wrote, for failure messages."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "worker output:\n" + "\n".join(lines[-40:])


SpawnWorker = Callable[[str], WorkerProcess]


@pytest.fixture
def settings(database_settings: DatabaseSettings) -> Settings:
    """Test settings with the worker processes' jobs and webhooks sections."""
    return make_settings(
        database_settings,
        jobs=JobSettings(**WORKER_JOBS),
        webhooks=WebhookSettings(**WORKER_WEBHOOKS),
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A receiver on 127.0.0.1 that answers every request slowly."""
    async with running_receiver() as started:
        started.reply_with(*[SLOW_REPLY] * (10 * EVENTS))
        yield started


def _worker_env(settings: Settings) -> dict[str, str]:
    """The environment of a worker process: the test's database and worker settings only."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HANDSHAKE_")}
    env["HANDSHAKE_ENVIRONMENT"] = "test"
    env["HANDSHAKE_DATABASE__URL"] = settings.database.url
    if settings.database.schema_name:
        env["HANDSHAKE_DATABASE__SCHEMA_NAME"] = settings.database.schema_name
    for section, values in (("JOBS", WORKER_JOBS), ("WEBHOOKS", WORKER_WEBHOOKS)):
        for name, value in values.items():
            env[f"HANDSHAKE_{section}__{name.upper()}"] = json.dumps(value)
    return env


@pytest.fixture
def spawn_worker(settings: Settings, tmp_path: Path) -> Iterator[SpawnWorker]:
    """Starts worker processes on the test database; any still running at the end is killed."""
    started: list[WorkerProcess] = []

    def spawn(name: str) -> WorkerProcess:
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                WORKER_COMMAND,
                env=_worker_env(settings),
                cwd=tmp_path,  # no stray .env, and ./var stays inside the test directory
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        started.append(WorkerProcess(process, log_path))
        return started[-1]

    yield spawn
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


async def _publish_events(container: Container, partner_id: str) -> set[str]:
    """Publish ``EVENTS`` events to the partner; their ids (the ``webhook-id``s)."""
    published = set()
    for number in range(EVENTS):
        event_id = await service.publish_event(
            uow=container.uow(),
            partner_id=partner_id,
            event_type="order.created",
            data={"n": number},
        )
        published.add(event_id)
    return published


def _verified_ids(receiver: Receiver) -> set[str]:
    """The ``webhook-id`` of every request whose signature the receiver verified."""
    return {request.webhook_id for request in receiver.requests if request.verified_with}


def _invalid_signatures(receiver: Receiver) -> int:
    """How many requests carried no signature the receiver could verify."""
    return sum(1 for request in receiver.requests if not request.verified_with)


async def _delivery_statuses(container: Container, partner_id: str) -> Counter[str]:
    """How many of the partner's deliveries are in each status."""
    page = await service.list_deliveries(
        uow=container.read_uow(), partner_id=partner_id, limit=10 * EVENTS
    )
    return Counter(str(log.delivery.status) for log in page.items)


async def _wait_until(condition: Callable[[], Awaitable[bool]], worker: WorkerProcess) -> bool:
    """Poll ``condition`` until it holds (True), the worker exits or the deadline passes."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and worker.process.poll() is None:
        if await condition():
            return True
        await asyncio.sleep(0.02)
    return False


async def _kill(worker: WorkerProcess) -> None:
    """``kill -9`` the worker and reap it."""
    os.kill(worker.process.pid, signal.SIGKILL)
    await asyncio.to_thread(worker.process.wait, WAIT_SECONDS)
    assert worker.process.returncode == -signal.SIGKILL, worker.output()


async def _stop(worker: WorkerProcess) -> None:
    """Ask the worker to stop (SIGTERM) and wait for a clean exit."""
    worker.process.send_signal(signal.SIGTERM)
    await asyncio.to_thread(worker.process.wait, WAIT_SECONDS)
    assert worker.process.returncode == 0, worker.output()


async def test_worker_killed_mid_delivery_delivers_every_event_signed_after_restart(
    container: Container, receiver: Receiver, spawn_worker: SpawnWorker
) -> None:
    partner_id, _ = await partner_with_endpoint(container, receiver)
    published = await _publish_events(container, partner_id)

    async def some_verified() -> bool:
        return len(_verified_ids(receiver)) >= KILL_AFTER_VERIFIED

    killed = spawn_worker("killed")
    assert await _wait_until(some_verified, killed), killed.output()
    await _kill(killed)
    assert len(_verified_ids(receiver)) < EVENTS
    assert (await _delivery_statuses(container, partner_id))["succeeded"] < EVENTS

    async def all_delivered() -> bool:
        statuses = await _delivery_statuses(container, partner_id)
        return _verified_ids(receiver) >= published and statuses["succeeded"] == EVENTS

    restarted = spawn_worker("restarted")
    await _wait_until(all_delivered, restarted)  # the assertions below say what is missing
    await _stop(restarted)

    assert _verified_ids(receiver) == published, restarted.output()
    assert _invalid_signatures(receiver) == 0
    assert await _delivery_statuses(container, partner_id) == Counter({"succeeded": EVENTS})
    depth = await jobs.queue_depth(uow=container.read_uow())
    assert (depth["pending"], depth["running"], depth["dead"]) == (0, 0, 0), depth
