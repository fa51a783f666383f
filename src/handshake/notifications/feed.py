"""Notifications drawn from order histories and device grants (pure: no I/O).

Each text is English source with ``%(name)s`` values, translated where it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from handshake.checkout.orders import OrderDetails
from handshake.devices.consent import STREAM_REMINDER_BEFORE, DeviceGrant
from handshake.kernel import clock
from handshake.kernel.money import Money

SHARE_ENDING_NOTICE = timedelta(days=7)
ORDER_TEXTS = {
    "placed": "Order %(order)s is placed: %(total)s.",
    "shipped": "Order %(order)s has shipped with %(carrier)s (tracking %(tracking)s).",
    "delivered": "Order %(order)s was delivered.",
    "canceled": "Order %(order)s was cancelled.",
    "refunded": "Order %(order)s was refunded: %(amount)s.",
}
OTHER_ORDER_TEXT = "Order %(order)s changed: %(kind)s."
# The payment is authorised in the same moment the order is placed: one notification says both.
QUIET_KINDS = frozenset({"paid"})


@dataclass(frozen=True)
class Notification:
    """One thing the shopper should know, when it happened and where to act on it."""

    key: str
    kind: str
    at: datetime
    text: str
    link: str
    values: Mapping[str, str] = field(default_factory=dict)
    unread: bool = False


def _money(minor: int, currency: str) -> str:
    return Money(minor, currency).format_plain()


def order_notifications(orders: Iterable[OrderDetails]) -> list[Notification]:
    """One notification per step of each order's history."""
    found = []
    for details in orders:
        order = details.order
        for change in details.changes:
            if change.kind in QUIET_KINDS:
                continue
            detail = change.detail or {}
            values = {
                "order": order.id,
                "kind": change.kind,
                "total": _money(order.total_minor, order.currency),
                "carrier": str(detail.get("carrier") or "-"),
                "tracking": str(detail.get("tracking_number") or "-"),
                "amount": _money(int(detail.get("amount_minor") or 0), order.currency),
            }
            text = ORDER_TEXTS.get(change.kind, OTHER_ORDER_TEXT)
            key, kind = f"order:{change.id}", f"order.{change.kind}"
            link = f"/account/orders/{order.id}"
            found.append(Notification(key, kind, change.at, text, link, values))
    return found


def sharing_notifications(
    maker_id: str, maker_name: str, grant: DeviceGrant, paused_at: datetime | None, now: datetime
) -> list[Notification]:
    """Streaming that pauses soon or has paused, and shares ending within a week."""
    if grant.revoked:
        return []
    link = f"/account/devices/{maker_id}"
    values = {"maker": maker_name}
    found = []
    until = grant.streaming_until()
    if paused_at is not None:
        found.append(
            Notification(f"stream-paused:{maker_id}:{clock.iso_z(paused_at)}", "sharing.paused",
                         paused_at, "Streaming to %(maker)s has paused: confirm it to resume.",
                         link, values)
        )  # fmt: skip
    elif until is not None and until - STREAM_REMINDER_BEFORE <= now < until:
        found.append(
            Notification(f"stream-ends:{maker_id}:{clock.iso_z(until)}", "sharing.stream_ending",
                         until - STREAM_REMINDER_BEFORE,
                         "Streaming to %(maker)s pauses on %(date)s unless you confirm it.",
                         link, {**values, "date": until.date().isoformat()})
        )  # fmt: skip
    for end in sorted({s.expires_at for s in grant.shares}):
        if end - SHARE_ENDING_NOTICE <= now < end:
            found.append(
                Notification(f"share-ends:{maker_id}:{clock.iso_z(end)}", "sharing.ending",
                             end - SHARE_ENDING_NOTICE,
                             "Some sharing with %(maker)s ends on %(date)s.",
                             link, {**values, "date": end.date().isoformat()})
            )  # fmt: skip
    return found


def newest_first(items: Iterable[Notification], seen_at: datetime | None) -> list[Notification]:
    """Sorted newest first, each marked unread when newer than the shopper's last look."""
    marked = [replace(n, unread=seen_at is None or n.at > seen_at) for n in items]
    return sorted(marked, key=lambda n: (n.at, n.key), reverse=True)
