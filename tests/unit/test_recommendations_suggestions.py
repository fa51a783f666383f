"""The suggestions service over fake devices and catalog: what it reads, and what it suggests.

The fakes record every call, so the tests show what is *not* read: data types shared for other
purposes, a lock's lock_state (only its battery is needed), devices no rule applies to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from handshake.catalog.browsing import Availability, ProductSummary
from handshake.devices.consent import DataType, Purpose
from handshake.devices.errors import PurposeNotGranted
from handshake.devices.readings import ConsentedSignal
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.recommendations import suggestions
from handshake.recommendations.policy import RecommendationRules
from handshake.recommendations.suggestions import Basis, suggest_for_shopper

NOW = datetime(2029, 6, 1, 12, 0, tzinfo=UTC)
MAKER, OTHER = "par_maker", "par_other"
UOW: Any = object()  # the fakes never touch it


def row(hours_ago: float, value: Any, data_type: DataType) -> SimpleNamespace:
    """A history row as devices returns them."""
    return SimpleNamespace(
        time_of_sample=NOW - timedelta(hours=hours_ago), value=value, data_type=data_type.value
    )


def signal(device: str, kind: DataType, partner: str = MAKER) -> ConsentedSignal:
    """A data type shared for recommendations (grant version 3)."""
    return ConsentedSignal(partner, f"dgr_{partner}", 3, device, kind)


@dataclass
class FakeDevices:
    """devices' service: signals, discovered names, history; every read recorded."""

    signals: list[ConsentedSignal] = field(default_factory=list)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    history: dict[tuple[str, DataType], list[SimpleNamespace]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    reads: list[tuple[str, str, Purpose, tuple[str, ...], datetime]] = field(default_factory=list)
    purposes: list[Purpose] = field(default_factory=list)

    async def consented_signals(
        self, *, uow: Any, shopper_id: str, purpose: Purpose
    ) -> list[ConsentedSignal]:
        self.purposes.append(purpose)
        return self.signals

    async def list_devices(self, *, uow: Any, shopper_id: str, partner_id: str) -> list[Any]:
        return [
            SimpleNamespace(device_id=device, friendly_name=name, category=category)
            for device, (name, category) in self.names.items()
        ]

    async def read_device_history(self, **kw: Any) -> list[SimpleNamespace]:
        kinds = tuple(sorted(k.value for k in kw["data_types"]))
        self.reads.append((kw["partner_id"], kw["device_id"], kw["purpose"], kinds, kw["since"]))
        if kw["device_id"] in self.refused:
            raise PurposeNotGranted("not shared")
        device = kw["device_id"]
        return [r for k in kw["data_types"] for r in self.history.get((device, k), [])]


def product(number: int, title: str) -> ProductSummary:
    """A product summary as the catalog returns it."""
    return ProductSummary(
        id=f"prd_{number}", handle=f"p-{number}", brand="Acme", title=title,
        category_path=None, image=None, price_from=Money(1999 + number, "EUR"),
        member_price_from=None, availability=Availability("in_stock"),
    )  # fmt: skip


@dataclass
class FakeCatalog:
    """catalog's service: a few products per query, every search recorded."""

    searches: list[dict[str, Any]] = field(default_factory=list)

    async def search_products(self, **kw: Any) -> SimpleNamespace:
        self.searches.append({k: v for k, v in kw.items() if k != "uow"})
        items = [product(i, f"{kw['q']} {i}") for i in range(5)]
        return SimpleNamespace(items=items[: kw["limit"]], next_cursor=None)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> tuple[FakeDevices, FakeCatalog]:
    """The service wired to fakes, at a frozen instant."""
    devices, catalog = FakeDevices(), FakeCatalog()
    monkeypatch.setattr(suggestions, "devices", devices)
    monkeypatch.setattr(suggestions, "catalog", catalog)
    return devices, catalog


async def suggest(language: str = "en", **rules: Any) -> list[suggestions.Suggestion]:
    with clock.frozen_at(NOW):
        return await suggest_for_shopper(
            uow=UOW, shopper_id="shp_1", language=language, rules=RecommendationRules(**rules)
        )


HEATED = [row(600, "HEAT", DataType.MODE), row(88, "OFF", DataType.MODE)]  # 512 h
LOW = [row(30, {"value": 80}, DataType.BATTERY), row(2, {"value": 15}, DataType.BATTERY)]


async def test_only_the_rule_data_types_shared_for_recommendations_are_read(
    fakes: tuple[FakeDevices, FakeCatalog],
) -> None:
    """A thermostat sharing mode for recommendations: one read of mode over 90 days, one
    suggestion with its reason, basis and three in-stock products."""
    devices, catalog = fakes
    devices.signals = [signal("thermo-1", DataType.MODE)]
    devices.names = {"thermo-1": ("Hall thermostat", "THERMOSTAT")}
    devices.history = {("thermo-1", DataType.MODE): HEATED}
    [found] = await suggest()
    assert devices.purposes == [Purpose.RECOMMENDATIONS]
    assert devices.reads == [
        (MAKER, "thermo-1", Purpose.RECOMMENDATIONS, ("mode",), NOW - timedelta(days=90))
    ]
    assert found.reason == (
        "Your Hall thermostat has heated for 512 hours: its air filter is probably due."
    )
    assert found.basis == Basis(MAKER, "dgr_par_maker", 3, "thermo-1", ("mode",))
    assert [p.title for p in found.products] == ["air filter 0", "air filter 1", "air filter 2"]
    assert catalog.searches == [{"q": "air filter", "in_stock": True, "lang": "en", "limit": 3}]


async def test_nothing_shared_for_recommendations_reads_nothing(
    fakes: tuple[FakeDevices, FakeCatalog],
) -> None:
    """No signal (shares held for service operation only): no read, no search, no suggestion."""
    devices, catalog = fakes
    devices.history = {("thermo-1", DataType.MODE): HEATED}
    assert await suggest() == []
    assert (devices.reads, catalog.searches) == ([], [])


async def test_a_lock_is_read_for_its_battery_only(
    fakes: tuple[FakeDevices, FakeCatalog],
) -> None:
    """lock_state shared: battery read (not lock_state); a SMARTLOCK sharing battery alone is
    read too; a sensor sharing battery alone is not a lock and is not read."""
    devices, _ = fakes
    devices.signals = [
        signal("lock-1", DataType.BATTERY), signal("lock-1", DataType.LOCK_STATE),
        signal("lock-2", DataType.BATTERY), signal("sensor-3", DataType.BATTERY),
    ]  # fmt: skip
    devices.names = {"lock-1": ("Front door", "OTHER"), "lock-2": ("Back door", "SMARTLOCK"),
                     "sensor-3": ("Sensor", "TEMPERATURE_SENSOR")}  # fmt: skip
    devices.history = {("lock-1", DataType.BATTERY): LOW, ("lock-2", DataType.BATTERY): LOW[:1]}
    found = await suggest(language="fr")
    assert [(d, kinds) for _, d, _, kinds, _ in devices.reads] == [
        ("lock-1", ("battery",)), ("lock-2", ("battery",)),
    ]  # fmt: skip
    assert [s.reason for s in found] == ["La batterie de Front door est à 15 %."]


async def test_a_grant_narrowed_meanwhile_is_skipped_and_products_are_searched_once(
    fakes: tuple[FakeDevices, FakeCatalog],
) -> None:
    """A refused read is skipped; two humid rooms share one search; unknown names show ids."""
    devices, catalog = fakes
    humid = [row(12 + 24 * day, {"value": 70}, DataType.HUMIDITY) for day in range(7)]
    devices.signals = [signal(d, DataType.HUMIDITY) for d in ("bath", "cellar", "gone")]
    devices.signals.append(signal("t", DataType.MODE, partner=OTHER))
    devices.refused = {"gone"}
    devices.history = {("bath", DataType.HUMIDITY): humid, ("cellar", DataType.HUMIDITY): humid}
    found = await suggest(max_products=1)
    assert [(s.rule.value, s.basis.device_id) for s in found] == [
        ("humidity_high_week", "bath"), ("humidity_high_week", "cellar"),
    ]  # fmt: skip
    assert found[0].reason.startswith("The humidity measured by bath averaged 60 % or more")
    assert [r[1] for r in devices.reads] == ["bath", "cellar", "gone", "t"]
    assert devices.reads[0][4] == NOW - timedelta(days=7)
    assert catalog.searches == [{"q": "dehumidifier", "in_stock": True, "lang": "en", "limit": 1}]
    assert [p.product_id for p in found[1].products] == ["prd_0"]


async def test_no_products_asked_means_no_search(fakes: tuple[FakeDevices, FakeCatalog]) -> None:
    """max_products 0: the suggestion stands on its reason, the catalog is not searched."""
    devices, catalog = fakes
    devices.signals = [signal("thermo-1", DataType.MODE)]
    devices.history = {("thermo-1", DataType.MODE): HEATED}
    [found] = await suggest(max_products=0)
    assert (found.products, catalog.searches) == ((), [])
    assert found.reason.startswith("Your thermo-1 has heated for 512 hours")


def test_the_rules_come_from_the_merchant_settings() -> None:
    """HANDSHAKE_RECOMMENDATIONS__* set the catalog queries and thresholds."""
    from handshake.recommendations.policy import RecommendationRules, rules_from_settings
    from handshake.settings import RecommendationSettings, Settings

    section = RecommendationSettings(filter_query="filtre à air", battery_low_percent=15)
    rules = rules_from_settings(Settings(recommendations=section))
    assert rules == RecommendationRules(filter_query="filtre à air", battery_low_percent=15)
