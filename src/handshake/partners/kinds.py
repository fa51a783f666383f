"""The kinds of partner organisations and their lifecycle states."""

from __future__ import annotations

from enum import StrEnum


class PartnerKind(StrEnum):
    """What sort of app a partner runs; it decides which scopes its clients may request."""

    SOCIAL = "social"
    VIDEO = "video"
    ASSISTANT = "assistant"
    DEVICE_MAKER = "device_maker"


class PartnerStatus(StrEnum):
    """Whether a partner's calls are served."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class ClientType(StrEnum):
    """OAuth client types of RFC 6749 §2.1."""

    CONFIDENTIAL = "confidential"
    PUBLIC = "public"
