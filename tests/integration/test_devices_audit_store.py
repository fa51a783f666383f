"""The device audit log on SQLite and PostgreSQL: chained, append-only, tampering detected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from handshake.bootstrap import Container
from handshake.devices import service
from handshake.devices.audit import entry_hash
from handshake.devices.models import APPEND_ONLY_TRIGGERS, GENESIS_HASH


async def _append(container: Container, shopper: str, maker: str, n: int) -> None:
    await service.append_audit_entry(
        container.uow(), shopper_id=shopper, partner_id=maker, kind="disclosure",
        actor="platform", detail={"device": "thermo-1", "count": n},
    )  # fmt: skip


async def _execute(container: Container, sql: str) -> None:
    async with container.engine.begin() as connection:
        await connection.execute(text(sql))


@asynccontextmanager
async def tampering(container: Container) -> AsyncIterator[None]:
    """Drop the append-only triggers (as a database admin could), restore them afterwards.

    PostgreSQL keeps one schema per test process (tables are truncated between tests), so the
    triggers must come back for the tests that follow.
    """
    dialect = container.engine.dialect.name
    if dialect == "sqlite":
        drops = [f"DROP TRIGGER device_audit_entries_no_{a}" for a in ("update", "delete")]
    else:
        drops = ["DROP TRIGGER device_audit_entries_append_only ON device_audit_entries"]
    for statement in drops:
        await _execute(container, statement)
    try:
        yield
    finally:
        for statement in APPEND_ONLY_TRIGGERS[dialect]:
            await _execute(container, statement)


async def test_entries_chain_from_the_genesis_hash(container: Container) -> None:
    """Each entry links to the previous one's hash; the chain verifies."""
    for n in range(3):
        await _append(container, "shp_a", "ptn_m", n)
    await _append(container, "shp_b", "ptn_m", 0)
    checked, problems = await service.verify_audit(uow=container.read_uow())
    assert (checked, problems) == (4, [])
    async with container.engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT e.seq, e.prev_hash, e.hash, e.chain_id, e.kind, e.actor, e.at"
                    " FROM device_audit_entries e JOIN device_audit_chains c ON c.id = e.chain_id"
                    " WHERE c.shopper_id = 'shp_a' ORDER BY e.seq"
                )
            )
        ).all()
    assert [row.seq for row in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS_HASH
    assert [rows[1].prev_hash, rows[2].prev_hash] == [rows[0].hash, rows[1].hash]


async def test_the_database_refuses_to_change_or_remove_entries(container: Container) -> None:
    """Append-only: UPDATE and DELETE of entries fail in the database itself."""
    await _append(container, "shp_a", "ptn_m", 0)
    with pytest.raises(DBAPIError):
        await _execute(container, "UPDATE device_audit_entries SET actor = 'someone else'")
    with pytest.raises(DBAPIError):
        await _execute(container, "DELETE FROM device_audit_entries")
    assert await service.verify_audit(uow=container.read_uow()) == (1, [])


async def test_an_edited_entry_is_found(container: Container) -> None:
    """Changing an entry's content behind the database's back breaks its hash."""
    for n in range(3):
        await _append(container, "shp_a", "ptn_m", n)
    async with tampering(container):
        await _execute(container, "UPDATE device_audit_entries SET actor = 'maker' WHERE seq = 2")
    _, problems = await service.verify_audit(uow=container.read_uow())
    assert [(p.seq, p.problem) for p in problems] == [
        (2, "the entry's content does not match its hash")
    ]


async def test_removed_entries_are_found(container: Container) -> None:
    """A hole in the chain, and a cut-off tail, both show."""
    for n in range(4):
        await _append(container, "shp_a", "ptn_m", n)
    await _append(container, "shp_b", "ptn_m", 0)
    async with tampering(container):
        await _execute(container, "DELETE FROM device_audit_entries WHERE seq = 2")
        await _execute(
            container,
            "DELETE FROM device_audit_entries WHERE chain_id IN"
            " (SELECT id FROM device_audit_chains WHERE shopper_id = 'shp_b')",
        )
    _, problems = await service.verify_audit(uow=container.read_uow())
    assert sorted((p.shopper_id, p.seq, p.problem) for p in problems) == [
        ("shp_a", 2, "entry 2 is missing"),
        ("shp_b", 1, "the chain ends at entry 0 but its head says 1"),
    ]


async def test_concurrent_appends_to_one_chain_stay_in_order(container: Container) -> None:
    """Twenty appends at once: positions 1..20, every link intact."""
    await asyncio.gather(*(_append(container, "shp_a", "ptn_m", n) for n in range(20)))
    checked, problems = await service.verify_audit(uow=container.read_uow())
    assert (checked, problems) == (20, [])


def test_the_hash_covers_every_field() -> None:
    """Changing any field of an entry changes its hash."""
    from datetime import UTC, datetime

    base = {
        "chain_id": "dac_1", "seq": 1, "kind": "disclosure", "actor": "platform",
        "detail": {"count": 1}, "at": datetime(2029, 3, 1, tzinfo=UTC), "prev_hash": GENESIS_HASH,
    }  # fmt: skip
    reference = entry_hash(**base)  # type: ignore[arg-type]
    variants = [
        {"chain_id": "dac_2"}, {"seq": 2}, {"kind": "query"}, {"actor": "maker"},
        {"detail": {"count": 2}}, {"at": datetime(2029, 3, 2, tzinfo=UTC)}, {"prev_hash": "1" * 64},
    ]  # fmt: skip
    for change in variants:
        assert entry_hash(**{**base, **change}) != reference, change  # type: ignore[arg-type]
