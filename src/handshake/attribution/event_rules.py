"""Validation of one reported ad event, field by field, with a stable reason code per rule.

Pure functions: no database, no clock reads (the caller passes ``now``). A bad event is turned
into a :class:`Rejection` naming its index, so the good events of the batch are still kept.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from handshake.attribution.models import (
    EVENT_ID_MAX_LENGTH,
    OFFER_TOKEN_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    AdChannel,
    AdEventKind,
)
from handshake.catalog.gtin import normalise_gtin
from handshake.partners.kinds import PartnerKind

FIELDS = frozenset(
    {
        "event_id",
        "type",
        "occurred_at",
        "channel",
        "placement_id",
        "campaign_id",
        "creative_id",
        "sku",
        "gtin",
        "variant_id",
        "offer_token",
        "metadata",
    }
)
REFERENCE_FIELDS = ("placement_id", "campaign_id", "creative_id")
SKU_MAX_LENGTH = 64
VARIANT_ID_MAX_LENGTH = 32
METADATA_MAX_KEYS = 20
METADATA_KEY_MAX_LENGTH = 40
METADATA_VALUE_MAX_LENGTH = 200
# JSON numbers every consumer reads exactly (IEEE doubles).
SAFE_INTEGER = 2**53
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(?P<fraction>\.[0-9]{1,9})?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
CHANNEL_OF_KIND: dict[PartnerKind, AdChannel] = {
    PartnerKind.SOCIAL: AdChannel.FEED_AD,
    PartnerKind.VIDEO: AdChannel.VIDEO,
    PartnerKind.ASSISTANT: AdChannel.ASSISTANT,
    PartnerKind.DEVICE_MAKER: AdChannel.DEVICE_SUGGESTION,
}


@dataclass(frozen=True)
class EventWindow:
    """The times an event may have occurred at, relative to when the batch is received."""

    max_future: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class ProductRef:
    """How the event names its product: any of variant id, SKU and GTIN (all must agree)."""

    variant_id: str | None = None
    sku: str | None = None
    gtin: str | None = None


@dataclass(frozen=True)
class ValidEvent:
    """An event that passed every field rule (its product is resolved afterwards)."""

    index: int
    event_id: str
    kind: AdEventKind
    occurred_at: datetime
    channel: AdChannel | None
    placement_id: str | None
    campaign_id: str | None
    creative_id: str | None
    product: ProductRef
    offer_token: str | None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """Why the event at ``index`` was not accepted."""

    index: int
    event_id: str | None
    code: str
    reason: str


class EventRuleBroken(ValueError):
    """One rule the event breaks: its code and a sentence for the partner's developers."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def channel_of_partner(kind: PartnerKind) -> AdChannel:
    """The channel of a partner's ads when its events do not say."""
    return CHANNEL_OF_KIND[kind]


def _storable(value: str) -> bool:
    # PostgreSQL refuses NUL in text and JSON; lone surrogates cannot be encoded as UTF-8.
    return "\x00" not in value and not any("\ud800" <= char <= "\udfff" for char in value)


