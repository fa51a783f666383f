"""Entities of devices: device-sharing grants and the hash-chained audit log.

One chain per shopper and device maker, so each side can verify its own history. Every entry
stores the hash of the one before it and its own hash over both; the chain row keeps the head.
The database refuses updates and deletes of entries (triggers), and ``handshake devices audit
verify`` recomputes every hash, so an entry changed or removed behind the database's back shows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import (
    Base,
    JSONDocument,
    UTCDateTime,
    created_at_column,
    id_column,
    updated_at_column,
)

GENESIS_HASH = "0" * 64


class GrantStatus(StrEnum):
    """Whether a device grant is in force."""

    ACTIVE = "active"
    REVOKED = "revoked"


class DeviceGrantRecord(Base):
    """A shopper's device-sharing grant to one device maker, as RFC 9396 details."""

    __tablename__ = "device_grants"
    __table_args__ = (UniqueConstraint("shopper_id", "partner_id"),)

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(ForeignKey("shoppers.id"), nullable=False, index=True)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    # Incremented by every change, so a maker can tell it holds the latest version.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    # When the grant last came into force (created, or created again after a revocation):
    # values received before it (kept by the shopper at the revocation) are never read again.
    active_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Streaming's 90-day period: when the shopper was reminded it ends, when it paused (both
    # cleared by a reconfirmation), so each happens once per period.
    stream_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stream_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class _DeviceValue:
    """Columns of one value of one property of one device, as it was received."""

    shopper_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False)
    device_id: Mapped[str] = mapped_column(String(256), nullable=False)
    namespace: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    data_type: Mapped[str | None] = mapped_column(String(32))  # None: device health
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=False)
    time_of_sample: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Provenance: physical, app, voice, rule, poll (from the report's cause).
    cause: Mapped[str] = mapped_column(String(16), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # Past this the value is purged (the share's retention from when it was received).
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


class ReportedProperty(_DeviceValue, Base):
    """The device twin's reported side: the latest allowed value of one property of a device."""

    __tablename__ = "device_reported_properties"
    __table_args__ = (
        UniqueConstraint("shopper_id", "partner_id", "device_id", "namespace", "name"),
    )

    id: Mapped[str] = id_column()
    uncertainty_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class PropertyHistory(_DeviceValue, Base):
    """One allowed value of a device property as it was received: the twin's history."""

    __tablename__ = "device_property_history"
    __table_args__ = (
        Index(
            "ix_device_property_history_device",
            "shopper_id", "partner_id", "device_id", "data_type", "time_of_sample",
        ),
    )  # fmt: skip

    id: Mapped[str] = id_column()


class DesiredProperty(Base):
    """The device twin's desired side: what the shopper last asked a property to become."""

    __tablename__ = "device_desired_properties"
    __table_args__ = (
        UniqueConstraint("shopper_id", "partner_id", "device_id", "namespace", "name"),
    )

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False)
    device_id: Mapped[str] = mapped_column(String(256), nullable=False)
    namespace: Mapped[str] = mapped_column(String(80), nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The directive's messageId, and whether the maker confirmed it (pending, done, failed).
    directive_id: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)


class DeviceEndpoint(Base):
    """A device of the shopper as the maker's discovery described it."""

    __tablename__ = "device_endpoints"
    __table_args__ = (UniqueConstraint("shopper_id", "partner_id", "device_id"),)

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    device_id: Mapped[str] = mapped_column(String(256), nullable=False)
    friendly_name: Mapped[str] = mapped_column(String(128), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    # Data types the device can share (the shopper chooses among these).
    data_types: Mapped[list[str]] = mapped_column(JSONDocument, nullable=False)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class MakerEndpoint(Base):
    """Where a device maker receives directives, and the secret they are signed with."""

    __tablename__ = "device_maker_endpoints"
    __table_args__ = (UniqueConstraint("partner_id"),)

    id: Mapped[str] = id_column()
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), nullable=False)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    # In clear on purpose: HMAC signing needs the secret itself (as for webhook endpoints).
    signing_secret: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class ConsentReceipt(Base):
    """A signed record (compact JWS) of one change of a device grant, for both sides."""

    __tablename__ = "device_consent_receipts"

    id: Mapped[str] = id_column()
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("device_grants.id"), nullable=False, index=True
    )
    shopper_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    jws: Mapped[str] = mapped_column(Text, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AuditChain(Base):
    """The head of one shopper's audit chain with one device maker."""

    __tablename__ = "device_audit_chains"
    __table_args__ = (UniqueConstraint("shopper_id", "partner_id"),)

    id: Mapped[str] = id_column()
    shopper_id: Mapped[str] = mapped_column(String(32), nullable=False)
    partner_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    length: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), nullable=False, default=GENESIS_HASH)


class AuditEntry(Base):
    """One audited fact (grant change, disclosure, query, refusal, purge), chained."""

    __tablename__ = "device_audit_entries"
    __table_args__ = (UniqueConstraint("chain_id", "seq"),)

    id: Mapped[str] = id_column()
    chain_id: Mapped[str] = mapped_column(
        ForeignKey("device_audit_chains.id"), nullable=False, index=True
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    # Who acted: "shopper", "maker", "platform", "operator:<id>", "system".
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


# Append-only in the database itself, on both dialects (the migration creates the same).
APPEND_ONLY_TRIGGERS: dict[str, list[str]] = {
    "sqlite": [
        f"CREATE TRIGGER device_audit_entries_no_{action.lower()} BEFORE {action} ON "
        "device_audit_entries BEGIN SELECT RAISE(ABORT, 'device audit entries are append-only');"
        " END"
        for action in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION device_audit_entries_append_only() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION 'device audit entries are append-only'; END $$",
        "CREATE TRIGGER device_audit_entries_append_only BEFORE UPDATE OR DELETE ON"
        " device_audit_entries FOR EACH ROW EXECUTE FUNCTION device_audit_entries_append_only()",
    ],
}


def _install_triggers(dialect: str, statement: str) -> None:
    ddl = DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]
    event.listen(AuditEntry.__table__, "after_create", ddl)


for _dialect, _statements in APPEND_ONLY_TRIGGERS.items():
    for _statement in _statements:
        _install_triggers(_dialect, _statement)
