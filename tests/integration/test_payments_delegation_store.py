"""Delegated payment tokens on SQLite and PostgreSQL: the allowance, single use, voids, races."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.payments import authorization, service
from handshake.payments.errors import PaymentDeclined, PaymentProviderUnavailable
from handshake.payments.models import DelegatedPaymentToken, Payment
from handshake.payments.provider import Authorization
from handshake.payments.repository import DelegatedTokenRepository
from handshake.payments.sandbox import SandboxProvider

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)  # before 2031: see tests/linking_helpers.py
ALLOWANCE_LIFETIME = timedelta(hours=1)
SESSION, MERCHANT = "chk_delegated_1", "mer_shop"
SANDBOX = SandboxProvider()
VISA = "4242424242424242"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test starts at NOW and moves the clock itself."""
    with clock.frozen_at(NOW):
        yield


class _Rows(Repository):
    """Every payment and token, read like the services read them."""

    async def payments(self) -> list[Payment]:
        """Every payment, oldest first."""
        return list((await self.session.scalars(select(Payment).order_by(Payment.id))).all())


async def delegated(container: Container, number: str = VISA, max_minor: int = 5000) -> str:
    """A token of ``number`` for SESSION at MERCHANT, at most ``max_minor`` EUR for an hour."""
    allowance = service.Allowance(
        max_amount_minor=max_minor, currency="eur", checkout_session_id=SESSION,
        merchant_id=MERCHANT, expires_at=NOW + ALLOWANCE_LIFETIME,
    )  # fmt: skip
    card = service.DelegatedCard(number=number, exp_month=12, exp_year=2033, cvc="123")
    token = await service.delegate_payment(
        uow=container.uow(), provider=SANDBOX, card=card, allowance=allowance,
        metadata={"source": "agent"},
    )  # fmt: skip
    return token.id


async def authorize(container: Container, token: str, **overrides: Any) -> Payment:
    """Authorise 40.00 EUR on ``token`` for SESSION at MERCHANT (``overrides`` change that)."""
    call: dict[str, Any] = {
        "token": token, "amount": Money(4000, "EUR"), "reference": SESSION,
        "merchant_id": MERCHANT, "idempotency_key": f"{SESSION}:pay",
    }  # fmt: skip
    call.update(overrides)
    return await service.authorize_delegated_payment(uow=container.uow(), **call)


async def stored(container: Container, token: str) -> DelegatedPaymentToken:
    """The token as stored now."""
    uow = container.read_uow()
    async with uow:
        row = await uow.repo(DelegatedTokenRepository).get(token)
    assert row is not None
    return row


async def payments(container: Container) -> list[tuple[str, int]]:
    """(status, authorised amount) of every payment, oldest first."""
    uow = container.read_uow()
    async with uow:
        return [(p.status, p.authorized_minor) for p in await uow.repo(_Rows).payments()]


async def test_a_delegated_token_pays_once_for_its_session(container: Container) -> None:
    token = await delegated(container)

    payment = await authorize(container, token, amount=Money(5000, "EUR"))

    assert (payment.status, payment.authorized_minor, payment.currency) == (
        "authorized",
        5000,
        "EUR",
    )
    assert (payment.provider, payment.payment_method_id, payment.reference) == (
        "sandbox",
        None,
        SESSION,
    )
    row = await stored(container, token)
    assert (row.used_by_payment_id, row.used_at) == (payment.id, NOW)
    assert (row.currency, row.max_amount_minor, row.brand, row.last4) == (
        "EUR",
        5000,
        "visa",
        "4242",
    )
    assert (row.expires_at, row.details) == (NOW + ALLOWANCE_LIFETIME, {"source": "agent"})
    assert row.provider_token.startswith("tok_sandbox_visa_")
    assert not any(VISA in str(value) for value in vars(row).values())
    details = await service.get_payment(uow=container.read_uow(), payment_id=payment.id)
    assert [(o.kind, o.amount_minor, o.outcome) for o in details.operations] == [
        ("authorize", 5000, "approved")
    ]
    label = await service.delegated_card_label(uow=container.read_uow(), token=token)
    assert label == "visa •••• 4242"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"token": "vt_01HZZZZZZZZZZZZZZZZZZZZZZZ"}, "token_not_found"),
        ({"reference": "chk_other_session"}, "allowance_session_mismatch"),
        ({"merchant_id": "mer_other"}, "allowance_merchant_mismatch"),
        ({"amount": Money(4000, "USD")}, "allowance_currency_mismatch"),
        ({"amount": Money(5001, "EUR")}, "allowance_exceeded"),
    ],
)
async def test_outside_its_allowance_a_token_is_refused_and_stays_unused(
    container: Container, overrides: dict[str, Any], code: str
) -> None:
    token = await delegated(container)

    with pytest.raises(PaymentDeclined) as caught:
        await authorize(container, **{"token": token, **overrides})

    assert (caught.value.code, caught.value.extra) == ("payment_declined", {"decline_code": code})
    assert await payments(container) == []
    if code == "token_not_found":
        with pytest.raises(PaymentDeclined):
            await service.delegated_card_label(uow=container.read_uow(), token=overrides["token"])
    row = await stored(container, token)
    assert (row.used_at, row.used_by_payment_id) == (None, None)