def _identifier(value: Any, *, name: str, max_length: int, code: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise EventRuleBroken(code, f"{name} must be a string of 1 to {max_length} characters.")
    if not value.isprintable():
        raise EventRuleBroken(code, f"{name} must not contain control characters.")
    return value


def event_id_of(raw: Any) -> str | None:
    """The event's id when it is a usable one (for the rejection report), else None."""
    if not isinstance(raw, Mapping):
        return None
    value = raw.get("event_id")
    try:
        return _identifier(
            value, name="event_id", max_length=EVENT_ID_MAX_LENGTH, code="invalid_event_id"
        )
    except EventRuleBroken:
        return None


def parse_occurred_at(value: Any) -> datetime:
    """An RFC 3339 time with an offset (``Z`` or ``±hh:mm``), as UTC."""
    match = RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise EventRuleBroken(
            "invalid_occurred_at", "occurred_at must be an RFC 3339 time with an offset."
        )
    fraction = match.group("fraction") or ""
    offset = match.group("offset")
    text = value[: match.start("fraction") if fraction else match.start("offset")]
    offset = "+00:00" if offset in {"Z", "z"} else offset
    try:
        moment = datetime.fromisoformat(f"{text[:10]}T{text[11:]}{fraction[:7]}{offset}")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise EventRuleBroken("invalid_occurred_at", "occurred_at is not a real time.") from None


def _check_window(moment: datetime, now: datetime, window: EventWindow) -> None:
    if moment > now + window.max_future:
        raise EventRuleBroken(
            "occurred_in_future",
            f"occurred_at is more than {int(window.max_future.total_seconds())} s in the future.",
        )
    if moment < now - window.max_age:
        raise EventRuleBroken(
            "occurred_too_long_ago",
            f"occurred_at is more than {window.max_age.days} days ago; the event is too late.",
        )


def _kind(value: Any) -> AdEventKind:
    try:
        return AdEventKind(value) if isinstance(value, str) else AdEventKind("")
    except ValueError:
        allowed = ", ".join(kind.value for kind in AdEventKind)
        raise EventRuleBroken("invalid_type", f"type must be one of {allowed}.") from None


def _channel(value: Any) -> AdChannel | None:
    if value is None:
        return None
    try:
        return AdChannel(value) if isinstance(value, str) else AdChannel("")
    except ValueError:
        allowed = ", ".join(channel.value for channel in AdChannel)
        raise EventRuleBroken("invalid_channel", f"channel must be one of {allowed}.") from None


def _reference(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    return _identifier(
        value, name=name, max_length=REFERENCE_MAX_LENGTH, code="invalid_ad_reference"
    )


def _product(raw: Mapping[str, Any]) -> ProductRef:
    variant_id, sku, gtin = raw.get("variant_id"), raw.get("sku"), raw.get("gtin")
    if variant_id is None and sku is None and gtin is None:
        raise EventRuleBroken("missing_product", "Name the product: sku, gtin or variant_id.")
    if variant_id is not None:
        variant_id = _identifier(
            variant_id,
            name="variant_id",
            max_length=VARIANT_ID_MAX_LENGTH,
            code="invalid_product",
        )
    if sku is not None:
        sku = _identifier(sku, name="sku", max_length=SKU_MAX_LENGTH, code="invalid_product")
    if gtin is not None:
        try:
            gtin = normalise_gtin(gtin) if isinstance(gtin, str) and len(gtin) <= 20 else ""
        except ValueError:
            gtin = ""
        if not gtin:
            raise EventRuleBroken(
                "invalid_product", "gtin must be a GTIN-8/12/13/14 with a correct check digit."
            )
    return ProductRef(variant_id=variant_id, sku=sku, gtin=gtin)


def _offer_token(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= OFFER_TOKEN_MAX_LENGTH:
        raise EventRuleBroken(
            "invalid_offer_token",
            f"offer_token must be a string of 1 to {OFFER_TOKEN_MAX_LENGTH} characters.",
        )
    if not value.isascii() or not value.isprintable():
        raise EventRuleBroken("invalid_offer_token", "offer_token must be printable ASCII.")
    return value


def _metadata_value(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -SAFE_INTEGER <= value <= SAFE_INTEGER
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return len(value) <= METADATA_VALUE_MAX_LENGTH and _storable(value)
    return False


def _metadata(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    rule = (
        f"metadata must be an object of at most {METADATA_MAX_KEYS} keys (1 to"
        f" {METADATA_KEY_MAX_LENGTH} printable characters) with strings of at most"
        f" {METADATA_VALUE_MAX_LENGTH} characters, numbers, booleans or null."
    )
    if not isinstance(value, Mapping) or len(value) > METADATA_MAX_KEYS:
        raise EventRuleBroken("invalid_metadata", rule)
    for key, item in value.items():
        good_key = isinstance(key, str) and 1 <= len(key) <= METADATA_KEY_MAX_LENGTH
        if not (good_key and key.isprintable() and _metadata_value(item)):
            raise EventRuleBroken("invalid_metadata", rule)
    return dict(value)


def validate_event(raw: Any, *, index: int, now: datetime, window: EventWindow) -> ValidEvent:
    """The event at ``index`` if it follows every rule; raises :class:`EventRuleBroken`."""
    if not isinstance(raw, Mapping):
        raise EventRuleBroken("not_an_object", "Each event must be a JSON object.")
    unknown = sorted(str(name) for name in raw if name not in FIELDS)
    if unknown:
        names = ", ".join(ascii(name) for name in unknown)[:200]
        raise EventRuleBroken("unknown_field", f"Unknown field(s): {names}.")
    event_id = _identifier(
        raw.get("event_id"),
        name="event_id",
        max_length=EVENT_ID_MAX_LENGTH,
        code="invalid_event_id",
    )
    kind = _kind(raw.get("type"))
    occurred_at = parse_occurred_at(raw.get("occurred_at"))
    _check_window(occurred_at, now, window)
    return ValidEvent(
        index=index,
        event_id=event_id,
        kind=kind,
        occurred_at=occurred_at,
        channel=_channel(raw.get("channel")),
        placement_id=_reference(raw, "placement_id"),
        campaign_id=_reference(raw, "campaign_id"),
        creative_id=_reference(raw, "creative_id"),
        product=_product(raw),
        offer_token=_offer_token(raw.get("offer_token")),
        metadata=_metadata(raw.get("metadata")),
    )


def check_event(
    raw: Any, *, index: int, now: datetime, window: EventWindow
) -> ValidEvent | Rejection:
    """The valid event, or the rejection naming its index, id, code and reason."""
    try:
        return validate_event(raw, index=index, now=now, window=window)
    except EventRuleBroken as broken:
        return Rejection(index, event_id_of(raw), broken.code, broken.reason)
