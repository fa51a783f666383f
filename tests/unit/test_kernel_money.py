"""Money is exact: integer minor units, per-currency exponents, no floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.kernel.money import Money, MoneyError


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "EUR", 1999),
        ("0", "EUR", 0),
        ("1200", "JPY", 1200),
        ("1.234", "BHD", 1234),
        ("-5.10", "USD", -510),
        (Decimal("3.5"), "EUR", 350),
        (7, "EUR", 700),
    ],
)
def test_parse_exact_amounts(amount: str | Decimal | int, currency: str, minor: int) -> None:
    assert Money.parse(amount, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("19.999", "EUR", "more decimals"),
        ("1.5", "JPY", "more decimals"),
        ("abc", "EUR", "not an"),
        ("NaN", "EUR", "not an"),
        ("1e999999", "EUR", "not an"),  # past what Decimal holds once scaled to cents
        ("1", "XXX", "unsupported currency"),
    ],
)
def test_parse_refuses_inexact_or_unknown(amount: str, currency: str, message: str) -> None:
    with pytest.raises(MoneyError, match=message):
        Money.parse(amount, currency)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match="floats"):
        Money.parse(19.99, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="integer"):
        Money(19.99, "EUR")  # type: ignore[arg-type]


def test_arithmetic_and_currency_mixing() -> None:
    assert Money(1000, "EUR") + Money(250, "EUR") == Money(1250, "EUR")
    assert Money(1000, "EUR") - Money(250, "EUR") == Money(750, "EUR")
    assert Money(333, "EUR").times(3) == Money(999, "EUR")
    with pytest.raises(MoneyError, match="cannot mix"):
        Money(1, "EUR") + Money(1, "USD")


def test_percent_rounds_half_even() -> None:
    assert Money(1000, "EUR").percent(2000) == Money(200, "EUR")
    assert Money(25, "EUR").percent(5000) == Money(12, "EUR")  # 12.5 → 12
    assert Money(35, "EUR").percent(5000) == Money(18, "EUR")  # 17.5 → 18


def test_format_plain_is_the_feed_form() -> None:
    assert Money(12999, "EUR").format_plain() == "129.99 EUR"
    assert Money(1200, "JPY").format_plain() == "1200 JPY"
    assert Money(5, "EUR").format_plain() == "0.05 EUR"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_then_parse_round_trips(minor: int) -> None:
    money = Money(minor, "EUR")
    text, currency = money.format_plain().split(" ")
    assert Money.parse(text, currency) == money
