"""Demo accounts: a member and a non-member shopper (address + sandbox card), and an operator."""

from __future__ import annotations

from handshake.accounts import service as accounts
from handshake.demo.people import (
    MEMBERSHIP_LASTS,
    MEMBERSHIP_STARTED_AGO,
    OPERATOR,
    SHOPPERS,
    DemoShopper,
)
from handshake.demo.report import DemoReport
from handshake.kernel import clock
from handshake.kernel.errors import Conflict
from handshake.web.runtime import AppServices


def _policy(services: AppServices) -> accounts.PasswordPolicy:
    # The configured argon2 cost, like every other sign-up of this store.
    return accounts.PasswordPolicy.from_settings(services.settings.security)


async def _ensure_shopper(services: AppServices, demo: DemoShopper) -> bool:
    try:
        shopper = await accounts.sign_up(
            uow=services.uow(),
            email=demo.email,
            password=demo.password,
            name=demo.name,
            locale=demo.locale,
            password_policy=_policy(services),
        )
    except Conflict:
        return False  # signed up by an earlier run
    await accounts.add_address(
        uow=services.uow(),
        shopper_id=shopper.id,
        name=demo.name,
        line1=demo.address.line1,
        postal_code=demo.address.postal_code,
        city=demo.address.city,
        country=demo.address.country,
        is_default=True,
    )
    now = clock.now()
    await accounts.add_payment_method(
        uow=services.uow(),
        shopper_id=shopper.id,
        provider="sandbox",
        token=demo.card_token,
        brand=demo.card_brand,
        last4=demo.card_last4,
        exp_month=demo.card_exp_month,
        exp_year=now.year + demo.card_exp_years_ahead,
        make_default=True,
    )
    if demo.member:
        started = now - MEMBERSHIP_STARTED_AGO
        await accounts.set_membership(
            uow=services.uow(),
            shopper_id=shopper.id,
            starts_at=started,
            ends_at=started + MEMBERSHIP_LASTS,
        )
    return True


async def _ensure_operator(services: AppServices, report: DemoReport) -> None:
    try:
        operator = await accounts.create_operator(
            uow=services.uow(),
            email=OPERATOR.email,
            password=OPERATOR.password,
            name=OPERATOR.name,
            password_policy=_policy(services),
        )
    except Conflict:
        report.note("operator", created=False)
        return
    issued = await accounts.issue_operator_api_key(
        uow=services.uow(), operator_id=operator.id, label=OPERATOR.api_key_label
    )
    report.operator_api_key = issued.key
    report.note("operator", created=True)


async def ensure_accounts(services: AppServices, report: DemoReport) -> None:
    """Create the demo shoppers and operator unless they exist."""
    for demo in SHOPPERS:
        created = await _ensure_shopper(services, demo)
        report.note(f"shopper {demo.email}", created=created)
    await _ensure_operator(services, report)
