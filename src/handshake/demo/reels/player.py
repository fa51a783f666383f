"""What Reels' player is given and what it reports: the tags as the page's JSON block, the
moment to resume at, and ad events whose ids are unique per viewing and stable on retry.

A *viewing* is one showing of the player page to a browser: the first time a tag shows in it is
one impression, a tap one click, whatever the player retries or the shopper taps again.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

PLACEMENT = "reels-player"
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
EVENT_KINDS = ("impression", "click", "add_to_cart")


def is_id(value: Any) -> bool:
    """Whether ``value`` looks like a store id (``vid_…``, ``vtag_…``): safe in a path."""
    return isinstance(value, str) and ID.fullmatch(value) is not None


def offer_of(tag: dict[str, Any]) -> dict[str, Any] | None:
    """The tag's live offer (None: the store has none for it now)."""
    result = tag.get("offer") or {}
    offer = result.get("offer") if result.get("status") == "ok" else None
    return offer if isinstance(offer, dict) else None


def _price(price: dict[str, Any] | None) -> str:
    return f"{price['amount']} {price['currency']}" if price else ""


def player_tag(tag: dict[str, Any]) -> dict[str, Any]:
    """A tag as the player script reads it: when, where, what, and its offer's price."""
    offer = offer_of(tag) or {}
    frames = sorted(tag.get("hotspots") or [], key=lambda frame: frame["at_ms"])
    return {
        "id": tag["id"], "start_ms": tag["start_ms"], "end_ms": tag["end_ms"],
        "hotspots": frames, "call_to_action": tag["call_to_action"],
        "title": offer.get("title") or tag["product"]["title"], "sku": tag["product"]["sku"],
        "price": _price(offer.get("price")), "list_price": _price(offer.get("list_price")),
        "member_price_applied": bool(offer.get("member_price_applied")),
        "offer_token": offer.get("offer_token"),
    }  # fmt: skip


def tag_ref(tag: dict[str, Any]) -> dict[str, Any]:
    """What an ad event about the tag carries: its tracking fields, SKU and offer token."""
    offer = offer_of(tag) or {}
    return {"sku": tag["product"]["sku"], "tracking": dict(tag["tracking"]),
            "offer_token": offer.get("offer_token")}  # fmt: skip


def resume_at(raw: str | None, duration_ms: int) -> float:
    """The second to start playing at from ``?t=`` (0 when missing, odd or past the end)."""
    try:
        seconds = float(raw or 0)
    except ValueError:
        return 0.0
    if not math.isfinite(seconds) or seconds < 0 or seconds * 1000 >= duration_ms:
        return 0.0
    return round(seconds, 1)


def return_path(video_id: str, at_ms: Any) -> str:
    """The player at the moment the shopper left it (``/watch/vid_…?t=12.5``)."""
    try:
        seconds = float(at_ms) / 1000
    except (TypeError, ValueError):
        seconds = 0.0
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    return f"/watch/{video_id}?t={seconds:.1f}"


def event_id(viewer: str, viewing: int, tag_id: str, kind: str) -> str:
    """The same id for the same thing in one viewing, so a retry or a second tap is one event."""
    return f"reels-{viewer}-{viewing}-{tag_id}-{kind}"


def ad_event(kind: str, ref: dict[str, Any], identifier: str, now: datetime) -> dict[str, Any]:
    """An ad event of ``POST /partner/v1/events`` about a tag."""
    event = {"event_id": identifier, "type": kind, "occurred_at": now.isoformat(),
             "sku": ref["sku"], **ref["tracking"]}  # fmt: skip
    if ref.get("offer_token"):
        event["offer_token"] = ref["offer_token"]
    return event


def neighbours(videos: list[dict[str, Any]], video_id: str) -> tuple[str | None, str | None]:
    """The ids of the videos before and after ``video_id`` in the feed."""
    ids = [str(v["id"]) for v in videos]
    if video_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(video_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)
