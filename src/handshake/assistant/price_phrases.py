"""Price limits, price wishes and deal wishes in a shopper's message (French or English).

Every function here reads *folded* text: accents stripped, apostrophes and spaces unified, case
kept, one folded character per position the caller can map back to the original message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

Span = tuple[int, int]
_T = TypeVar("_T")

# A thousands group needs three digits, so "49,90" and "49.9" read as decimals, "1 000" as 1000.
_NUMBER = r"(?:\d{1,3}(?:[.,' ]\d{3})+|\d+)(?:[.,]\d{1,2})?"
_PRE_MARKER = r"(?:[€$£]|(?:eur|usd|gbp|chf)\b)"
# "49€90" is how French shoppers often write 49,90 €.
_POST_MARKER = (
    r"(?:€(?:\d{2}(?!\d))?|\$|£|(?:euros?|eurs?|usd|dollars?|bucks|gbp|chf|francs?|balles)\b)"
)
# Words that make a bare number a quantity, not money ("under 2 kg", "up to 4 people").
_UNITS = (
    r"(?:cm|mm|m|km|kg|g|mg|lbs?|oz|w|kw|wh|kwh|watts?|v|volts?|mah|ah|amps?|l|ml|cl|dl|"
    r"litres?|liters?|metres?|meters?|feet|ft|inch(?:es)?|pouces?|hz|khz|mhz|ghz|gb|go|mb|mo|"
    r"tb|db|dpi|fps|mp|px|lm|lumens?|kcal|calories|x|people|persons?|personnes?|pers|places|"
    r"seats?|pieces?|pcs|units?|unites?|items?|articles?|packs?|lots?|years?|ans?|months?|mois|"
    r"weeks?|semaines?|days?|jours?|hours?|heures?|h|min|minutes?|mn|s|sec|secondes?|seconds?|"
    r"stars?|etoiles?|reviews?|avis|batteries|piles?|aa|aaa|cells?|degrees?|degres?)"
)
_MARKED = rf"(?:{_PRE_MARKER}\s*{_NUMBER}(?!\d)|{_NUMBER}\s*{_POST_MARKER})"
_BARE = rf"{_NUMBER}(?![.,' ]?\d)(?!\s*{_UNITS}\b)(?!\s*[%°/:\"x])"
_LEFT_EDGE = r"(?<![\w.,'-])"
_AMOUNT = rf"{_LEFT_EDGE}(?:{_MARKED}|{_BARE})"
_ANY_MARKED = rf"{_LEFT_EDGE}{_MARKED}"
# The upper end of a range follows its separator, so "-" may come right before it ("20-50€").
_HIGH_AMOUNT = rf"(?:{_MARKED}|{_BARE})"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_RANGE_WORDED = _compile(
    rf"\b(?:between|entre|from|de|d'|du)\s*(?P<low>{_AMOUNT})\s*(?:and|et|to|a|au|-)\s*"
    rf"(?P<high>{_HIGH_AMOUNT})"
)
# Without a leading word a range needs a currency marker on one side ("20-50€", "20€ to 50").
_RANGE_HIGH_MARKED = _compile(rf"(?P<low>{_AMOUNT})\s*(?:-|to|a|au)\s*(?P<high>{_MARKED})")
_RANGE_LOW_MARKED = _compile(rf"(?P<low>{_ANY_MARKED})\s*(?:-|to|a|au)\s*(?P<high>{_HIGH_AMOUNT})")
_BUDGET_AMOUNT = _compile(
    r"\b(?:(?:my|our|the|a|with a|mon|notre|avec un|pour un|un)\s+)?(?:max(?:imum)?\s+|total\s+)?"
    r"budget(?:\s+(?:max(?:imum)?|total))?\s*(?:(?:is|of|de|est de|est|:|=)\s*)?"
    rf"(?:(?:around|about|environ|d'environ)\s*)?(?P<a>{_AMOUNT})"
)
_MAX_BEFORE = _compile(
    r"(?:\b(?P<w>no more than|not more than|not over|less than|lower than|cheaper than|at most|"
    r"up to|under|below|maximum|maxi|max|a moins de|moins de|pas plus de|jusqu'a|jusqu a|"
    r"jusqu'au|au maximum|au max|au plus|en[- ]dessous de|inferieurs? a|inferieures? a|"
    r"moins cheres? que|moins chers? que|sous la barre des|pas au[- ]dessus de)|<=?)"
    rf"\s*(?P<a>{_AMOUNT})"
)
_MAX_AFTER = _compile(
    rf"(?P<a>{_ANY_MARKED})\s*(?:maximum|maxi|max|tops|or less|ou moins|at most|au plus|"
    r"grand max)(?![a-z])"
)
_MIN_BEFORE = _compile(
    r"(?:\b(?P<w>no less than|not less than|more than|higher than|at least|over|above|minimum|"
    r"min|starting (?:at|from)|a partir de|plus de|au moins|au minimum|pas moins de|"
    r"superieurs? a|superieures? a)|>=?)"
    rf"\s*(?P<a>{_AMOUNT})"
)
_MIN_AFTER = _compile(
    rf"(?:\bfrom\s*(?P<b>{_ANY_MARKED}))|(?P<a>{_ANY_MARKED})\s*(?:minimum|min|or more|and up|"
    r"and above|and over|ou plus|et plus|au moins|\+)(?![a-z])"
)
_CHEAPEST = _compile(
    r"\b(?:(?:the\s+)?(?:cheapest|least expensive|lowest[- ]priced|lowest prices?|best prices?)|"
    r"(?:le|la|les)\s+(?:moins\s+cher(?:e|s|es)?|prix\s+le\s+plus\s+bas|meilleurs?\s+prix)|"
    r"au\s+(?:meilleur|plus\s+bas)\s+prix|le\s+plus\s+bas\s+prix)(?:\s+possible)?\b"
)
# "pas cher" means cheap: a wish for low prices, never a price limit.
_BUDGET_HINT = _compile(
    r"\b(?:pas\s+(?:trop\s+)?cher(?:e|s|es)?|bon\s+marche|cheap(?:er)?|inexpensive|affordable|"
    r"abordables?|petits?\s+prix|economiques?|low[- ]cost|on\s+a\s+budget|budget[- ]friendly|"
    r"(?:(?:le\s+)?meilleur\s+|(?:un\s+)?bon\s+|excellent\s+)?rapport\s+qualite[- ]prix|"
    r"value\s+for\s+money|best\s+value|"
    r"moins\s+cher(?:e|s|es)?|budget)\b"
)
_BEST = _compile(
    r"\b(?:(?:the\s+)?(?:very\s+)?best(?![- ]?sell)|top[- ]of[- ]the[- ](?:range|line)|"
    r"high[- ]end|premium|most\s+expensive|haut[- ]de[- ]gamme|"
    r"(?:(?:le|la|les)\s+)?meilleur(?:e|s|es)?(?!\s+ventes?)|(?:le|la|les)\s+plus\s+cher(?:e|s|es)?)"
    r"\b"
)
_MEMBER_DEALS = _compile(
    r"\b(?:members?'?\s+(?:only\s+)?(?:prices?|deals?|offers?|discounts?)|members?[- ]only|"
    r"for\s+members|prix\s+membres?|tarifs?\s+membres?|offres?\s+membres?|"
    r"(?:reserves?\s+aux\s+|pour\s+les\s+)?membres?|members?|(?:special\s+)?deals?|"
    r"bons?\s+plans?|(?:en\s+)?promos?|(?:en\s+)?promotions?|on\s+(?:sale|offer|promotion)|"
    r"en\s+soldes?|soldes?|discounts?|discounted|en\s+reduction|reductions?|special\s+offers?|"
    r"offres?\s+speciales?)\b"
)
# "Lumo Max 2" names a model; only a lower-case "max"/"min" starts a limit on a bare number.
_MODEL_WORDS = frozenset({"max", "maxi", "maximum", "min", "minimum"})


@dataclass(frozen=True)
class PriceWishes:
    """What a message says about price, and where it says it."""

    max_minor: int | None = None
    min_minor: int | None = None
    wants_cheapest: bool = False
    budget_hint: bool = False
    wants_best: bool = False
    member_deals: bool = False
    spans: tuple[Span, ...] = ()


def read_price_wishes(folded: str, minor_per_major: int) -> PriceWishes:
    """The price limits and wishes in ``folded`` text, amounts in minor units."""
    found = _Finder(folded)
    low_high = found.first(_RANGE_WORDED, _range_reader(minor_per_major))
    low_high = low_high or found.first(_RANGE_HIGH_MARKED, _range_reader(minor_per_major))
    low_high = low_high or found.first(_RANGE_LOW_MARKED, _range_reader(minor_per_major))
    low, high = low_high or (None, None)
    high = found.first(_BUDGET_AMOUNT, _amount_reader(minor_per_major)) or high
    high = found.first(_MAX_BEFORE, _limit_reader(minor_per_major)) or high
    high = found.first(_MAX_AFTER, _amount_reader(minor_per_major)) or high
    low = found.first(_MIN_BEFORE, _limit_reader(minor_per_major)) or low
    low = found.first(_MIN_AFTER, _amount_reader(minor_per_major)) or low
    return PriceWishes(
        max_minor=high,
        min_minor=low,
        wants_cheapest=found.any(_CHEAPEST),
        budget_hint=found.any(_BUDGET_HINT),
        wants_best=found.any(_BEST),
        member_deals=found.any(_MEMBER_DEALS),
        spans=tuple(found.spans),
    )


def amount_to_minor(amount: str, minor_per_major: int) -> int:
    """Minor units of an amount as written ("49,90 €", "€1,000", "49€90", "1 000")."""
    match = re.search(_NUMBER, amount)
    if match is None:
        raise ValueError(f"no amount in {amount!r}")
    number = match.group()
    decimals = re.search(r"[.,](\d{1,2})$", number)
    whole = number[: decimals.start()] if decimals else number
    digits = re.sub(r"[.,' ]", "", whole)
    fraction = decimals.group(1) if decimals else ""
    cents = re.search(r"€(\d{2})(?!\d)", amount[match.end() :])
    if cents and not fraction:
        fraction = cents.group(1)
    major = Decimal(f"{digits}.{fraction or '0'}")
    return int((major * minor_per_major).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _amount_reader(minor_per_major: int) -> Callable[[re.Match[str]], int | None]:
    def read(match: re.Match[str]) -> int | None:
        groups = match.groupdict()
        return amount_to_minor(groups.get("a") or groups["b"], minor_per_major)

    return read


def _limit_reader(minor_per_major: int) -> Callable[[re.Match[str]], int | None]:
    def read(match: re.Match[str]) -> int | None:
        word, amount = match.group("w"), match.group("a")
        is_bare = re.fullmatch(_BARE, amount, re.IGNORECASE) is not None
        if is_bare and word and word.lower() in _MODEL_WORDS and word != word.lower():
            return None
        return amount_to_minor(amount, minor_per_major)

    return read


def _range_reader(minor_per_major: int) -> Callable[[re.Match[str]], tuple[int, int] | None]:
    def read(match: re.Match[str]) -> tuple[int, int] | None:
        low = amount_to_minor(match.group("low"), minor_per_major)
        high = amount_to_minor(match.group("high"), minor_per_major)
        return (min(low, high), max(low, high))

    return read


class _Finder:
    """Reads phrases kind after kind, blanking each one found so no later kind re-reads it."""

    def __init__(self, folded: str) -> None:
        self.text = folded
        self.spans: list[Span] = []

    def first(
        self, pattern: re.Pattern[str], read: Callable[[re.Match[str]], _T | None]
    ) -> _T | None:
        """The value of the first match ``read`` accepts; every accepted match is blanked."""
        values: list[_T] = []
        for match in pattern.finditer(self.text):
            value = read(match)
            if value is not None:
                values.append(value)
                self._blank(match.span())
        return values[0] if values else None

    def any(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` occurs; each occurrence is blanked."""
        return self.first(pattern, lambda match: True) is not None

    def _blank(self, span: Span) -> None:
        start, end = span
        self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        self.spans.append(span)
