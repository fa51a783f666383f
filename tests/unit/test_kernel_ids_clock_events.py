"""Ids sort by creation time; the clock can be frozen; event handlers are isolated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus
from handshake.kernel.ids import id_timestamp, is_id, new_id


def test_ids_are_prefixed_and_strictly_increasing() -> None:
    ids = [new_id("prd") for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2000
    assert all(is_id(i, "prd") for i in ids)
    assert not is_id(ids[0], "shp")


def test_ids_encode_the_clock_and_never_go_backwards() -> None:
    moment = datetime(2031, 1, 1, tzinfo=UTC)
    with clock.frozen_at(moment):
        future = new_id("shp")
    assert id_timestamp(future) == moment
    # Back at the real time, ids of this process still sort after the ones already made.
    assert new_id("shp") > future


@pytest.mark.parametrize("prefix", ["", "p", "PRD", "toolong", "pr1"])
def test_bad_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="bad id prefix"):
        new_id(prefix)


def test_frozen_clock_and_advance() -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
        clock.advance(timedelta(minutes=5))
        assert clock.now() == moment + timedelta(minutes=5)
    assert clock.now() != moment
    with pytest.raises(RuntimeError, match="frozen"):
        clock.advance(timedelta(seconds=1))


def test_ensure_utc_handles_naive_and_offset_times() -> None:
    naive = datetime(2026, 1, 1, 10, 0)
    assert clock.ensure_utc(naive) == datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    paris = datetime.fromisoformat("2026-01-01T10:00:00+01:00")
    assert clock.ensure_utc(paris) == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class ThingHappened(Event):
    name: str


async def test_failing_handler_does_not_stop_the_others() -> None:
    bus = EventBus()
    seen: list[str] = []

    def broken(event: ThingHappened) -> None:
        raise RuntimeError("handler bug")

    async def recorder(event: ThingHappened) -> None:
        seen.append(event.name)

    bus.subscribe(ThingHappened, broken)
    bus.subscribe(ThingHappened, recorder)
    bus.subscribe(Event, lambda e: seen.append("base"))
    await bus.publish(ThingHappened(name="x"))
    assert seen == ["x", "base"]
