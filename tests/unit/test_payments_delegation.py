"""Delegated payment with fakes: what is vaulted and kept, what is refused, a lost claim voided."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from handshake.kernel import clock
from handshake.kernel.money import Money
from handshake.payments import authorization, service
from handshake.payments.errors import (
    InvalidAllowance,
    InvalidDelegatedCard,
    InvalidDelegationMetadata,
    PaymentDeclined,
)
from handshake.payments.models import DelegatedPaymentToken
from handshake.payments.provider import Authorization, VaultedCard
from handshake.payments.repository import DelegatedTokenRepository, PaymentRepository
from handshake.payments.sandbox import SandboxProvider
from tests.fakes import FakeUnitOfWork

NOW = datetime(2030, 5, 15, 9, 30, tzinfo=UTC)
CARD = service.DelegatedCard(number="4242 4242 4242 4242", exp_month=5, exp_year=2030, cvc="123")
ALLOWANCE = service.Allowance(
    max_amount_minor=2500, currency="eur", checkout_session_id="chk_1", merchant_id="mer_1",
    expires_at=NOW + timedelta(hours=2),
)  # fmt: skip


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test runs at NOW."""
    with clock.frozen_at(NOW):
        yield


class FakeTokens:
    """An in-memory DelegatedTokenRepository whose claims succeed or not, as told."""

    def __init__(self, *, claims: bool = True) -> None:
        self.rows: list[DelegatedPaymentToken] = []
        self.claims = claims

    def add(self, row: DelegatedPaymentToken) -> None:
        self.rows.append(row)

    async def get(self, token_id: str) -> DelegatedPaymentToken | None:
        return next((row for row in self.rows if row.id == token_id), None)

    async def claim(self, *, token_id: str, payment_id: str, now: datetime) -> bool:
        return self.claims


