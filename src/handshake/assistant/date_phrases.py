"""Delivery deadlines in a shopper's message: "by Friday", "d'ici demain", "avant le 24/12"…

Reads *folded* text (accents stripped, case kept, apostrophes unified), like price_phrases.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

Span = tuple[int, int]

_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6,
}  # fmt: skip
# "mar" is left out: too many words start that way; "mars" and "march" are enough.
_MONTHS = {
    "january": 1, "janvier": 1, "janv": 1, "jan": 1, "february": 2, "fevrier": 2, "fevr": 2,
    "feb": 2, "fev": 2, "march": 3, "mars": 3, "april": 4, "avril": 4, "apr": 4, "avr": 4,
    "may": 5, "mai": 5, "june": 6, "juin": 6, "jun": 6, "july": 7, "juillet": 7, "juil": 7,
    "jul": 7, "august": 8, "aout": 8, "aug": 8, "september": 9, "septembre": 9, "sept": 9,
    "sep": 9, "october": 10, "octobre": 10, "oct": 10, "november": 11, "novembre": 11, "nov": 11,
    "december": 12, "decembre": 12, "dec": 12,
}  # fmt: skip
_COUNT_WORDS = {
    "a": 1, "an": 1, "one": 1, "un": 1, "une": 1, "two": 2, "deux": 2, "three": 3, "trois": 3,
    "four": 4, "quatre": 4, "five": 5, "cinq": 5, "six": 6, "seven": 7, "sept": 7, "eight": 8,
    "huit": 8, "nine": 9, "neuf": 9, "ten": 10, "dix": 10,
}  # fmt: skip


def _alternatives(words: Iterable[str]) -> str:
    # Longest first so "janvier" wins over "jan".
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_WEEKDAY = _alternatives(_WEEKDAYS)
_MONTH = _alternatives(_MONTHS)
_COUNT = rf"(?:\d{{1,3}}|{_alternatives(_COUNT_WORDS)})"
_VERB = (
    r"(?:delivered|delivery|deliver|shipped|arrives?|arriving|here|"
    r"livrees?|livres?|livre|livraison|livrer|recue?s?|arriver?)"
)
_PREP = (
    r"(?:no later than|at the latest by|in time for|by|before|for|on|until|"
    r"d'ici(?:\s+(?:a|au|le))?|avant(?:\s+le)?|pour(?:\s+le)?|jusqu'(?:a|au)|"
    r"au plus tard(?:\s+le)?|a temps pour)"
)
_LEAD = rf"(?P<lead>{_VERB}\s+(?:{_PREP}\s+)?|{_PREP}\s+)"
_LEAD_OPTIONAL = rf"{_LEAD}?"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_AFTER_TOMORROW = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:the\s+)?(?:day after tomorrow|apres[- ]demain)\b"
)
_TOMORROW = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:tomorrow|demain|le\s+lendemain|next[- ]day(?:\s+delivery)?)\b"
)
_TODAY = _compile(
    rf"\b(?:{_LEAD}(?:today|aujourd'hui|aujourd hui|tonight|ce soir)|same[- ]day(?:\s+delivery)?|"
    r"(?:livraison\s+)?le\s+jour\s+meme)\b"
)
_WEEKDAY_NAMED = _compile(
    rf"\b{_LEAD}(?:(?:next|this|ce)\s+)?(?P<w>{_WEEKDAY})(?:\s+(?:prochain|next))?\b"
)
_CHRISTMAS = _compile(rf"\b{_LEAD}(?:christmas|xmas|noel)(?:\s+eve)?\b")
_ISO_DATE = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:le\s+)?(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})\b"
)
_NUMERIC_DATE = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:(?:le|the)\s+)?(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})"
    r"(?:/(?P<y>\d{4}|\d{2}))?(?![/\d])|"
    r"\b(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{4})\b"
)
_DAY_MONTH = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:(?:le|the)\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?:of\s+)?"
    rf"(?P<mon>{_MONTH})\b\.?(?:\s+(?P<y>\d{{4}})\b)?"
)
_MONTH_DAY = _compile(
    rf"\b{_LEAD}(?:the\s+)?(?P<mon>{_MONTH})\b\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"(?:,?\s+(?P<y>\d{4})\b)?"
)
_THIS_WEEK = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:(?:this|cette)\s+semaine|this\s+week(?![- ]?end)|"
    r"(?:the\s+)?end\s+of\s+(?:the|this)\s+week|(?:la\s+)?fin\s+de\s+(?:la\s+)?semaine)\b"
)
_WEEKEND = _compile(rf"\b{_LEAD_OPTIONAL}(?:this|ce)\s+week[- ]?end\b")
_NEXT_WEEK = _compile(
    rf"\b{_LEAD_OPTIONAL}(?:next\s+week(?![- ]?end)|la\s+semaine\s+prochaine|semaine\s+prochaine)\b"
)
_WITHIN = _compile(
    rf"\b(?:{_VERB}\s+)?(?:within|in\s+the\s+next|in|under|less\s+than|sous|en|dans|d'ici|"
    r"moins\s+de)\s+(?P<n>" + _COUNT + r")\s*(?P<unit>(?:business|working)\s+days?|"
    r"jours?\s+ouvr(?:es|ables)|days?|jours?|hours?|heures?|h|weeks?|semaines?)\b"
)
_HOURS_DELIVERY = _compile(
    r"\b(?P<n>\d{1,3})\s*-?\s*(?P<unit>h|hours?|heures?|-hour)\s+(?:delivery|livraison)\b"
)


@dataclass(frozen=True)
class Deadline:
    """The earliest delivery date a message asks for, and where it asks."""

    deliver_by: date | None
    spans: tuple[Span, ...]


def read_deadline(folded: str, today: date) -> Deadline:
    """The delivery deadline in ``folded`` text, relative to ``today``."""
    text, spans, dates = folded, list[Span](), list[date]()
    for pattern, read in _readers(today):
        for match in pattern.finditer(text):
            found = read(match)
            if found is None:
                continue
            start, end = match.span()
            text = text[:start] + " " * (end - start) + text[end:]
            spans.append((start, end))
            dates.append(found)
    # Of several dates the earliest is the one every result must meet.
    return Deadline(deliver_by=min(dates, default=None), spans=tuple(spans))


def _readers(today: date) -> list[tuple[re.Pattern[str], Callable[[re.Match[str]], date | None]]]:
    def after(days: int) -> Callable[[re.Match[str]], date]:
        return lambda match: today + timedelta(days=days)

    sunday = today + timedelta(days=6 - today.weekday())
    saturday = today if today.weekday() == 6 else today + timedelta(days=5 - today.weekday())
    return [
        (_AFTER_TOMORROW, after(2)),
        (_TOMORROW, after(1)),
        (_TODAY, after(0)),
        (_WEEKDAY_NAMED, lambda match: _next_weekday(today, _WEEKDAYS[match["w"].lower()])),
        (_CHRISTMAS, lambda match: _day_in_year(today, 12, 24, None)),
        (_ISO_DATE, lambda match: _calendar_date(today, match["d"], match["m"], match["y"])),
        (_NUMERIC_DATE, lambda match: _numeric_date(today, match)),
        (_DAY_MONTH, lambda match: _named_month_date(today, match)),
        (_MONTH_DAY, lambda match: _named_month_date(today, match)),
        (_WEEKEND, lambda match: saturday),
        (_NEXT_WEEK, lambda match: sunday + timedelta(days=7)),
        (_THIS_WEEK, lambda match: sunday),
        (_WITHIN, lambda match: _after_duration(today, match["n"], match["unit"])),
        (_HOURS_DELIVERY, lambda match: _after_duration(today, match["n"], match["unit"])),
    ]


def _next_weekday(today: date, weekday: int) -> date:
    # Strictly after today: "by Monday" said on a Monday means next week's.
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _numeric_date(today: date, match: re.Match[str]) -> date | None:
    if match["d2"]:
        return _calendar_date(today, match["d2"], match["m2"], match["y2"])
    # "1/2" with nothing around it is more likely a fraction than a date.
    if not match["lead"] and not match["y"] and len(match["d"]) == 1 and len(match["m"]) == 1:
        return None
    return _calendar_date(today, match["d"], match["m"], match["y"])


def _named_month_date(today: date, match: re.Match[str]) -> date | None:
    month = _MONTHS[match["mon"].lower()]
    return _calendar_date(today, match["d"], str(month), match["y"])


def _calendar_date(today: date, day: str, month: str, year: str | None) -> date | None:
    if year is not None and len(year) == 2:
        year = f"{today.year // 100}{year}"
    return _day_in_year(today, int(month), int(day), int(year) if year else None)


def _day_in_year(today: date, month: int, day: int, year: int | None) -> date | None:
    """That day in ``year``, or when no year is said its next occurrence from today on."""
    try:
        if year is not None:
            return date(year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _after_duration(today: date, count: str, unit: str) -> date:
    amount = int(count) if count.isdigit() else _COUNT_WORDS[count.lower()]
    unit = unit.lower()
    if unit.startswith(("h", "-h")):
        return today + timedelta(days=max(1, math.ceil(amount / 24)))
    if unit.startswith(("w", "semaine")):
        return today + timedelta(days=7 * amount)
    if unit.startswith(("business", "working")) or "ouvr" in unit:
        return _after_business_days(today, amount)
    return today + timedelta(days=amount)


def _after_business_days(today: date, count: int) -> date:
    day = today
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
