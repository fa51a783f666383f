"""A partner's own report as released to the partner: aggregates only, one partition (rows of
one grouping) with the rows of too few shoppers withheld (``reports.partner_report``) and, when
``attribution.privacy_noise`` is on, differentially private noise on the order figures
(``report_noise``: OpenDP) paid from the partner's privacy budget.

The threshold alone protects one answer, not a series of them: subtracting one report from
another (a campaign report minus a creative report, two periods a day apart) may isolate a
withheld part. The noise and its budget are the protection against that.

The budget: ``privacy_budget_epsilon`` per period of ``privacy_budget_days`` days, periods
aligned on the days since 1970-01-01 (so they are the same on every server). A report's ε is
spent, and recorded as a ``PrivacySpend`` row, in the transaction that checked what was left,
under a per-partner lock, before anything is computed: a refused report releases nothing, and
one that fails after spending wastes its ε (never the reverse).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from handshake.attribution import reports
from handshake.attribution.errors import PrivacyBudgetExhausted
from handshake.attribution.models import PrivacySpend
from handshake.attribution.performance import CommissionRates, Grouping, PerformanceReport
from handshake.attribution.privacy_repository import PrivacyRepository
from handshake.attribution.report_noise import (
    EPSILON_SLACK,
    NoisePlan,
    NoiseSource,
    apply_noise,
    noise_plan,
    opendp_laplace,
)
from handshake.attribution.reports import ReportRequest
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.settings import Settings

EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class PrivacyPolicy:
    """Whether partner reports are noisy, the budget and the contribution bounds."""

    noise: bool
    budget_epsilon: float
    epsilon_per_report: float
    budget_days: int
    max_orders: int
    max_revenue_minor: int

    @classmethod
    def from_settings(cls, settings: Settings) -> PrivacyPolicy:
        """The policy of ``settings.attribution``."""
        s = settings.attribution
        return cls(
            s.privacy_noise, s.privacy_budget_epsilon, s.privacy_epsilon_per_report,
            s.privacy_budget_days, s.privacy_max_orders_per_shopper,
            s.privacy_max_revenue_minor_per_shopper,
        )  # fmt: skip


@dataclass(frozen=True)
class PrivacyBudget:
    """A partner's budget in the current period, after the report that spent from it."""

    period_start: date
    renews_on: date
    epsilon: float
    spent: float

    @property
    def left(self) -> float:
        """What the partner may still spend before the budget renews."""
        return max(0.0, round(self.epsilon - self.spent, 9))


def budget_period(day: date, days: int) -> tuple[date, date]:
    """The budget period holding ``day``: its first day and the day the budget renews."""
    start = EPOCH_DAY + timedelta(days=(day - EPOCH_DAY).days // days * days)
    return start, start + timedelta(days=days)


async def spend_budget(
    *, uow: UnitOfWork, policy: PrivacyPolicy, partner_id: str, query: str
) -> PrivacyBudget:
    """Spend one report's ε from the partner's budget of the period, or raise
    :class:`PrivacyBudgetExhausted` (spending nothing) when too little is left."""
    now = clock.now()
    start, renews_on = budget_period(now.date(), policy.budget_days)
    cost = policy.epsilon_per_report
    async with uow:
        repo = uow.repo(PrivacyRepository)
        await repo.lock_partner(partner_id)
        spent = await repo.spent(partner_id=partner_id, period_start=start)
        if spent + cost > policy.budget_epsilon + EPSILON_SLACK:
            renewal = datetime.combine(renews_on, time.min, tzinfo=UTC)
            raise PrivacyBudgetExhausted(
                f"Your privacy budget is spent until {renews_on.isoformat()}.",
                retry_after_seconds=math.ceil((renewal - now).total_seconds()),
                extra={"renews_on": renews_on.isoformat(), "budget_epsilon": policy.budget_epsilon},
            )
        repo.add(PrivacySpend(id=new_id("psp"), partner_id=partner_id, period_start=start,
                              epsilon=cost, query=query[:200], spent_at=now))  # fmt: skip
        await uow.commit()
    return PrivacyBudget(start, renews_on, policy.budget_epsilon, spent + cost)


@dataclass(frozen=True)
class ReleasePolicy:
    """What a partner report may release: the threshold, commission rates, currency, noise."""

    min_shoppers: int
    rates: CommissionRates
    currency: str
    privacy: PrivacyPolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> ReleasePolicy:
        """The policy of ``settings``."""
        return cls(
            settings.attribution.partner_min_shoppers,
            CommissionRates.from_settings(settings.attribution),
            settings.catalog.default_currency,
            PrivacyPolicy.from_settings(settings),
        )


@dataclass(frozen=True)
class ReleasedReport:
    """A partner's report as released, and (with noise) the plan used and the budget left."""

    report: PerformanceReport
    min_shoppers: int
    plan: NoisePlan | None = None
    budget: PrivacyBudget | None = None


async def partner_performance(
    *,
    uow: UnitOfWork,
    read_uow: UnitOfWork,
    partner_id: str,
    request: ReportRequest,
    policy: ReleasePolicy,
    noise: NoiseSource = opendp_laplace,
) -> ReleasedReport:
    """The partner's own report (``request.currency`` is the policy's), suppressed and, when
    the policy says so, noisy: then its ε is spent first (``PrivacyBudgetExhausted`` when too
    little is left, and nothing is released)."""
    request = ReportRequest(request.period, request.model, request.grouping, policy.currency)
    privacy = policy.privacy
    budget = None
    if privacy.noise:
        query = (f"performance {request.period.start.isoformat()}..{request.period.end.isoformat()}"
                 f" {request.model.value} by {request.grouping.value}")  # fmt: skip
        budget = await spend_budget(uow=uow, policy=privacy, partner_id=partner_id, query=query)
    report = await reports.partner_report(
        uow=read_uow, partner_id=partner_id, request=request, rates=policy.rates,
        min_shoppers=policy.min_shoppers,
    )  # fmt: skip
    if budget is None:
        return ReleasedReport(report, policy.min_shoppers)
    period = request.period
    async with read_uow:
        cells = await read_uow.repo(PrivacyRepository).clamped_order_cells(
            first=period.start, last=period.end, model=request.model, currency=request.currency,
            partner_id=partner_id, max_orders=privacy.max_orders,
            max_revenue_minor=privacy.max_revenue_minor, by_day=report.grouping == Grouping.DAY,
        )  # fmt: skip
    plan = noise_plan(
        epsilon=privacy.epsilon_per_report, max_orders=privacy.max_orders,
        max_revenue_minor=privacy.max_revenue_minor,
    )  # fmt: skip
    apply_noise(report, cells, plan=plan, noise=noise, rates=policy.rates, partner_id=partner_id)
    return ReleasedReport(report, policy.min_shoppers, plan, budget)
