"""The merchant's recommendation rules: thresholds, time windows and catalog queries.

Search queries are merchant settings (``HANDSHAKE_RECOMMENDATIONS__FILTER_QUERY``…: what its
catalog calls an air filter), never tuned to a particular catalog here.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.recommendations.rules import RuleCode
from handshake.settings import Settings

MAX_PRODUCTS_LIMIT = 20


@dataclass(frozen=True)
class RecommendationRules:
    """Thresholds and catalog queries of every rule."""

    filter_query: str = "air filter"
    battery_query: str = "battery"
    dehumidifier_query: str = "dehumidifier"
    filter_heating_hours: float = 500
    # Heating hours are counted over this window (and never beyond what retention kept).
    heating_window_days: int = 90
    battery_low_percent: float = 20
    # The latest battery value must be this recent to be trusted as "current".
    battery_window_days: int = 30
    humidity_high_percent: float = 60
    humidity_days: int = 7
    max_products: int = 3

    def __post_init__(self) -> None:
        windows = (self.heating_window_days, self.battery_window_days, self.humidity_days)
        if min(windows) < 1:
            raise ValueError("Rule windows last at least one day.")
        if not 0 <= self.max_products <= MAX_PRODUCTS_LIMIT:
            raise ValueError(f"max_products is between 0 and {MAX_PRODUCTS_LIMIT}.")
        if self.filter_heating_hours <= 0:
            raise ValueError("filter_heating_hours must be positive.")

    def query_for(self, rule: RuleCode) -> str:
        """The catalog search query of ``rule``."""
        return {
            RuleCode.FILTER_DUE: self.filter_query,
            RuleCode.LOCK_BATTERY_LOW: self.battery_query,
            RuleCode.HUMIDITY_HIGH_WEEK: self.dehumidifier_query,
        }[rule]

    def window_days(self, rule: RuleCode) -> int:
        """How many days of history ``rule`` reads."""
        return {
            RuleCode.FILTER_DUE: self.heating_window_days,
            RuleCode.LOCK_BATTERY_LOW: self.battery_window_days,
            RuleCode.HUMIDITY_HIGH_WEEK: self.humidity_days,
        }[rule]


def rules_from_settings(settings: Settings) -> RecommendationRules:
    """The rules of ``settings`` (``recommendations`` section)."""
    return RecommendationRules(**settings.recommendations.model_dump())
