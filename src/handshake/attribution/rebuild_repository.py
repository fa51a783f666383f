"""Queries of the rollup rebuild: the daily tables recomputed from ``ad_events`` in SQL.

The result must equal what ``rollups`` adds as events are stored: an event counts on the UTC
date of its ``occurred_at``, in the cell (partner, channel, campaign or '', creative or '').
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, delete, func, insert, select, text

from handshake.attribution.models import (
    NO_REFERENCE,
    AdEvent,
    AdEventDay,
    AdEventKind,
    EngagedShopperDay,
)
from handshake.attribution.rollups import COUNT_COLUMNS, ENGAGED_KINDS
from handshake.db.uow import Repository

CELL_COLUMNS = ("day", "partner_id", "channel", "campaign_id", "creative_id")


class RollupRebuildRepository(Repository):
    """Deletes and recomputes ``ad_event_days`` and ``engaged_shopper_days`` for a range."""

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def hold_event_writers(self) -> None:
        """Until the transaction ends, wait for and then block every writer of ``ad_events``
        (the worker storing events, an erasure): the recount sees exactly what it replaces.
        On SQLite the writing transaction already excludes every other writer."""
        if self._dialect == "postgresql":
            table = self.session.get_bind().dialect.identifier_preparer.format_table(
                AdEvent.__table__
            )
            await self.session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))

    def _day(self) -> Any:
        """The UTC date of an event's ``occurred_at``, whatever the session's time zone."""
        if self._dialect == "postgresql":
            return cast(func.timezone("UTC", AdEvent.occurred_at), Date)
        # SQLite holds UTCDateTime as naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff').
        return func.date(AdEvent.occurred_at)

    def _cells(self, *, since: datetime, until: datetime) -> Any:
        """Events that occurred in [since, until), each with its day and cell columns."""
        return (
            select(
                self._day().label("day"),
                AdEvent.partner_id.label("partner_id"),
                AdEvent.channel.label("channel"),
                func.coalesce(AdEvent.campaign_id, NO_REFERENCE).label("campaign_id"),
                func.coalesce(AdEvent.creative_id, NO_REFERENCE).label("creative_id"),
                AdEvent.kind.label("kind"),
                AdEvent.shopper_id.label("shopper_id"),
            )
            .where(AdEvent.occurred_at >= since, AdEvent.occurred_at < until)
            .subquery("cells")
        )

    async def delete_days(self, *, first: date, last: date) -> tuple[int, int]:
        """Remove both rollups' rows of the days ``first`` to ``last``; how many of each."""
        counts = await self.execute_count(
            delete(AdEventDay).where(AdEventDay.day.between(first, last))
        )
        engaged = await self.execute_count(
            delete(EngagedShopperDay).where(EngagedShopperDay.day.between(first, last))
        )
        return counts, engaged

    async def insert_day_counts(self, *, since: datetime, until: datetime) -> int:
        """Count the events of [since, until) into ``ad_event_days``; how many rows."""
        cells = self._cells(since=since, until=until)
        keys = [cells.c[name] for name in CELL_COLUMNS]
        sums = [
            func.sum(case((cells.c.kind == kind, 1), else_=0)).label(column)
            for kind, column in COUNT_COLUMNS.items()
        ]
        query = (
            select(*keys, *sums)
            .where(cells.c.kind.in_([AdEventKind(kind).value for kind in COUNT_COLUMNS]))
            .group_by(*keys)
        )
        columns = [*CELL_COLUMNS, *COUNT_COLUMNS.values()]
        return await self.execute_count(insert(AdEventDay).from_select(columns, query))

    async def insert_engaged_shoppers(self, *, since: datetime, until: datetime) -> int:
        """Record the linked shoppers who clicked or added to cart in [since, until)."""
        cells = self._cells(since=since, until=until)
        query = (
            select(*(cells.c[name] for name in CELL_COLUMNS), cells.c.shopper_id)
            .where(
                cells.c.kind.in_([AdEventKind(kind).value for kind in ENGAGED_KINDS]),
                cells.c.shopper_id.is_not(None),
            )
            .distinct()
        )
        columns = [*CELL_COLUMNS, "shopper_id"]
        return await self.execute_count(insert(EngagedShopperDay).from_select(columns, query))

    async def events_counted(self, *, first: date, last: date) -> int:
        """Events in ``ad_event_days`` over the days ``first`` to ``last``."""
        total = AdEventDay.impressions + AdEventDay.views + AdEventDay.clicks
        query = select(func.coalesce(func.sum(total + AdEventDay.add_to_carts), 0)).where(
            AdEventDay.day.between(first, last)
        )
        return int(await self.session.scalar(query) or 0)
