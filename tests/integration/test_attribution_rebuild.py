"""The set-based rollup rebuild gives back exactly what the worker keeps as it stores events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select, text

from handshake.accounts import service as accounts
from handshake.attribution import service
from handshake.attribution.models import AdEventDay, EngagedShopperDay
from handshake.attribution.rollup_rebuild import InvalidRebuildRange, rebuild_rollups
from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.kernel import clock
from handshake.partners.kinds import PartnerKind
from tests.attribution_helpers import OTHER_SKU, event, make_variants, make_worker
from tests.linking_helpers import register_app

Snapshot = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


class RollupReader(Repository):
    """Both rollup tables as sorted plain tuples, and the session's time zone."""

    async def snapshot(self) -> Snapshot:
        """Every row of ``ad_event_days`` and ``engaged_shopper_days``, sorted."""
        days = await self.session.execute(select(AdEventDay))
        engaged = await self.session.execute(select(EngagedShopperDay))
        return (
            sorted(
                (r.day, r.partner_id, r.channel, r.campaign_id, r.creative_id, r.impressions,
                 r.views, r.clicks, r.add_to_carts)
                for r in days.scalars()
            ),
            sorted(
                (r.day, r.partner_id, r.channel, r.campaign_id, r.creative_id, r.shopper_id)
                for r in engaged.scalars()
            ),
        )  # fmt: skip

    async def set_local_time_zone(self, zone: str) -> None:
        """PostgreSQL: another session time zone until the transaction ends."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))

    async def spoil(self, *, day: date, outside: date, partner_id: str) -> None:
        """Wrong counts, a lost engagement and rows the events never had, in and out of range."""
        await self.session.execute(text("UPDATE ad_event_days SET impressions = 999"))
        await self.session.execute(text("DELETE FROM engaged_shopper_days"))
        for stray_day, campaign in ((day, "ghost"), (outside, "kept")):
            self.session.add(
                AdEventDay(day=stray_day, partner_id=partner_id, channel="feed_ad",
                           campaign_id=campaign, creative_id="", impressions=7, views=0,
                           clicks=0, add_to_carts=0)
            )  # fmt: skip
            self.session.add(
                EngagedShopperDay(day=stray_day, partner_id=partner_id, channel="feed_ad",
                                  campaign_id=campaign, creative_id="", shopper_id="shp_gone")
            )  # fmt: skip


async def snapshot(container: Container) -> Snapshot:
    """The rollup tables now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(RollupReader).snapshot()


def _midnight(days_ago: int) -> datetime:
    today = clock.now().date()
    return datetime.combine(today - timedelta(days=days_ago), time.min, tzinfo=UTC)


async def store_through_the_worker(container: Container) -> dict[str, Any]:
    """Events of two partners, anonymous and linked, around UTC midnights, accepted then
    stored by the worker; the ids and days the assertions need."""
    await make_variants(container)
    social = await register_app(container)
    video = await register_app(container, kind="video")
    shopper = await accounts.sign_up(
        uow=container.uow(), email="ann@example.com", password="Correct-horse-battery-9"
    )
    d1, d2 = _midnight(2), _midnight(1)  # two UTC midnights in the past
    new_york = timezone(timedelta(hours=-5))
    iso = datetime.isoformat
    anonymous = [
        event("i1", occurred_at=iso(d1 - timedelta(minutes=1)), creative_id="c1"),
        event("i2", occurred_at=iso(d1), creative_id="c1"),
        # 23:30 in New York is 04:30 UTC the next day: it counts on the UTC day.
        event("i3", occurred_at=iso((d1 + timedelta(hours=4, minutes=30)).astimezone(new_york))),
        event("v1", "view", occurred_at=iso(d1 + timedelta(hours=5)), campaign_id=None),
        event("k1", "click", occurred_at=iso(d1 + timedelta(hours=6)), channel="video"),
        event("a1", "add_to_cart", occurred_at=iso(d2 + timedelta(hours=1)), sku=OTHER_SKU),
    ]
    linked = [
        event("lk1", "click", occurred_at=iso(d1 + timedelta(hours=1)), creative_id="c1"),
        event("lk2", "click", occurred_at=iso(d1 + timedelta(hours=2)), creative_id="c1"),
        event("la1", "add_to_cart", occurred_at=iso(d2 + timedelta(hours=3))),
        event("li1", occurred_at=iso(d2 + timedelta(hours=3))),
    ]
    sources = [
        (service.EventSource(social.partner_id, PartnerKind.SOCIAL), anonymous),
        (service.EventSource(social.partner_id, PartnerKind.SOCIAL, shopper.id, "gnt_1"), linked),
        (
            service.EventSource(video.partner_id, PartnerKind.VIDEO),
            [event("vi1", occurred_at=iso(d2 - timedelta(microseconds=1)), campaign_id=None)],
        ),
    ]
    policy = service.EventPolicy.from_settings(container.settings)
    for source, events in sources:
        outcome = await service.accept_events(
            uow=container.uow(), policy=policy, source=source, events=events
        )
        assert outcome.accepted == len(events), outcome.rejected
    await make_worker(container).run_until_idle()
    return {
        "social": social.partner_id, "video": video.partner_id, "shopper": shopper.id,
        "day1": d1.date(), "day2": d2.date(),
    }  # fmt: skip