class FakePayments:
    """An in-memory PaymentRepository that only stages rows."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def add(self, row: Any) -> None:
        self.rows.append(row)


class RecordingVault(SandboxProvider):
    """The sandbox, recording what it is asked."""

    name = "recording"
    calls: ClassVar[list[tuple[str, Any]]] = []  # shared: provider_named makes new instances

    async def vault_card(self, **call: Any) -> VaultedCard:
        self.calls.append(("vault_card", call))
        return await super().vault_card(**call)

    async def authorize(self, **call: Any) -> Authorization:
        self.calls.append(("authorize", call["idempotency_key"]))
        return await super().authorize(**call)

    async def void(self, *, reference: str, idempotency_key: str) -> None:
        self.calls.append(("void", idempotency_key))


@pytest.fixture
def vault(monkeypatch: pytest.MonkeyPatch) -> RecordingVault:
    """A recording sandbox, also the provider named by the tokens it vaulted."""
    monkeypatch.setattr(RecordingVault, "calls", [])
    monkeypatch.setitem(authorization.PROVIDERS, "recording", RecordingVault)
    return RecordingVault()


async def _delegate(uow: FakeUnitOfWork, vault: RecordingVault, **changes: Any) -> Any:
    card_changes = {k: v for k, v in changes.items() if k in CARD.__dataclass_fields__}
    allowance_changes = {k: v for k, v in changes.items() if k in ALLOWANCE.__dataclass_fields__}
    return await service.delegate_payment(
        uow=uow, provider=vault, card=replace(CARD, **card_changes),
        allowance=replace(ALLOWANCE, **allowance_changes),
        metadata=changes.get("metadata", {"agent": "assistant"}),
    )  # fmt: skip


async def test_only_the_providers_token_and_display_facts_are_kept(vault: RecordingVault) -> None:
    tokens = FakeTokens()
    uow = FakeUnitOfWork({DelegatedTokenRepository: tokens})

    token = await _delegate(uow, vault, display_brand="Visa", cvc=None)

    [row] = tokens.rows
    assert (token.id, token.created_at, token.metadata) == (row.id, NOW, {"agent": "assistant"})
    assert token.id.startswith("vt_")
    assert uow.committed == 1
    assert (row.provider, row.brand, row.last4, row.currency) == (
        "recording",
        "Visa",
        "4242",
        "EUR",
    )
    assert (row.max_amount_minor, row.expires_at, row.used_at) == (
        2500,
        NOW + timedelta(hours=2),
        None,
    )
    assert row.provider_token.startswith("tok_sandbox_visa_")
    assert "4242424242424242" not in repr((vars(row), CARD))
    assert vault.calls == [
        ("vault_card", {
            "number": "4242424242424242", "exp_month": 5, "exp_year": 2030, "cvc": None,
            "idempotency_key": f"{token.id}:vault",
        })
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": "4242 4242 4242 4241"}, "number"),
        ({"number": "4242"}, "number"),
        ({"number": "４２４２４２４２４２４２４２４２"}, "number"),
        ({"exp_month": 13}, "exp_month"),
        ({"exp_month": 4}, "exp_year"),
        ({"exp_year": 2029, "exp_month": 12}, "exp_year"),
        ({"cvc": "12a"}, "cvc"),
        ({"display_last4": "424"}, "display_last4"),
        ({"display_brand": " "}, "display_brand"),
    ],
)
async def test_malformed_or_expired_cards_are_refused_before_the_provider(
    vault: RecordingVault, changes: dict[str, Any], field: str
) -> None:
    tokens = FakeTokens()

    with pytest.raises(InvalidDelegatedCard) as caught:
        await _delegate(FakeUnitOfWork({DelegatedTokenRepository: tokens}), vault, **changes)

    assert (caught.value.code, caught.value.extra) == ("invalid_card", {"field": field})
    assert (tokens.rows, vault.calls) == ([], [])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "recurring"}, "reason"),
        ({"max_amount_minor": 0}, "max_amount"),
        ({"max_amount_minor": -5}, "max_amount"),
        ({"max_amount_minor": 2**31}, "max_amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XTS"}, "currency"),
        ({"checkout_session_id": ""}, "checkout_session_id"),
        ({"merchant_id": "m" * 65}, "merchant_id"),
        ({"expires_at": NOW}, "expires_at"),
        ({"expires_at": NOW + timedelta(days=30, seconds=1)}, "expires_at"),
        ({"expires_at": datetime(2030, 5, 15, 10)}, "expires_at"),
    ],
)
async def test_malformed_allowances_are_refused_before_the_provider(
    vault: RecordingVault, changes: dict[str, Any], field: str
) -> None:
    tokens = FakeTokens()

    with pytest.raises(InvalidAllowance) as caught:
        await _delegate(FakeUnitOfWork({DelegatedTokenRepository: tokens}), vault, **changes)

    assert (caught.value.code, caught.value.extra) == ("invalid_allowance", {"field": field})
    assert (tokens.rows, vault.calls) == ([], [])


async def test_oversized_metadata_is_refused(vault: RecordingVault) -> None:
    metadata = {f"k{i}": "v" for i in range(51)}

    tokens = FakeTokens()

    with pytest.raises(InvalidDelegationMetadata) as caught:
        await _delegate(
            FakeUnitOfWork({DelegatedTokenRepository: tokens}), vault, metadata=metadata
        )

    assert (caught.value.code, caught.value.extra) == ("invalid_metadata", {"field": "metadata"})
    assert (tokens.rows, vault.calls) == ([], [])


async def test_an_unknown_card_is_declined_by_the_sandbox_vault(vault: RecordingVault) -> None:
    tokens = FakeTokens()

    with pytest.raises(PaymentDeclined) as caught:
        await _delegate(
            FakeUnitOfWork({DelegatedTokenRepository: tokens}), vault, number="4111111111111111"
        )

    assert caught.value.extra == {"decline_code": "unknown_test_card"}
    assert tokens.rows == []


async def test_a_lost_claim_voids_the_hold_and_records_nothing(vault: RecordingVault) -> None:
    tokens = FakeTokens(claims=False)
    await _delegate(FakeUnitOfWork({DelegatedTokenRepository: tokens}), vault)
    payments = FakePayments()
    uow = FakeUnitOfWork({DelegatedTokenRepository: tokens, PaymentRepository: payments})

    with pytest.raises(PaymentDeclined) as caught:
        await service.authorize_delegated_payment(
            uow=uow, token=tokens.rows[0].id, amount=Money(2500, "EUR"), reference="chk_1",
            merchant_id="mer_1", idempotency_key="chk_1:pay",
        )  # fmt: skip

    assert caught.value.extra == {"decline_code": "token_already_used"}
    [_, (_, authorize_key), (_, void_key)] = vault.calls
    assert authorize_key == "chk_1:pay"
    assert void_key.startswith("pay_")
    assert void_key.endswith(":void")
    assert (uow.committed, uow.rolled_back, uow.published) == (0, 1, [])


def test_the_refusal_reasons_come_in_a_stable_order() -> None:
    row = DelegatedPaymentToken(
        max_amount_minor=100, currency="EUR", checkout_session_id="chk_1", merchant_id="mer_1",
        expires_at=NOW, used_at=NOW,
    )  # fmt: skip
    ask: dict[str, Any] = {
        "amount_minor": 101, "currency": "usd", "reference": "chk_2", "merchant_id": "mer_2",
    }  # fmt: skip
    reasons = []
    for moment, fix in [
        (NOW, {}),
        (NOW - timedelta(seconds=1), {}),
        (NOW - timedelta(seconds=1), {"reference": "chk_1"}),
        (NOW - timedelta(seconds=1), {"merchant_id": "mer_1"}),
        (NOW - timedelta(seconds=1), {"currency": "eur"}),
        (NOW - timedelta(seconds=1), {"amount_minor": 100}),
    ]:
        ask.update(fix)
        reasons.append(row.refusal(now=moment, **ask))

    assert reasons == [
        "allowance_expired",
        "allowance_session_mismatch",
        "allowance_merchant_mismatch",
        "allowance_currency_mismatch",
        "allowance_exceeded",
        "token_already_used",
    ]
