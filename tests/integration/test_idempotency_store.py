"""Idempotency keys on SQLite and PostgreSQL: replay, conflict, in flight, release, takeover."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from handshake.bootstrap import Container
from handshake.idempotency import service
from handshake.idempotency.errors import IdempotencyConflict, IdempotencyInFlight
from handshake.kernel import clock
from tests.linking_helpers import FROZEN_START

SCOPE = "ptn_1:/partner/v1/checkout-sessions/chk_1/complete"


def request(key: str = "key-1", body: object = None) -> service.IdempotentRequest:
    return service.keyed_request(scope=SCOPE, key=key, body=body or {"confirm": True})


async def test_an_answered_key_replays_its_answer_without_running_again(
    container: Container,
) -> None:
    first = request()
    assert await service.claim(uow=container.uow(), request=first) is None
    await service.record_answer(
        uow=container.uow(), request=first, status_code=201, body={"order_id": "ord_1"}
    )

    replay = await service.claim(uow=container.uow(), request=request())

    assert replay == service.StoredAnswer(201, {"order_id": "ord_1"})


async def test_the_same_key_with_another_body_is_refused(container: Container) -> None:
    await service.claim(uow=container.uow(), request=request())

    with pytest.raises(IdempotencyConflict):
        await service.claim(uow=container.uow(), request=request(body={"confirm": False}))


async def test_a_key_in_flight_asks_to_retry_later_then_can_be_taken_over(
    container: Container,
) -> None:
    with clock.frozen_at(FROZEN_START):
        assert await service.claim(uow=container.uow(), request=request()) is None
        clock.advance(timedelta(seconds=20))
        with pytest.raises(IdempotencyInFlight) as caught:
            await service.claim(uow=container.uow(), request=request())
        assert caught.value.retry_after_seconds == 40
        clock.advance(timedelta(seconds=41))  # the first request died holding the key

        assert await service.claim(uow=container.uow(), request=request()) is None


async def test_a_released_key_runs_afresh(container: Container) -> None:
    first = request()
    await service.claim(uow=container.uow(), request=first)
    await service.release(uow=container.uow(), request=first)

    assert await service.claim(uow=container.uow(), request=request(body={"other": 1})) is None


async def test_an_answer_rolled_back_with_its_business_change_leaves_no_ghost(
    container: Container,
) -> None:
    first = request()
    await service.claim(uow=container.uow(), request=first)
    uow = container.uow()
    with pytest.raises(RuntimeError):
        async with uow:
            await service.record_answer(uow=uow, request=first, status_code=201, body={})
            raise RuntimeError("the order could not be written")

    with pytest.raises(IdempotencyInFlight):
        await service.claim(uow=container.uow(), request=request())


async def test_of_twenty_concurrent_claims_of_one_key_exactly_one_runs(
    container: Container,
) -> None:
    outcomes = await asyncio.gather(
        *(service.claim(uow=container.uow(), request=request()) for _ in range(20)),
        return_exceptions=True,
    )

    assert sum(outcome is None for outcome in outcomes) == 1
    assert sum(isinstance(outcome, IdempotencyInFlight) for outcome in outcomes) == 19


async def test_keys_are_kept_24_hours_then_purged(container: Container) -> None:
    with clock.frozen_at(FROZEN_START):
        first = request()
        await service.claim(uow=container.uow(), request=first)
        await service.record_answer(uow=container.uow(), request=first, status_code=200, body=1)
        clock.advance(timedelta(hours=23, minutes=59))
        assert await service.purge_expired_keys(uow=container.uow()) == 0
        assert await service.claim(uow=container.uow(), request=request()) == (
            service.StoredAnswer(200, 1)
        )
        clock.advance(timedelta(minutes=1))

        assert await service.purge_expired_keys(uow=container.uow()) == 1


async def test_a_slow_first_request_that_lost_its_key_can_neither_answer_nor_release_it(
    container: Container,
) -> None:
    with clock.frozen_at(FROZEN_START):
        slow, retry = request(), request()
        assert await service.claim(uow=container.uow(), request=slow) is None
        clock.advance(timedelta(seconds=61))
        assert await service.claim(uow=container.uow(), request=retry) is None  # taken over

        with pytest.raises(IdempotencyInFlight):
            await service.record_answer(
                uow=container.uow(), request=slow, status_code=201, body={"order_id": "ord_slow"}
            )
        await service.release(uow=container.uow(), request=slow)  # not the holder: no effect
        await service.record_answer(
            uow=container.uow(), request=retry, status_code=201, body={"order_id": "ord_retry"}
        )

        assert await service.claim(uow=container.uow(), request=request()) == (
            service.StoredAnswer(201, {"order_id": "ord_retry"})
        )


async def test_a_5xx_answer_is_never_kept(container: Container) -> None:
    first = request()
    await service.claim(uow=container.uow(), request=first)

    with pytest.raises(ValueError, match="5xx"):
        await service.record_answer(uow=container.uow(), request=first, status_code=503, body={})

    with pytest.raises(IdempotencyInFlight):  # still held by the first request
        await service.claim(uow=container.uow(), request=request())


async def test_the_workers_hourly_maintenance_purges_expired_keys(container: Container) -> None:
    with clock.frozen_at(FROZEN_START):
        first = request()
        await service.claim(uow=container.uow(), request=first)
        await service.record_answer(uow=container.uow(), request=first, status_code=200, body=1)
        clock.advance(timedelta(hours=25))

        for clean_up in container.maintenance():
            await clean_up()

        assert await service.claim(uow=container.uow(), request=request()) is None  # runs anew
