"""Suggestions for a shopper: the rules run on consented device history, products come from the
catalog.

Only data types the shopper shares for ``recommendations`` through a live link right now are
read: a device is read for a rule only when every data type the rule needs is shared for that
purpose, one read per rule with the rule's own data types and window (devices audits each
read). A share held for other purposes contributes nothing and is never read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handshake.catalog import service as catalog
from handshake.db.uow import UnitOfWork
from handshake.devices import service as devices
from handshake.devices.consent import DataType, Purpose
from handshake.devices.errors import PurposeNotGranted
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.recommendations import rules as r
from handshake.recommendations.policy import RecommendationRules
from handshake.recommendations.wording import language_of, reason


@dataclass(frozen=True)
class Basis:
    """The grant a suggestion relied on: whose, which version, which device and data types."""

    partner_id: str
    grant_id: str
    grant_version: int
    device_id: str
    data_types: tuple[str, ...]


@dataclass(frozen=True)
class SuggestedProduct:
    """A product in stock matching the rule's catalog query."""

    product_id: str
    handle: str
    title: str
    brand: str
    image: str | None
    price_from: Money
    member_price_from: Money | None
    availability: str


@dataclass(frozen=True)
class Suggestion:
    """A rule's finding on one device, why in plain words, and products that answer it."""

    rule: r.RuleCode
    reason: str
    device_name: str
    numbers: Mapping[str, float]
    basis: Basis
    products: tuple[SuggestedProduct, ...]


@dataclass(frozen=True)
class SharedDevice:
    """One device of one maker and the data types shared for recommendations."""

    partner_id: str
    grant_id: str
    grant_version: int
    device_id: str
    shared: frozenset[DataType]


def shared_devices(signals: Iterable[devices.ConsentedSignal]) -> list[SharedDevice]:
    """Signals grouped per maker and device, in a stable order."""
    grouped: dict[tuple[str, str], list[devices.ConsentedSignal]] = {}
    for signal in signals:
        grouped.setdefault((signal.partner_id, signal.device_id), []).append(signal)
    return [
        SharedDevice(partner_id, found[0].grant_id, found[0].grant_version, device_id,
                     frozenset(s.data_type for s in found))
        for (partner_id, device_id), found in sorted(grouped.items())
    ]  # fmt: skip


def evaluate(
    rule: r.RuleCode, samples: Sequence[r.Sample], *, since: datetime, now: datetime,
    rules: RecommendationRules,
) -> r.Finding | None:  # fmt: skip
    """Run ``rule`` on a device's samples with the merchant's thresholds."""
    if rule == r.RuleCode.FILTER_DUE:
        return r.filter_due(
            samples, since=since, now=now, threshold_hours=rules.filter_heating_hours
        )
    if rule == r.RuleCode.LOCK_BATTERY_LOW:
        return r.lock_battery_low(samples, threshold_percent=rules.battery_low_percent)
    return r.humidity_high_week(
        samples, now=now, days=rules.humidity_days, threshold_percent=rules.humidity_high_percent
    )


async def _finding(
    uow: UnitOfWork, shopper_id: str, device: SharedDevice, rule: r.RuleCode,
    rules: RecommendationRules, now: datetime,
) -> r.Finding | None:  # fmt: skip
    since = now - timedelta(days=rules.window_days(rule))
    try:
        rows = await devices.read_device_history(
            uow=uow, shopper_id=shopper_id, partner_id=device.partner_id,
            device_id=device.device_id, purpose=Purpose.RECOMMENDATIONS,
            data_types=r.NEEDS[rule], since=since,
        )  # fmt: skip
    except PurposeNotGranted:
        # The shopper narrowed the grant since the signals were listed: nothing was read.
        return None
    samples = [r.Sample(row.time_of_sample, row.value) for row in rows]
    return evaluate(rule, samples, since=since, now=now, rules=rules)


async def products_for(
    *, uow: UnitOfWork, query: str, language: str, limit: int
) -> tuple[SuggestedProduct, ...]:
    """Up to ``limit`` in-stock products matching every word of ``query``."""
    if limit <= 0 or not query.strip():
        return ()  # an empty query would match the whole catalog
    page = await catalog.search_products(
        uow=uow, q=query, in_stock=True, lang=language, limit=limit
    )
    return tuple(
        SuggestedProduct(
            product_id=p.id, handle=p.handle, title=p.title, brand=p.brand, image=p.image,
            price_from=p.price_from, member_price_from=p.member_price_from,
            availability=p.availability.status,
        )
        for p in page.items[:limit]
    )  # fmt: skip


@dataclass
class _Context:
    uow: UnitOfWork
    shopper_id: str
    language: str
    rules: RecommendationRules
    now: datetime
    # Per maker: device id -> (friendly name, category); per rule: the products found.
    endpoints: dict[str, dict[str, tuple[str, str]]]
    shelves: dict[r.RuleCode, tuple[SuggestedProduct, ...]]

    async def endpoint(self, partner_id: str, device_id: str) -> tuple[str, str | None]:
        """The device's discovered name and category (its id and no category when unknown)."""
        if partner_id not in self.endpoints:
            rows = await devices.list_devices(
                uow=self.uow, shopper_id=self.shopper_id, partner_id=partner_id
            )
            self.endpoints[partner_id] = {d.device_id: (d.friendly_name, d.category) for d in rows}
        return self.endpoints[partner_id].get(device_id, (device_id, None))

    async def products(self, rule: r.RuleCode) -> tuple[SuggestedProduct, ...]:
        """The products of ``rule``, searched once per call."""
        if rule not in self.shelves:
            self.shelves[rule] = await products_for(
                uow=self.uow, query=self.rules.query_for(rule), language=self.language,
                limit=self.rules.max_products,
            )  # fmt: skip
        return self.shelves[rule]


async def _device_suggestions(context: _Context, device: SharedDevice) -> list[Suggestion]:
    name, category = await context.endpoint(device.partner_id, device.device_id)
    found = []
    for rule in r.RuleCode:
        if not r.applies(rule, device.shared, category):
            continue
        finding = await _finding(
            context.uow, context.shopper_id, device, rule, context.rules, context.now
        )
        if finding is None:
            continue
        basis = Basis(device.partner_id, device.grant_id, device.grant_version,
                      device.device_id, tuple(k.value for k in r.NEEDS[rule]))  # fmt: skip
        found.append(Suggestion(
            rule=rule, reason=reason(finding, device_name=name, language=context.language),
            device_name=name, numbers=finding.numbers, basis=basis,
            products=await context.products(rule),
        ))  # fmt: skip
    return found


async def suggest_for_shopper(
    *, uow: UnitOfWork, shopper_id: str, language: str, rules: RecommendationRules
) -> list[Suggestion]:
    """Suggestions from device data shared for recommendations, with reasons, grants, products."""
    signals = await devices.consented_signals(
        uow=uow, shopper_id=shopper_id, purpose=Purpose.RECOMMENDATIONS
    )
    context = _Context(uow, shopper_id, language_of(language), rules, clock.now(), {}, {})
    found: list[Suggestion] = []
    for device in shared_devices(signals):
        found += await _device_suggestions(context, device)
    return found
