"""Daily counts and engaged shoppers shaped from stored event rows (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from handshake.attribution.rollups import cell_of, day_counts, engaged_shoppers

MORNING = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
DAY = date(2029, 3, 1)
KINDS = ("impression", "view", "click", "add_to_cart")


def row(kind: str, **fields: Any) -> dict[str, Any]:
    """An ``ad_events`` row as ``store_events`` builds it (only what rollups read)."""
    values: dict[str, Any] = {
        "kind": kind, "occurred_at": MORNING, "partner_id": "ptn_a", "channel": "feed_ad",
        "campaign_id": "spring", "creative_id": "c1", "shopper_id": None,
    }  # fmt: skip
    values.update(fields)
    return values


def counts(day: date, partner: str, channel: str, campaign: str, creative: str, *n: int) -> dict:
    impressions, views, clicks, carts = n
    return {
        "day": day, "partner_id": partner, "channel": channel, "campaign_id": campaign,
        "creative_id": creative, "impressions": impressions, "views": views, "clicks": clicks,
        "add_to_carts": carts,
    }  # fmt: skip


def test_cell_of_takes_the_utc_day_and_empty_references() -> None:
    paris = timezone(timedelta(hours=2))
    assert cell_of(row("click", occurred_at=datetime(2029, 3, 2, 1, 30, tzinfo=paris))) == (
        date(2029, 3, 1), "ptn_a", "feed_ad", "spring", "c1",
    )  # fmt: skip
    # A naive time is already UTC (SQLite hands them back so).
    assert cell_of(row("click", occurred_at=datetime(2029, 3, 1, 23, 59))) == (
        DAY, "ptn_a", "feed_ad", "spring", "c1",
    )  # fmt: skip
    assert cell_of({"occurred_at": MORNING, "partner_id": "p", "channel": "video"}) == (
        DAY, "p", "video", "", "",
    )  # fmt: skip
    assert cell_of(row("view", campaign_id=None, creative_id="")) == (
        DAY, "ptn_a", "feed_ad", "", "",
    )  # fmt: skip


def test_day_counts_count_each_kind_in_its_column() -> None:
    events = [row("impression"), row("impression"), row("view"), row("click")]
    events += [row("add_to_cart"), row("impression"), row("click")]

    assert day_counts(events) == [counts(DAY, "ptn_a", "feed_ad", "spring", "c1", 3, 1, 2, 1)]


def test_day_counts_are_one_row_per_cell_sorted_by_key() -> None:
    events = [
        row("click", partner_id="ptn_b"),
        row("impression", occurred_at=MORNING + timedelta(days=1)),
        row("impression", campaign_id=None),
        row("view", creative_id=None),
        row("impression", channel="assistant"),
        row("click", campaign_id=None, creative_id=None),
        row("impression", occurred_at=MORNING - timedelta(days=1), partner_id="ptn_z"),
    ]

    assert day_counts(events) == [
        counts(date(2029, 2, 28), "ptn_z", "feed_ad", "spring", "c1", 1, 0, 0, 0),
        counts(DAY, "ptn_a", "assistant", "spring", "c1", 1, 0, 0, 0),
        counts(DAY, "ptn_a", "feed_ad", "", "", 0, 0, 1, 0),
        counts(DAY, "ptn_a", "feed_ad", "", "c1", 1, 0, 0, 0),
        counts(DAY, "ptn_a", "feed_ad", "spring", "", 0, 1, 0, 0),
        counts(DAY, "ptn_b", "feed_ad", "spring", "c1", 0, 0, 1, 0),
        counts(date(2029, 3, 2), "ptn_a", "feed_ad", "spring", "c1", 1, 0, 0, 0),
    ]


def test_day_counts_of_nothing_is_nothing() -> None:
    assert day_counts([]) == []
    assert engaged_shoppers([]) == []


def test_engaged_shoppers_are_linked_clickers_and_carters_once_per_cell_and_day() -> None:
    events = [
        row("click", shopper_id="shp_b"),
        row("click", shopper_id="shp_b"),  # a duplicate
        row("add_to_cart", shopper_id="shp_b"),  # the same person, same cell and day
        row("add_to_cart", shopper_id="shp_a"),
        row("impression", shopper_id="shp_c"),  # seeing is not engaging
        row("view", shopper_id="shp_c"),
        row("click"),  # anonymous: no one to count
        row("click", shopper_id="shp_b", occurred_at=MORNING + timedelta(days=1)),
        row("click", shopper_id="shp_b", campaign_id=None),
    ]

    cell = {"day": DAY, "partner_id": "ptn_a", "channel": "feed_ad", "creative_id": "c1"}
    assert engaged_shoppers(events) == [
        {**cell, "campaign_id": "", "shopper_id": "shp_b"},
        {**cell, "campaign_id": "spring", "shopper_id": "shp_a"},
        {**cell, "campaign_id": "spring", "shopper_id": "shp_b"},
        {**cell, "day": date(2029, 3, 2), "campaign_id": "spring", "shopper_id": "shp_b"},
    ]


events_strategy = st.lists(
    st.builds(
        row,
        st.sampled_from(KINDS),
        occurred_at=st.integers(0, 3 * 24 * 60).map(lambda m: MORNING + timedelta(minutes=m)),
        partner_id=st.sampled_from(["ptn_a", "ptn_b"]),
        channel=st.sampled_from(["feed_ad", "video"]),
        campaign_id=st.sampled_from([None, "", "spring"]),
        creative_id=st.sampled_from([None, "c1"]),
        shopper_id=st.sampled_from([None, "shp_a", "shp_b"]),
    ),
    max_size=40,
)


@given(events_strategy)
def test_day_counts_add_up_to_the_events_in_sorted_unique_cells(
    events: list[dict[str, Any]],
) -> None:
    rows = day_counts(events)
    keys = [tuple(r[k] for k in ("day", "partner_id", "channel", "campaign_id", "creative_id"))
            for r in rows]  # fmt: skip
    assert keys == sorted(set(keys))
    for kind, column in zip(KINDS, ("impressions", "views", "clicks", "add_to_carts"), strict=True):
        assert sum(r[column] for r in rows) == sum(1 for e in events if e["kind"] == kind)
    engaged = engaged_shoppers(events)
    assert engaged == sorted({tuple(e.items()): e for e in engaged}.values(), key=_engaged_key)
    assert len({tuple(e.items()) for e in engaged}) == len(engaged)
    assert {(*cell_of(e), e["shopper_id"]) for e in events
            if e["kind"] in ("click", "add_to_cart") and e["shopper_id"]} == {
        _engaged_key(e) for e in engaged
    }  # fmt: skip


def _engaged_key(e: dict[str, Any]) -> tuple[Any, ...]:
    return (e["day"], e["partner_id"], e["channel"], e["campaign_id"], e["creative_id"],
            e["shopper_id"])  # fmt: skip
