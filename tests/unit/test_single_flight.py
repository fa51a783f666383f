"""Single flight: one computation for concurrent callers of a key; failures are not shared."""

from __future__ import annotations

import asyncio

import pytest

from handshake.kernel.single_flight import SingleFlight


async def test_concurrent_callers_of_one_key_share_one_computation() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    waiting = [asyncio.create_task(flights.run("k", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    assert len(flights) == 1
    release.set()

    assert await asyncio.gather(*waiting) == [42, 42, 42, 42, 42]
    assert calls == 1
    assert len(flights) == 0


async def test_different_keys_compute_separately() -> None:
    flights: SingleFlight[str, str] = SingleFlight()

    async def compute_for(key: str) -> str:
        await asyncio.sleep(0)
        return key.upper()

    results = await asyncio.gather(
        flights.run("a", lambda: compute_for("a")), flights.run("b", lambda: compute_for("b"))
    )

    assert results == ["A", "B"]


async def test_a_failing_leader_keeps_its_error_and_followers_compute_themselves() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    started = asyncio.Event()
    fail = asyncio.Event()
    follower_calls = 0

    async def failing() -> int:
        started.set()
        await fail.wait()
        raise RuntimeError("leader failed")

    async def follower_compute() -> int:
        nonlocal follower_calls
        follower_calls += 1
        return 7

    leader = asyncio.create_task(flights.run("k", failing))
    await started.wait()
    follower = asyncio.create_task(flights.run("k", follower_compute))
    await asyncio.sleep(0)
    fail.set()

    with pytest.raises(RuntimeError, match="leader failed"):
        await leader
    assert await follower == 7
    assert follower_calls == 1
    assert len(flights) == 0


async def test_a_cancelled_leader_does_not_cancel_its_followers() -> None:
    flights: SingleFlight[str, int] = SingleFlight()
    started = asyncio.Event()

    async def slow() -> int:
        started.set()
        await asyncio.sleep(60)
        return 1

    async def quick() -> int:
        return 2

    leader = asyncio.create_task(flights.run("k", slow))
    await started.wait()
    follower = asyncio.create_task(flights.run("k", quick))
    await asyncio.sleep(0)
    leader.cancel()

    assert await follower == 2
    with pytest.raises(asyncio.CancelledError):
        await leader
