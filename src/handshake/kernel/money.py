"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Minor-unit exponents of the currencies we accept; anything else is refused rather than guessed.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "MAD": 2,
    "JPY": 0,
    "KRW": 0,
    "BHD": 3,
    "KWD": 3,
    "TND": 3,
}


class MoneyError(ValueError):
    """A currency or amount that cannot be represented exactly."""


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency``."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unsupported currency {currency!r}") from None


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount: ``Money(1999, "EUR")`` is 19.99 EUR."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        exponent(self.currency)
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError("minor units must be an integer")

    @classmethod
    def parse(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Build from a major-unit amount such as ``"19.99"``; refuses sub-minor precision."""
        if isinstance(amount, float):
            raise MoneyError("floats are not accepted for money")
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise MoneyError(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise MoneyError(f"not an amount: {amount!r}")
        try:
            scaled = value.scaleb(exponent(currency))
        except ArithmeticError:  # decimal.Overflow: "1e999999" is past what Decimal holds
            raise MoneyError(f"not an amount: {amount!r}") from None
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def times(self, quantity: int) -> Money:
        """This amount multiplied by a whole quantity."""
        return Money(self.minor * quantity, self.currency)

    def percent(self, basis_points: int) -> Money:
        """``basis_points``/10000 of this amount, rounded half-even to the minor unit."""
        value = (Decimal(self.minor) * basis_points / Decimal(10000)).quantize(
            Decimal(1), rounding=ROUND_HALF_EVEN
        )
        return Money(int(value), self.currency)

    def as_decimal(self) -> Decimal:
        """Major-unit decimal value, e.g. ``Decimal("19.99")``."""
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def format_plain(self) -> str:
        """``"19.99 EUR"``: the form product feeds expect."""
        digits = exponent(self.currency)
        return f"{self.as_decimal():.{digits}f} {self.currency}"
