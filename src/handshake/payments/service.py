"""Use cases of payments: authorise, capture, void, refund, read.

Capture, void and refund lock the payment row first, then call the provider, then record: two
concurrent operations on one payment take turns, and the second sees what the first did (a
second capture is refused before reaching the provider). Each provider call carries an
idempotency key derived from the payment and the operation (for an authorisation, the caller
may pass its own, e.g. its checkout's key, so a retried checkout cannot place a second hold).
An authorisation that was approved but could not be stored is voided at once: no hold is left
behind on the shopper's card. The transaction stays open during the provider call: captures
and refunds are operator actions, not hot paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.kernel.money import Money
from handshake.payments.errors import (
    InvalidPaymentAmount,
    PaymentAuthenticationRequired,
    PaymentDeclined,
    PaymentNotFound,
    PaymentStateConflict,
    UnknownPaymentProvider,
)
from handshake.payments.events import PaymentChanged
from handshake.payments.models import (
    Payment,
    PaymentOperation,
    PaymentOperationKind,
    PaymentStatus,
)
from handshake.payments.provider import AuthorizationOutcome, PaymentProvider
from handshake.payments.repository import PaymentRepository
from handshake.payments.sandbox import SandboxProvider
from handshake.payments.sandbox_cards import SandboxTestCard as SandboxTestCard
from handshake.payments.sandbox_cards import sandbox_test_cards as sandbox_test_cards
from handshake.payments.sandbox_cards import save_test_card as save_test_card

PROVIDERS: dict[str, type[SandboxProvider]] = {"sandbox": SandboxProvider}
REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)


def provider_named(name: str) -> PaymentProvider:
    """The provider a saved payment method names."""
    provider = PROVIDERS.get(name)
    if provider is None:
        raise UnknownPaymentProvider(f"No payments provider named {name!r} is configured.")
    return provider()


@dataclass(frozen=True)
class PaymentDetails:
    """A payment and the operations made on it."""

    payment: Payment
    operations: list[PaymentOperation]


def _operation(
    payment_id: str, kind: PaymentOperationKind, amount: int, outcome: str
) -> PaymentOperation:
    return PaymentOperation(
        id=new_id("pop"),
        payment_id=payment_id,
        kind=kind,
        amount_minor=amount,
        outcome=outcome,
        at=clock.now(),
    )


def _changed(payment: Payment, operation: PaymentOperationKind, amount: int) -> PaymentChanged:
    return PaymentChanged(
        payment_id=payment.id,
        reference=payment.reference,
        operation=operation.value,
        amount_minor=amount,
        status=payment.status,
    )


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
    if amount.minor <= 0:
        raise InvalidPaymentAmount("A payment must be for a positive amount.")
    payment_id = new_id("pay")
    answer = await provider.authorize(
        token=token,
        amount_minor=amount.minor,
        currency=amount.currency,
        idempotency_key=idempotency_key or f"{payment_id}:authorize",
    )
    approved = answer.outcome is AuthorizationOutcome.APPROVED
    payment = Payment(
        id=payment_id,
        provider=provider.name,
        reference=reference,
        payment_method_id=payment_method_id,
        currency=amount.currency,
        authorized_minor=amount.minor if approved else 0,
        captured_minor=0,
        refunded_minor=0,
        status=PaymentStatus.AUTHORIZED if approved else PaymentStatus.DECLINED,
        provider_reference=answer.reference,
        decline_code=None if approved else answer.decline_code or answer.outcome.value,
    )
    committed = False
    try:
        async with uow:
            repo = uow.repo(PaymentRepository)
            repo.add(payment)
            repo.add(
                _operation(
                    payment_id, PaymentOperationKind.AUTHORIZE, amount.minor, answer.outcome.value
                )
            )
            uow.record(_changed(payment, PaymentOperationKind.AUTHORIZE, amount.minor))
            await uow.commit()
            committed = True
    except BaseException:
        if approved and answer.reference and not committed:
            await provider.void(reference=answer.reference, idempotency_key=f"{payment_id}:void")
        raise
    _raise_unless_approved(payment, answer.outcome)
    return payment


def _raise_unless_approved(payment: Payment, outcome: AuthorizationOutcome) -> None:
    extra = {"payment_id": payment.id, "decline_code": payment.decline_code}
    if outcome is AuthorizationOutcome.DECLINED:
        raise PaymentDeclined("The card was declined; choose another payment method.", extra=extra)
    if outcome is AuthorizationOutcome.AUTHENTICATION_REQUIRED:
        raise PaymentAuthenticationRequired(
            "The card issuer asks the shopper to authenticate this payment.", extra=extra
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
    repo.add(_operation(payment.id, kind, amount, "succeeded"))
    uow.record(_changed(payment, kind, amount))
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
