"""Reading the audit log: the shopper's (in plain words) and the maker's access log.

Both sides read the same chain — the shopper's with one maker — a page at a time, with every
entry's hash so either can keep a copy and check it later, and whether the chain still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handshake.db.uow import UnitOfWork
from handshake.devices.audit import verify_chain
from handshake.devices.audit_wording import describe
from handshake.devices.repository import AuditRepository


@dataclass(frozen=True)
class LogLine:
    """One audited fact, with its sentence."""

    seq: int
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any]
    text: str
    hash: str


@dataclass(frozen=True)
class AuditPage:
    """A page of the log, where the next one starts, and whether the chain holds."""

    lines: list[LogLine]
    next_after: int | None
    intact: bool


async def read_audit_log(
    *, uow: UnitOfWork, shopper_id: str, partner_id: str, after: int = 0, limit: int = 100,
    language: str = "en",
) -> AuditPage:  # fmt: skip
    """Entries of the shopper's chain with the maker after position ``after``, oldest first."""
    async with uow:
        repo = uow.repo(AuditRepository)
        chain = await repo.chain_of(shopper_id, partner_id)
        if chain is None:
            return AuditPage([], None, True)
        entries = await repo.entries(chain.id, after_seq=after, limit=limit)
        intact = await verify_chain(uow, chain) is None
    lines = [
        LogLine(e.seq, e.at, e.kind, e.actor, e.detail,
                describe(e.kind, e.actor, e.detail, language), e.hash)
        for e in entries
    ]  # fmt: skip
    next_after = lines[-1].seq if len(lines) == limit else None
    return AuditPage(lines, next_after, intact)
