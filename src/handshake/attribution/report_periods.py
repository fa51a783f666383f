"""The period of a report (whole UTC days) and the percentages reports show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from handshake.attribution.errors import InvalidReportPeriod
from handshake.kernel import clock

DEFAULT_DAYS = 30
MAX_DAYS = 366
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class ReportPeriod:
    """Whole UTC days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def report_period(start: date | None = None, end: date | None = None) -> ReportPeriod:
    """The period asked for; by default the last 30 days up to today (UTC)."""
    last = end or clock.now().date()
    try:
        first = start or last - timedelta(days=DEFAULT_DAYS - 1)
        last + timedelta(days=1)  # the period's ``until``
    except OverflowError:
        raise InvalidReportPeriod("Give days within the years 1 to 9999.") from None
    if first > last:
        raise InvalidReportPeriod("The period must start on or before its last day.")
    if (last - first).days >= MAX_DAYS:
        raise InvalidReportPeriod(f"A report covers at most {MAX_DAYS} days.")
    return ReportPeriod(first, last)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` per 100 of ``whole``, to one decimal (None when ``whole`` is zero)."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
