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
from handshake.linking import service as linking
from handshake.linking.policy import LinkingPolicy


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
    language: str = "en", to_maker: bool = False,
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
                describe(e.kind, e.actor, e.detail, language, to_maker=to_maker), e.hash)
        for e in entries
    ]  # fmt: skip
    next_after = lines[-1].seq if len(lines) == limit else None
    return AuditPage(lines, next_after, intact)


@dataclass(frozen=True)
class MakerLogLine:
    """One audited fact about one of the maker's shoppers (known by the pairwise subject)."""

    subject: str
    line: LogLine


async def maker_access_log(
    *, uow: UnitOfWork, policy: LinkingPolicy, partner_id: str, limit: int = 200,
    language: str = "en",
) -> list[MakerLogLine]:  # fmt: skip
    """The latest entries across every shopper's chain with the maker, newest first."""
    async with uow:
        rows = await uow.repo(AuditRepository).recent_of_partner(partner_id, limit=limit)
    return [
        MakerLogLine(
            linking.subject_of(policy, partner_id=partner_id, shopper_id=shopper_id),
            LogLine(e.seq, e.at, e.kind, e.actor, e.detail,
                    describe(e.kind, e.actor, e.detail, language, to_maker=True), e.hash),
        )
        for shopper_id, e in rows
    ]  # fmt: skip
