"""Authorising a hold through a provider and recording it, for saved cards and delegated tokens.

The provider is asked first, outside any transaction; its answer is then recorded in one
transaction, together with whatever the caller claims for it (a delegated token: see
``payments.delegation``). An authorisation that was approved but could not be stored, or whose
claim was lost to another one, is voided at once: no hold is left behind on the shopper's card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.kernel.money import Money
from handshake.payments.errors import (
    InvalidPaymentAmount,
    PaymentAuthenticationRequired,
    PaymentDeclined,
    UnknownPaymentProvider,
)
from handshake.payments.events import PaymentChanged
from handshake.payments.models import (
    Payment,
    PaymentOperation,
    PaymentOperationKind,
    PaymentStatus,
)
from handshake.payments.provider import Authorization, AuthorizationOutcome, PaymentProvider
from handshake.payments.repository import PaymentRepository
from handshake.payments.sandbox import SandboxProvider

PROVIDERS: dict[str, type[SandboxProvider]] = {"sandbox": SandboxProvider}

# Called inside the recording transaction, after the approved payment was written; raising
# rolls the payment back (and the hold is voided).
Claim = Callable[[UnitOfWork, Payment], Awaitable[None]]


def provider_named(name: str) -> PaymentProvider:
    """The provider a saved payment method (or a delegated token) names."""
    provider = PROVIDERS.get(name)
    if provider is None:
        raise UnknownPaymentProvider(f"No payments provider named {name!r} is configured.")
    return provider()


def new_operation(
    payment_id: str, kind: PaymentOperationKind, amount: int, outcome: str
) -> PaymentOperation:
    """A record of one provider call about a payment, made now."""
    return PaymentOperation(
        id=new_id("pop"),
        payment_id=payment_id,
        kind=kind,
        amount_minor=amount,
        outcome=outcome,
        at=clock.now(),
    )


def payment_changed(
    payment: Payment, operation: PaymentOperationKind, amount: int
) -> PaymentChanged:
    """The event telling what ``operation`` did to ``payment``."""
    return PaymentChanged(
        payment_id=payment.id,
        reference=payment.reference,
        operation=operation.value,
        amount_minor=amount,
        status=payment.status,
    )


async def authorize_and_record(
    *,
    uow: UnitOfWork,
    provider: PaymentProvider,
    token: str,
    amount: Money,
    reference: str,
    payment_method_id: str | None = None,
    idempotency_key: str | None = None,
    claim: Claim | None = None,
) -> Payment:
    """Ask the provider for a hold, then record it (and run ``claim`` if it was approved)."""
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
    await _record(uow, provider, payment, answer, amount.minor, claim if approved else None)
    _raise_unless_approved(payment, answer.outcome)
    return payment


async def _record(
    uow: UnitOfWork,
    provider: PaymentProvider,
    payment: Payment,
    answer: Authorization,
    amount: int,
    claim: Claim | None,
) -> None:
    committed = False
    try:
        async with uow:
            repo = uow.repo(PaymentRepository)
            repo.add(payment)
            repo.add(
                new_operation(
                    payment.id, PaymentOperationKind.AUTHORIZE, amount, answer.outcome.value
                )
            )
            if claim is not None:
                await uow.flush()
                await claim(uow, payment)
            uow.record(payment_changed(payment, PaymentOperationKind.AUTHORIZE, amount))
            await uow.commit()
            committed = True
    except BaseException:
        approved = answer.outcome is AuthorizationOutcome.APPROVED
        if approved and answer.reference and not committed:
            await provider.void(reference=answer.reference, idempotency_key=f"{payment.id}:void")
        raise


def _raise_unless_approved(payment: Payment, outcome: AuthorizationOutcome) -> None:
    extra = {"payment_id": payment.id, "decline_code": payment.decline_code}
    if outcome is AuthorizationOutcome.DECLINED:
        raise PaymentDeclined("The card was declined; choose another payment method.", extra=extra)
    if outcome is AuthorizationOutcome.AUTHENTICATION_REQUIRED:
        raise PaymentAuthenticationRequired(
            "The card issuer asks the shopper to authenticate this payment.", extra=extra
        )