async def rebuild_in_time_zone(
    container: Container, zone: str, first: date, last: date
) -> tuple[Any, Snapshot]:
    """Rebuild in a session whose time zone is not UTC; the outcome and the rollups after."""
    uow = container.uow()
    async with uow:
        await uow.repo(RollupReader).set_local_time_zone(zone)
        outcome = await rebuild_rollups(uow=uow, first=first, last=last)
        await uow.commit()
    return outcome, await snapshot(container)


async def test_a_rebuild_recounts_exactly_what_the_worker_kept(container: Container) -> None:
    ids = await store_through_the_worker(container)
    social, video, shopper = ids["social"], ids["video"], ids["shopper"]
    day0, day1, day2 = ids["day1"] - timedelta(days=1), ids["day1"], ids["day2"]
    kept = await snapshot(container)
    assert kept == (
        [
            (day0, social, "feed_ad", "spring", "c1", 1, 0, 0, 0),
            (day1, social, "feed_ad", "", "", 0, 1, 0, 0),
            (day1, social, "feed_ad", "spring", "", 1, 0, 0, 0),
            (day1, social, "feed_ad", "spring", "c1", 1, 0, 2, 0),
            (day1, social, "video", "spring", "", 0, 0, 1, 0),
            (day1, video, "video", "", "", 1, 0, 0, 0),
            (day2, social, "feed_ad", "spring", "", 1, 0, 0, 2),
        ],
        [
            (day1, social, "feed_ad", "spring", "c1", shopper),
            (day2, social, "feed_ad", "spring", "", shopper),
        ],
    )
    outside = day0 - timedelta(days=1)
    uow = container.uow()
    async with uow:
        await uow.repo(RollupReader).spoil(day=day1, outside=outside, partner_id=social)
        await uow.commit()

    outcome, rebuilt = await rebuild_in_time_zone(container, "America/New_York", day0, day2)

    untouched_days = [(outside, social, "feed_ad", "kept", "", 7, 0, 0, 0)]
    untouched_engaged = [(outside, social, "feed_ad", "kept", "", "shp_gone")]
    assert rebuilt == (untouched_days + kept[0], untouched_engaged + kept[1])
    assert (outcome.first, outcome.last, outcome.days) == (day0, day2, 3)
    assert (outcome.removed_day_rows, outcome.removed_engaged_rows) == (8, 1)
    assert (outcome.day_rows, outcome.engaged_rows, outcome.events) == (7, 2, 11)


async def test_a_rebuild_after_an_erasure_matches_the_worker_too(container: Container) -> None:
    ids = await store_through_the_worker(container)
    await service.detach_shopper(uow=container.uow(), shopper_id=ids["shopper"])
    kept = await snapshot(container)
    assert kept[1] == []

    outcome, rebuilt = await rebuild_in_time_zone(
        container, "Pacific/Kiritimati", ids["day1"] - timedelta(days=1), ids["day2"]
    )

    assert rebuilt == kept
    assert (outcome.day_rows, outcome.engaged_rows, outcome.events) == (7, 0, 11)


async def test_a_rebuild_of_days_without_events_empties_them(container: Container) -> None:
    ids = await store_through_the_worker(container)
    before = await snapshot(container)
    later = ids["day2"] + timedelta(days=1)

    outcome = await rebuild_rollups(uow=container.uow(), first=later, last=later)

    assert await snapshot(container) == before
    assert (outcome.removed_day_rows, outcome.day_rows, outcome.events) == (0, 0, 0)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2029, 3, 2), date(2029, 3, 1), "start on or before its last day"),
        (date(2028, 3, 1), date(2029, 3, 2), "at most 366 days"),
        (date(9999, 12, 1), date.max, "years 1 to 9999"),
    ],
)
async def test_a_bad_range_is_refused_and_nothing_is_deleted(
    container: Container, first: date, last: date, message: str
) -> None:
    await store_through_the_worker(container)
    before = await snapshot(container)

    with pytest.raises(InvalidRebuildRange, match=message) as refused:
        await rebuild_rollups(uow=container.uow(), first=first, last=last)

    assert refused.value.code == "invalid_rebuild_range"
    assert refused.value.category == "invalid_input"
    assert await snapshot(container) == before


async def test_the_longest_range_is_366_days(container: Container) -> None:
    ids = await store_through_the_worker(container)
    before = await snapshot(container)
    last = ids["day2"]
    first = last - timedelta(days=365)

    outcome = await rebuild_rollups(uow=container.uow(), first=first, last=last)

    assert (outcome.days, outcome.events) == (366, 11)
    assert await snapshot(container) == before
