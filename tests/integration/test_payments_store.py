"""Payments on SQLite and PostgreSQL: capture, void and refund rules, and concurrent captures."""

from __future__ import annotations

import asyncio

import pytest

from handshake.bootstrap import Container
from handshake.kernel.money import Money
from handshake.payments import service
from handshake.payments.errors import (
    InvalidPaymentAmount,
    PaymentNotFound,
    PaymentStateConflict,
)
from handshake.payments.models import Payment
from handshake.payments.sandbox import SandboxProvider, tokenize

SANDBOX = SandboxProvider()


async def authorized(container: Container, minor: int = 5000) -> Payment:
    return await service.authorize_payment(
        uow=container.uow(), provider=SANDBOX, token=tokenize("4242424242424242").token,
        amount=Money(minor, "EUR"), reference="ord_test",
    )  # fmt: skip


async def test_capture_then_partial_refunds_until_refunded(container: Container) -> None:
    payment = await authorized(container)

    captured = await service.capture_payment(
        uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=4000
    )
    part = await service.refund_payment(
        uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=1500
    )
    rest = await service.refund_payment(
        uow=container.uow(), provider=SANDBOX, payment_id=payment.id
    )

    assert (captured.status, captured.captured_minor) == ("captured", 4000)
    assert (part.status, part.refunded_minor, part.refundable_minor) == (
        "partially_refunded",
        1500,
        2500,
    )
    assert (rest.status, rest.refunded_minor) == ("refunded", 4000)
    details = await service.get_payment(uow=container.read_uow(), payment_id=payment.id)
    assert [(o.kind, o.amount_minor) for o in details.operations] == [
        ("authorize", 5000),
        ("capture", 4000),
        ("refund", 1500),
        ("refund", 2500),
    ]


async def test_what_is_not_allowed_is_refused_and_changes_nothing(container: Container) -> None:
    payment = await authorized(container)
    with pytest.raises(PaymentStateConflict):
        await service.refund_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)
    with pytest.raises(InvalidPaymentAmount):
        await service.capture_payment(
            uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=5001
        )
    await service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)
    with pytest.raises(PaymentStateConflict):
        await service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)
    with pytest.raises(PaymentStateConflict):
        await service.void_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)
    with pytest.raises(InvalidPaymentAmount):
        await service.refund_payment(
            uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=5001
        )
    with pytest.raises(PaymentNotFound):
        await service.void_payment(uow=container.uow(), provider=SANDBOX, payment_id="pay_nope")

    details = await service.get_payment(uow=container.read_uow(), payment_id=payment.id)
    assert (details.payment.status, details.payment.captured_minor) == ("captured", 5000)
    assert [o.kind for o in details.operations] == ["authorize", "capture"]


async def test_a_void_releases_an_uncaptured_authorization(container: Container) -> None:
    payment = await authorized(container)

    voided = await service.void_payment(
        uow=container.uow(), provider=SANDBOX, payment_id=payment.id
    )

    assert (voided.status, voided.captured_minor) == ("voided", 0)
    with pytest.raises(PaymentStateConflict):
        await service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)


async def test_of_concurrent_captures_exactly_one_is_recorded(container: Container) -> None:
    payment = await authorized(container)

    outcomes = await asyncio.gather(
        *(
            service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)
            for _ in range(5)
        ),
        return_exceptions=True,
    )

    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert all(isinstance(o, Payment | PaymentStateConflict) for o in outcomes)
    details = await service.get_payment(uow=container.read_uow(), payment_id=payment.id)
    assert [o.kind for o in details.operations] == ["authorize", "capture"]


async def test_concurrent_partial_refunds_take_turns_and_add_up(container: Container) -> None:
    payment = await authorized(container, minor=10000)
    await service.capture_payment(uow=container.uow(), provider=SANDBOX, payment_id=payment.id)

    refunds = await asyncio.gather(
        service.refund_payment(
            uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=6000
        ),
        service.refund_payment(
            uow=container.uow(), provider=SANDBOX, payment_id=payment.id, amount_minor=4000
        ),
    )

    first_done, second_done = sorted(r.refunded_minor for r in refunds)
    assert (first_done in (4000, 6000), second_done) == (True, 10000)
    details = await service.get_payment(uow=container.read_uow(), payment_id=payment.id)
    assert (details.payment.status, details.payment.refunded_minor) == ("refunded", 10000)
    assert sorted(o.amount_minor for o in details.operations if o.kind == "refund") == [4000, 6000]
