"""The hash-chained audit log of device sharing: append, read, verify.

Each entry's hash is SHA-256 over the RFC 8785 canonical JSON of its chain, position, kind,
actor, detail, time and the previous entry's hash; the chain row holds the length and the head
hash, updated under its row lock in the transaction that appends (the change being audited
commits with its entry, or neither does). Verification walks every chain from the genesis hash
and reports the first entry whose hash, link or position does not hold, and heads that do not
match their last entry (a truncated chain).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785

from handshake.db.uow import UnitOfWork
from handshake.devices.models import GENESIS_HASH, AuditChain, AuditEntry
from handshake.devices.repository import AuditRepository
from handshake.kernel import clock
from handshake.kernel.ids import new_id

PAGE = 1000


def entry_hash(
    *, chain_id: str, seq: int, kind: str, actor: str, detail: dict[str, Any], at: datetime,
    prev_hash: str,
) -> str:  # fmt: skip
    """The hash an entry with these fields must carry."""
    document: dict[str, Any] = {
        "chain": chain_id, "seq": seq, "kind": kind, "actor": actor, "detail": detail,
        "at": at.isoformat(), "prev": prev_hash,
    }  # fmt: skip
    return hashlib.sha256(rfc8785.dumps(document)).hexdigest()


async def lock_chain(uow: UnitOfWork, shopper_id: str, partner_id: str) -> AuditChain:
    """The shopper's chain with the maker, row-locked for the caller's transaction.

    Every writer of a shopper's device data with a maker takes this lock first (ingestion,
    answers to directives, purges, grant changes after the grant row), so a revocation and a
    report never interleave: the report is stored before the purge, or refused after it.
    """
    repo = uow.repo(AuditRepository)
    chain = await repo.chain_of(shopper_id, partner_id, lock=True)
    if chain is None:
        await repo.ensure_chain(shopper_id, partner_id)
        chain = await repo.chain_of(shopper_id, partner_id, lock=True)
    assert chain is not None
    return chain


async def append_audit_entry(
    uow: UnitOfWork, *, shopper_id: str, partner_id: str, kind: str, actor: str,
    detail: dict[str, Any],
) -> AuditEntry:  # fmt: skip
    """Add an entry to the shopper's chain with the maker, in the caller's transaction."""
    async with uow:
        chain = await lock_chain(uow, shopper_id, partner_id)
        at, seq = clock.now(), chain.length + 1
        digest = entry_hash(
            chain_id=chain.id, seq=seq, kind=kind, actor=actor, detail=detail, at=at,
            prev_hash=chain.head_hash,
        )  # fmt: skip
        entry = AuditEntry(
            id=new_id("dae"), chain_id=chain.id, seq=seq, kind=kind, actor=actor, detail=detail,
            at=at, prev_hash=chain.head_hash, hash=digest,
        )  # fmt: skip
        uow.repo(AuditRepository).add(entry)
        chain.length, chain.head_hash = seq, digest
        await uow.commit()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """Where a chain stops holding: the chain, the position, and what is wrong."""

    chain_id: str
    shopper_id: str
    partner_id: str
    seq: int
    problem: str


def _check(entry: AuditEntry, chain: AuditChain, expected_seq: int, prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"entry {expected_seq} is missing"
    if entry.prev_hash != prev:
        return "the link to the previous entry does not match"
    digest = entry_hash(
        chain_id=chain.id, seq=entry.seq, kind=entry.kind, actor=entry.actor,
        detail=entry.detail, at=entry.at, prev_hash=entry.prev_hash,
    )  # fmt: skip
    return None if digest == entry.hash else "the entry's content does not match its hash"


async def verify_chain(uow: UnitOfWork, chain: AuditChain) -> ChainProblem | None:
    """Where the chain stops holding, or None (caller's unit of work)."""
    repo, seq, prev = uow.repo(AuditRepository), 0, GENESIS_HASH
    while True:
        page = await repo.entries(chain.id, after_seq=seq, limit=PAGE)
        for entry in page:
            problem = _check(entry, chain, seq + 1, prev)
            if problem is not None:
                return ChainProblem(chain.id, chain.shopper_id, chain.partner_id, seq + 1, problem)
            seq, prev = entry.seq, entry.hash
        if len(page) < PAGE:
            break
    if (seq, prev) != (chain.length, chain.head_hash):
        problem = f"the chain ends at entry {seq} but its head says {chain.length}"
        return ChainProblem(chain.id, chain.shopper_id, chain.partner_id, seq + 1, problem)
    return None


async def verify_audit(
    *, uow: UnitOfWork, partner_id: str | None = None
) -> tuple[int, list[ChainProblem]]:
    """Check every chain (of one maker when given); (entries checked, problems found)."""
    async with uow:
        chains = await uow.repo(AuditRepository).chains(partner_id=partner_id)
        problems = []
        for chain in chains:
            problem = await verify_chain(uow, chain)
            if problem is not None:
                problems.append(problem)
    return sum(chain.length for chain in chains), problems
