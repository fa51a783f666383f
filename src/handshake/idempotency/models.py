"""The stored idempotency keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from handshake.db.base import Base, UTCDateTime


class KeyStatus(StrEnum):
    """A request under a key is running, or was answered."""

    IN_FLIGHT = "in_flight"
    ANSWERED = "answered"


class IdempotencyRecord(Base):
    """One key of one caller on one endpoint, the body it came with, and the answer given."""

    __tablename__ = "idempotency_keys"

    # Keys are scoped to the authenticated caller and the endpoint path.
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    # Which request holds the key now: only it may answer or release it.
    claim_token: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    # {"text": "…"}: the JSON answer to replay as it was written ({"body": …} before 2026-12).
    response: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
