"""Use cases of payments: authorise, capture, void, refund, read; delegated tokens.

Capture, void and refund lock the payment row first, then call the provider, then record: two
concurrent operations on one payment take turns, and the second sees what the first did (a
second capture is refused before reaching the provider). Each provider call carries an
idempotency key derived from the payment and the operation (for an authorisation, the caller
may pass its own, e.g. its checkout's key, so a retried checkout cannot place a second hold).
An authorisation that was approved but could not be stored is voided at once: no hold is left
behind on the shopper's card (``payments.authorization``). During captures, voids and refunds
the transaction stays open across the provider call: they are operator actions, not hot paths.
Delegated payment tokens (ACP) live in ``payments.delegation``; voiding the payment a token
backed makes the token usable again.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.payments.authorization import PROVIDERS as PROVIDERS
from handshake.payments.authorization import authorize_and_record, new_operation, payment_changed
from handshake.payments.authorization import provider_named as provider_named
from handshake.payments.delegation import Allowance as Allowance
from handshake.payments.delegation import DelegatedCard as DelegatedCard
from handshake.payments.delegation import DelegatedToken as DelegatedToken
from handshake.payments.delegation import authorize_delegated_payment as authorize_delegated_payment
from handshake.payments.delegation import delegate_payment as delegate_payment
from handshake.payments.delegation import delegated_card_label as delegated_card_label
from handshake.payments.errors import (
    InvalidPaymentAmount,
    PaymentNotFound,
    PaymentStateConflict,
)
from handshake.payments.models import (
    Payment,
    PaymentOperation,
    PaymentOperationKind,
    PaymentStatus,
)
from handshake.payments.provider import PaymentProvider
from handshake.payments.repository import DelegatedTokenRepository, PaymentRepository
from handshake.payments.sandbox_cards import SandboxTestCard as SandboxTestCard
from handshake.payments.sandbox_cards import sandbox_test_cards as sandbox_test_cards
from handshake.payments.sandbox_cards import save_test_card as save_test_card

REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class PaymentDetails:
    """A payment and the operations made on it."""

    payment: Payment
    operations: list[PaymentOperation]


async def authorize_payment(
    *,
    uow: UnitOfWork,
    provider: PaymentProvider,
    token: str,
    amount: Money,
    reference: str,
    payment_method_id: str | None = None,
    idempotency_key: str | None = None,
) -> Payment:
    """Hold ``amount`` on a saved method; declines and 3-D Secure requests raise (and are kept)."""
    return await authorize_and_record(
        uow=uow,
        provider=provider,
        token=token,
        amount=amount,
        reference=reference,
        payment_method_id=payment_method_id,
        idempotency_key=idempotency_key,
    )


async def _load(uow: UnitOfWork, payment_id: str) -> Payment:
    payment = await uow.repo(PaymentRepository).get_for_update(payment_id)
    if payment is None:
        raise PaymentNotFound(f"No payment {payment_id!r}.")
    return payment


def _conflict(payment: Payment, action: str) -> PaymentStateConflict:
    return PaymentStateConflict(
        f"A {payment.status} payment cannot be {action}.", extra={"payment_status": payment.status}
    )


async def capture_payment(
    *, uow: UnitOfWork, provider: PaymentProvider, payment_id: str, amount_minor: int | None = None
) -> Payment:
    """Take all or part of an authorisation (once); the rest of the hold is released."""
    async with uow:
        payment = await _load(uow, payment_id)
        if payment.status != PaymentStatus.AUTHORIZED or payment.provider_reference is None:
            raise _conflict(payment, "captured")
        amount = payment.authorized_minor if amount_minor is None else amount_minor
        if not 0 < amount <= payment.authorized_minor:
            raise InvalidPaymentAmount(
                f"Capture between 1 and {payment.authorized_minor} (minor units).",
                extra={"authorized_minor": payment.authorized_minor},
            )
        await provider.capture(
            reference=payment.provider_reference,
            amount_minor=amount,
            idempotency_key=f"{payment.id}:capture",
        )
        return await _record(
            uow,
            payment,
            PaymentOperationKind.CAPTURE,
            amount,
            expected=(Payment.status == PaymentStatus.AUTHORIZED,),
            values={"status": PaymentStatus.CAPTURED, "captured_minor": amount},
        )


async def void_payment(*, uow: UnitOfWork, provider: PaymentProvider, payment_id: str) -> Payment:
    """Release an authorisation that was not captured (an order cancelled before shipping)."""
    async with uow:
        payment = await _load(uow, payment_id)
        if payment.status != PaymentStatus.AUTHORIZED or payment.provider_reference is None:
            raise _conflict(payment, "voided")
        await provider.void(
            reference=payment.provider_reference, idempotency_key=f"{payment.id}:void"
        )
        # A delegated token backing this authorisation may pay again (still within its limits).
        await uow.repo(DelegatedTokenRepository).release(payment.id)
        return await _record(
            uow,
            payment,
            PaymentOperationKind.VOID,
            payment.authorized_minor,
            expected=(Payment.status == PaymentStatus.AUTHORIZED,),
            values={"status": PaymentStatus.VOIDED},
        )


async def void_authorizations_for(*, uow: UnitOfWork, reference: str) -> list[str]:
    """Void every uncaptured authorisation made for ``reference`` (an abandoned attempt's)."""
    async with uow:
        held = await uow.repo(PaymentRepository).authorized_for(reference)
    voided = []
    for payment in held:
        await void_payment(
            uow=uow, provider=provider_named(payment.provider), payment_id=payment.id
        )
        voided.append(payment.id)
    return voided


async def refund_payment(
    *, uow: UnitOfWork, provider: PaymentProvider, payment_id: str, amount_minor: int | None = None
) -> Payment:
    """Give back part or all of what was captured; several partial refunds may follow."""
    async with uow:
        payment = await _load(uow, payment_id)
        if payment.status not in REFUNDABLE or payment.provider_reference is None:
            raise _conflict(payment, "refunded")
        amount = payment.refundable_minor if amount_minor is None else amount_minor
        if not 0 < amount <= payment.refundable_minor:
            raise InvalidPaymentAmount(
                f"Refund between 1 and {payment.refundable_minor} (minor units).",
                extra={"refundable_minor": payment.refundable_minor},
            )
        before = payment.refunded_minor
        await provider.refund(
            reference=payment.provider_reference,
            amount_minor=amount,
            idempotency_key=f"{payment.id}:refund:{before}:{amount}",
        )
        done = before + amount == payment.captured_minor
        status = PaymentStatus.REFUNDED if done else PaymentStatus.PARTIALLY_REFUNDED
        return await _record(
            uow,
            payment,
            PaymentOperationKind.REFUND,
            amount,
            expected=(Payment.refunded_minor == before, Payment.status.in_(REFUNDABLE)),
            values={"status": status, "refunded_minor": before + amount},
        )


async def _record(
    uow: UnitOfWork,
    payment: Payment,
    kind: PaymentOperationKind,
    amount: int,
    *,
    expected: tuple[object, ...],
    values: dict[str, object],
) -> Payment:
    repo = uow.repo(PaymentRepository)
    moved = await repo.transition(
        payment_id=payment.id, expected=expected, values=values, now=clock.now()
    )
    if not moved:
        raise PaymentStateConflict("Another operation changed this payment first; reload it.")
    await repo.refresh(payment)
    repo.add(new_operation(payment.id, kind, amount, "succeeded"))
    uow.record(payment_changed(payment, kind, amount))
    await uow.commit()
    return payment


async def get_payment(*, uow: UnitOfWork, payment_id: str) -> PaymentDetails:
    """A payment with its operations."""
    async with uow:
        repo = uow.repo(PaymentRepository)
        payment = await repo.get(payment_id)
        if payment is None:
            raise PaymentNotFound(f"No payment {payment_id!r}.")
        operations = await repo.operations(payment_id)
    return PaymentDetails(payment, operations)
