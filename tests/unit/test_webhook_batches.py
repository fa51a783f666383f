"""A failing chunk of a webhook batch fails only its own jobs."""

from __future__ import annotations

from typing import Any

import pytest

from handshake.jobs.registry import BatchItem
from handshake.webhooks import tasks
from handshake.webhooks.tasks import DeliveryJob


async def test_only_the_jobs_of_a_failing_chunk_are_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "CHUNK_SIZE", 2)
    job = DeliveryJob(sender=None, policy=None)  # type: ignore[arg-type]
    seen: list[list[str]] = []

    async def run_chunk(items: list[BatchItem], uow_factory: Any) -> None:
        seen.append([item.job_id for item in items])
        if "j3" in seen[-1]:
            raise ConnectionError("database gone while recording")

    monkeypatch.setattr(job, "_run_chunk", run_chunk)
    items = [BatchItem(f"j{n}", 1, {"delivery_id": f"d{n}", "attempt": 1}) for n in range(1, 6)]

    errors = await job.run_batch(items, lambda: None)  # type: ignore[arg-type,return-value]

    assert seen == [["j1", "j2"], ["j3", "j4"], ["j5"]]
    assert sorted(errors) == ["j3", "j4"]
    assert all("database gone" in error for error in errors.values())
