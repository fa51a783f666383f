"""Daily counts of ad events, kept as events are stored (pure shaping; the repository upserts).

A report reads these instead of ``ad_events``: one row per day and cell (partner, channel,
campaign, creative) however many events the cell had. Engaged shoppers (a click or add-to-cart
by a linked shopper) are kept per day and cell too: the privacy threshold counts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from handshake.attribution.models import NO_REFERENCE, AdEventKind
from handshake.kernel import clock

CellKey = tuple[date, str, str, str, str]  # day, partner, channel, campaign, creative
COUNT_COLUMNS: Mapping[str, str] = {
    AdEventKind.IMPRESSION: "impressions",
    AdEventKind.VIEW: "views",
    AdEventKind.CLICK: "clicks",
    AdEventKind.ADD_TO_CART: "add_to_carts",
}
ENGAGED_KINDS = frozenset({AdEventKind.CLICK, AdEventKind.ADD_TO_CART})


def cell_of(event: Mapping[str, Any]) -> CellKey:
    """The day and cell an ``ad_events`` row counts in."""
    return (
        clock.ensure_utc(event["occurred_at"]).date(),
        str(event["partner_id"]),
        str(event["channel"]),
        event.get("campaign_id") or NO_REFERENCE,
        event.get("creative_id") or NO_REFERENCE,
    )


def _row(cell: CellKey) -> dict[str, Any]:
    day, partner_id, channel, campaign_id, creative_id = cell
    return {
        "day": day, "partner_id": partner_id, "channel": channel,
        "campaign_id": campaign_id, "creative_id": creative_id,
    }  # fmt: skip


def day_counts(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Increments of ``ad_event_days`` for these new events, sorted by key (so concurrent
    writers lock rows in the same order)."""
    counts: Counter[tuple[CellKey, str]] = Counter()
    for event in events:
        counts[(cell_of(event), COUNT_COLUMNS[event["kind"]])] += 1
    rows: dict[CellKey, dict[str, Any]] = {}
    for (cell, column), n in counts.items():
        row = rows.setdefault(cell, {**_row(cell), **dict.fromkeys(COUNT_COLUMNS.values(), 0)})
        row[column] += n
    return [rows[cell] for cell in sorted(rows)]


def engaged_shoppers(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``engaged_shopper_days`` rows for these new events, sorted and without repeats."""
    cells = {
        (cell_of(e), str(e["shopper_id"]))
        for e in events
        if e["kind"] in ENGAGED_KINDS and e.get("shopper_id") is not None
    }
    return [{**_row(cell), "shopper_id": shopper} for cell, shopper in sorted(cells)]