async def test_a_token_becomes_invalid_at_its_expiry(container: Container) -> None:
    token = await delegated(container)
    clock.advance(ALLOWANCE_LIFETIME)

    with pytest.raises(PaymentDeclined) as caught:
        await authorize(container, token)

    assert caught.value.extra == {"decline_code": "allowance_expired"}
    assert await payments(container) == []
    assert (await stored(container, token)).used_at is None


async def test_a_second_authorization_of_a_used_token_is_refused(container: Container) -> None:
    token = await delegated(container)
    await authorize(container, token)

    with pytest.raises(PaymentDeclined) as caught:
        await authorize(container, token, idempotency_key="another")

    assert caught.value.extra == {"decline_code": "token_already_used"}
    assert await payments(container) == [("authorized", 4000)]


async def test_a_card_decline_is_kept_and_leaves_the_token_unused(container: Container) -> None:
    token = await delegated(container, number="4000 0000 0000 0002")

    with pytest.raises(PaymentDeclined) as caught:
        await authorize(container, token)

    assert caught.value.extra["decline_code"] == "card_declined"
    assert await payments(container) == [("declined", 0)]
    assert (await stored(container, token)).used_at is None


async def test_a_provider_failure_stores_nothing(container: Container) -> None:
    token = await delegated(container, number="4000000000000119")

    with pytest.raises(PaymentProviderUnavailable):
        await authorize(container, token)

    assert await payments(container) == []
    assert (await stored(container, token)).used_at is None


async def test_a_void_releases_the_token_and_a_capture_keeps_it(container: Container) -> None:
    token = await delegated(container)
    first = await authorize(container, token)

    await service.void_payment(uow=container.uow(), provider=SANDBOX, payment_id=first.id)
    assert (await stored(container, token)).used_at is None
    second = await authorize(container, token, idempotency_key="retry")
    assert await service.void_authorizations_for(uow=container.uow(), reference=SESSION) == [
        second.id
    ]
    third = await authorize(container, token, idempotency_key="third")
    await service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=third.id)

    with pytest.raises(PaymentDeclined) as caught:
        await authorize(container, token, idempotency_key="fourth")
    assert caught.value.extra == {"decline_code": "token_already_used"}
    assert await payments(container) == [("voided", 4000), ("voided", 4000), ("captured", 4000)]
    assert (await stored(container, token)).used_by_payment_id == third.id


async def test_of_two_concurrent_authorizations_exactly_one_holds(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await delegated(container)
    both_at_provider = asyncio.Barrier(2)
    voids: list[str] = []

    class Racing(SandboxProvider):
        """The sandbox, answering only once both calls passed the allowance checks."""

        async def authorize(self, **call: Any) -> Authorization:
            async with asyncio.timeout(10):
                await both_at_provider.wait()
            return await super().authorize(**call)

        async def void(self, *, reference: str, idempotency_key: str) -> None:
            voids.append(reference)

    monkeypatch.setitem(authorization.PROVIDERS, "sandbox", Racing)

    outcomes = await asyncio.gather(
        authorize(container, token, idempotency_key="agent-a"),
        authorize(container, token, idempotency_key="agent-b"),
        return_exceptions=True,
    )

    [won] = [o for o in outcomes if isinstance(o, Payment)]
    [lost] = [o for o in outcomes if not isinstance(o, Payment)]
    assert isinstance(lost, PaymentDeclined)
    assert lost.extra == {"decline_code": "token_already_used"}
    assert await payments(container) == [("authorized", 4000)]
    assert (await stored(container, token)).used_by_payment_id == won.id
    [voided] = voids
    assert voided != won.provider_reference
