"""Payment use cases with fakes: nothing stored when the provider fails, no hold left behind."""

from __future__ import annotations

from typing import Any

import pytest

from handshake.kernel.money import Money
from handshake.payments import service
from handshake.payments.errors import (
    PaymentAuthenticationRequired,
    PaymentDeclined,
    PaymentProviderUnavailable,
)
from handshake.payments.events import PaymentChanged
from handshake.payments.models import Payment, PaymentOperation
from handshake.payments.provider import Authorization, AuthorizationOutcome
from handshake.payments.repository import PaymentRepository
from tests.fakes import FakeUnitOfWork

EUR_19_99 = Money(1999, "EUR")


class FakePayments:
    """An in-memory PaymentRepository."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def add(self, row: Any) -> None:
        self.rows.append(row)

    def payments(self) -> list[Payment]:
        return [row for row in self.rows if isinstance(row, Payment)]

    def operations(self) -> list[PaymentOperation]:
        return [row for row in self.rows if isinstance(row, PaymentOperation)]


class RecordingProvider:
    """A provider answering ``outcome`` (or failing) and recording every call."""

    name = "fake"

    def __init__(self, outcome: AuthorizationOutcome | None) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str]] = []

    async def authorize(
        self, *, token: str, amount_minor: int, currency: str, idempotency_key: str
    ) -> Authorization:
        self.calls.append(("authorize", idempotency_key))
        if self.outcome is None:
            raise PaymentProviderUnavailable("down")
        approved = self.outcome is AuthorizationOutcome.APPROVED
        return Authorization(self.outcome, "auth_1" if approved else None, None)

    async def void(self, *, reference: str, idempotency_key: str) -> None:
        self.calls.append(("void", idempotency_key))


class FailingCommit(FakeUnitOfWork):
    """A unit of work whose commit fails (the database went away)."""

    async def _commit(self) -> None:
        raise ConnectionError("database gone")


def _uow(fake: FakePayments, *, failing: bool = False) -> FakeUnitOfWork:
    kind = FailingCommit if failing else FakeUnitOfWork
    return kind({PaymentRepository: fake})


async def _authorize(uow: FakeUnitOfWork, provider: RecordingProvider) -> Payment:
    return await service.authorize_payment(
        uow=uow,
        provider=provider,
        token="tok",
        amount=EUR_19_99,
        reference="chk_1",  # type: ignore[arg-type]
    )


async def test_an_approved_authorization_is_stored_with_its_operation_and_event() -> None:
    fake, provider = FakePayments(), RecordingProvider(AuthorizationOutcome.APPROVED)
    uow = _uow(fake)

    payment = await _authorize(uow, provider)

    assert (payment.status, payment.authorized_minor, payment.provider_reference) == (
        "authorized",
        1999,
        "auth_1",
    )
    assert [(o.kind, o.amount_minor, o.outcome) for o in fake.operations()] == [
        ("authorize", 1999, "approved")
    ]
    assert uow.committed == 1
    assert [type(e) for e in uow.published] == [PaymentChanged]
    assert provider.calls == [("authorize", f"{payment.id}:authorize")]


async def test_an_approved_authorization_that_cannot_be_stored_is_voided() -> None:
    fake, provider = FakePayments(), RecordingProvider(AuthorizationOutcome.APPROVED)

    with pytest.raises(ConnectionError):
        await _authorize(_uow(fake, failing=True), provider)

    [(_, authorize_key), void_call] = provider.calls
    assert void_call == ("void", authorize_key.replace(":authorize", ":void"))


@pytest.mark.parametrize(
    ("outcome", "error", "decline_code"),
    [
        (AuthorizationOutcome.DECLINED, PaymentDeclined, "declined"),
        (
            AuthorizationOutcome.AUTHENTICATION_REQUIRED,
            PaymentAuthenticationRequired,
            "authentication_required",
        ),
    ],
)
async def test_a_refused_authorization_is_kept_for_the_record_and_raised(
    outcome: AuthorizationOutcome, error: type[Exception], decline_code: str
) -> None:
    fake, provider = FakePayments(), RecordingProvider(outcome)

    with pytest.raises(error) as caught:
        await _authorize(_uow(fake), provider)

    [payment] = fake.payments()
    assert (payment.status, payment.authorized_minor, payment.decline_code) == (
        "declined",
        0,
        decline_code,
    )
    assert caught.value.extra == {"payment_id": payment.id, "decline_code": decline_code}  # type: ignore[attr-defined]
    assert [call[0] for call in provider.calls] == ["authorize"]


async def test_an_unavailable_provider_stores_nothing() -> None:
    fake, provider = FakePayments(), RecordingProvider(None)
    uow = _uow(fake)

    with pytest.raises(PaymentProviderUnavailable):
        await _authorize(uow, provider)

    assert (fake.rows, uow.committed, uow.published) == ([], 0, [])
