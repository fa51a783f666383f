"""Hard filters a shopper asked for (price, brand, colour, size, category, stock, delivery)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

_T = TypeVar("_T")


@dataclass(frozen=True)
class Constraints:
    """What every result must satisfy; remembered across the turns of a conversation."""

    max_price_minor: int | None = None
    min_price_minor: int | None = None
    brands: frozenset[str] = frozenset()  # brand names as the catalog spells them
    categories: frozenset[str] = frozenset()  # category paths; a path includes its children
    options: Mapping[str, frozenset[str]] = field(default_factory=dict)  # colour, size…
    in_stock: bool = False
    deliver_by: date | None = None
    member_deals: bool = False

    def is_empty(self) -> bool:
        """Whether nothing is asked for."""
        return self == Constraints()

    def merged(self, newer: Constraints) -> Constraints:
        """These constraints with what ``newer`` states replacing what it speaks about."""
        options = {**self.options, **newer.options}
        return replace(
            self,
            max_price_minor=_newer(newer.max_price_minor, self.max_price_minor),
            min_price_minor=_newer(newer.min_price_minor, self.min_price_minor),
            brands=newer.brands or self.brands,
            categories=newer.categories or self.categories,
            options=options,
            in_stock=newer.in_stock or self.in_stock,
            deliver_by=_newer(newer.deliver_by, self.deliver_by),
            member_deals=newer.member_deals or self.member_deals,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (kept in the conversation's state)."""
        return {
            "max_price_minor": self.max_price_minor,
            "min_price_minor": self.min_price_minor,
            "brands": sorted(self.brands),
            "categories": sorted(self.categories),
            "options": {key: sorted(values) for key, values in sorted(self.options.items())},
            "in_stock": self.in_stock,
            "deliver_by": self.deliver_by.isoformat() if self.deliver_by else None,
            "member_deals": self.member_deals,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Constraints:
        """The constraints ``to_json`` wrote."""
        deliver_by = data.get("deliver_by")
        return cls(
            max_price_minor=data.get("max_price_minor"),
            min_price_minor=data.get("min_price_minor"),
            brands=frozenset(data.get("brands") or ()),
            categories=frozenset(data.get("categories") or ()),
            options={k: frozenset(v) for k, v in (data.get("options") or {}).items()},
            in_stock=bool(data.get("in_stock")),
            deliver_by=date.fromisoformat(deliver_by) if deliver_by else None,
            member_deals=bool(data.get("member_deals")),
        )


def _newer(newer: _T | None, older: _T | None) -> _T | None:
    return newer if newer is not None else older
