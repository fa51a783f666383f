"""Accounts use cases against in-memory fakes: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handshake.accounts import service
from handshake.accounts.authentication import AuthPolicy, normalise_email, throttle_key
from handshake.accounts.errors import (
    AddressNotFound,
    CardExpired,
    EmailTaken,
    InvalidAddress,
    InvalidCredentials,
    InvalidEmail,
    LoginLocked,
    NotAnOperator,
    OperatorAuthRequired,
    WeakPassword,
)
from handshake.accounts.events import ShopperErased, ShopperSignedUp
from handshake.accounts.models import PrincipalKind
from handshake.accounts.passwords import PasswordPolicy
from handshake.accounts.secrets_format import digest
from handshake.accounts.wallet import InvalidPaymentMethod
from handshake.kernel import clock
from tests.accounts_helpers import PASSWORD, FakeAccounts, fake_accounts

CHEAP = PasswordPolicy(time_cost=1, memory_kib=64, parallelism=1)
POLICY = AuthPolicy(passwords=CHEAP, max_failures=3, lockout=timedelta(minutes=10))
NOW = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


async def _signed_up(fake: FakeAccounts, email: str = "ada@example.com") -> str:
    shopper = await service.sign_up(
        uow=fake.uow, email=email, password=PASSWORD, name=" Ada ", password_policy=CHEAP
    )
    return shopper.id


def test_emails_are_normalised_and_checked() -> None:
    assert normalise_email("  Ada@Example.COM ") == "ada@example.com"
    for bad in ("", "ada", "ada@", "@example.com", "a b@example.com", "ada@example"):
        with pytest.raises(InvalidEmail):
            normalise_email(bad)


async def test_sign_up_stores_an_argon2_hash_and_records_an_event() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    shopper = fake.shoppers.shoppers[shopper_id]
    assert (shopper.email, shopper.name, shopper.locale) == ("ada@example.com", "Ada", "en")
    assert shopper.password_hash.startswith("$argon2id$")
    assert PASSWORD not in shopper.password_hash
    assert fake.uow.published == [ShopperSignedUp(shopper_id=shopper_id)]


async def test_sign_up_refuses_short_passwords_and_taken_emails_without_writing() -> None:
    fake = fake_accounts()
    with pytest.raises(WeakPassword):
        await service.sign_up(
            uow=fake.uow, email="a@example.com", password="123456789", password_policy=CHEAP
        )
    assert fake.shoppers.shoppers == {}
    await _signed_up(fake)
    with pytest.raises(EmailTaken):
        await _signed_up(fake, email="ADA@example.com")
    assert len(fake.shoppers.shoppers) == 1


async def test_sign_in_opens_a_session_storing_only_the_token_hash() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    with clock.frozen_at(NOW):
        issued = await service.sign_in(
            uow=fake.uow, email="Ada@example.com", password=PASSWORD, policy=POLICY
        )
    stored = fake.sessions.sessions[digest(issued.token)]
    assert (stored.principal_id, stored.principal_kind) == (shopper_id, "shopper")
    assert stored.expires_at == NOW + POLICY.session_ttl == issued.expires_at
    with clock.frozen_at(NOW + timedelta(minutes=1)):
        principal = await service.shopper_for_session(uow=fake.uow, token=issued.token)
    assert principal is not None
    assert principal.id == shopper_id
    assert principal.is_member is False
    with clock.frozen_at(NOW + POLICY.session_ttl):
        assert await service.shopper_for_session(uow=fake.uow, token=issued.token) is None


async def test_new_sign_in_replaces_the_previous_session() -> None:
    fake = fake_accounts()
    await _signed_up(fake)
    first = await service.sign_in(
        uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY
    )
    second = await service.sign_in(
        uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY,
        replaces_token=first.token,
    )  # fmt: skip
    assert first.token != second.token
    assert first.session_id != second.session_id
    assert list(fake.sessions.sessions) == [digest(second.token)]


async def test_failures_lock_out_known_and_unknown_emails_and_success_resets() -> None:
    fake = fake_accounts()
    await _signed_up(fake)
    with clock.frozen_at(NOW):
        for email in ("ada@example.com", "ghost@example.com"):
            for _ in range(POLICY.max_failures):
                with pytest.raises(InvalidCredentials):
                    await service.sign_in(
                        uow=fake.uow, email=email, password="wrong-wrong", policy=POLICY
                    )
            with pytest.raises(LoginLocked) as locked:
                await service.sign_in(uow=fake.uow, email=email, password=PASSWORD, policy=POLICY)
            assert locked.value.retry_after_seconds == 600
            assert locked.value.extra["retry_at"] == (NOW + POLICY.lockout).isoformat()
            assert "12:10 UTC" in locked.value.detail
        assert fake.sessions.sessions == {}
        clock.advance(POLICY.lockout)
        await service.sign_in(
            uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY
        )
    assert throttle_key(PrincipalKind.SHOPPER, "ada@example.com") not in fake.sessions.throttles
    assert throttle_key(PrincipalKind.SHOPPER, "ghost@example.com") in fake.sessions.throttles


async def test_addresses_first_is_default_and_deleting_the_default_promotes_another() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    common: dict[str, Any] = {
        "uow": fake.uow,
        "shopper_id": shopper_id,
        "city": "Paris",
        "country": "fr",
    }
    first = await service.add_address(line1="1 rue", postal_code="75001", **common)
    second = await service.add_address(line1="2 rue", postal_code="75002", **common)
    third = await service.add_address(line1="3 rue", postal_code="75003", is_default=True, **common)
    assert (first.name, first.country) == ("Ada", "FR")
    assert [first.is_default, second.is_default, third.is_default] == [False, False, True]
    await service.delete_address(uow=fake.uow, shopper_id=shopper_id, address_id=third.id)
    assert [first.is_default, second.is_default] == [True, False]
    other_id = await _signed_up(fake, email="other@example.com")
    with pytest.raises(AddressNotFound):
        await service.set_default_address(uow=fake.uow, shopper_id=other_id, address_id=first.id)
    assert [first.is_default, second.is_default] == [True, False]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "FR", "postal_code": "ABCDE"}, "postal_code"),
        ({"country": "GB", "postal_code": "SW1A 1AA", "line1": "  "}, "line1"),
        ({"country": "DE", "postal_code": "10115", "city": "x" * 101}, "city"),
    ],
)
async def test_bad_addresses_name_the_field_and_store_nothing(
    changes: dict[str, str], field: str
) -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    fields: dict[str, Any] = {
        "line1": "1 rue",
        "city": "Paris",
        "postal_code": "75001",
        "country": "FR",
        **changes,
    }
    with pytest.raises(InvalidAddress) as error:
        await service.add_address(uow=fake.uow, shopper_id=shopper_id, **fields)
    assert error.value.extra["field"] == field
    assert fake.shoppers.rows == {}


async def test_cards_expire_after_their_month_and_card_numbers_are_refused() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    card: dict[str, Any] = {
        "uow": fake.uow,
        "shopper_id": shopper_id,
        "provider": "sandbox",
        "brand": "Visa",
    }
    with clock.frozen_at(NOW):
        with pytest.raises(CardExpired):
            await service.add_payment_method(
                token="tok_1", last4="4242", exp_month=2, exp_year=2030, **card
            )
        with pytest.raises(InvalidPaymentMethod):
            await service.add_payment_method(
                token="4000056655665556", last4="5556", exp_month=3, exp_year=2030, **card
            )
        assert fake.shoppers.rows == {}
        still_valid = await service.add_payment_method(
            token="tok_1", last4="4242", exp_month=3, exp_year=2030, **card
        )
    assert (still_valid.brand, still_valid.is_default) == ("visa", True)
    assert not still_valid.is_expired(NOW.replace(day=31))
    assert still_valid.is_expired(datetime(2030, 4, 1, tzinfo=UTC))


async def test_membership_is_active_from_start_until_end() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    end = NOW + timedelta(days=30)
    await service.set_membership(uow=fake.uow, shopper_id=shopper_id, starts_at=NOW, ends_at=end)
    check = service.is_shopper_member
    assert not await check(uow=fake.uow, shopper_id=shopper_id, at=NOW - timedelta(seconds=1))
    assert await check(uow=fake.uow, shopper_id=shopper_id, at=NOW)
    assert not await check(uow=fake.uow, shopper_id=shopper_id, at=end)
    with clock.frozen_at(NOW + timedelta(days=1)):
        await service.end_membership(uow=fake.uow, shopper_id=shopper_id)
        assert not await check(uow=fake.uow, shopper_id=shopper_id)


async def test_operator_keys_are_stored_hashed_and_refused_once_revoked() -> None:
    fake = fake_accounts()
    operator = await service.create_operator(
        uow=fake.uow, email="Op@Shop.example", password=PASSWORD, name="Op", password_policy=CHEAP
    )
    issued = await service.issue_operator_api_key(uow=fake.uow, operator_id=operator.id, label="ci")
    stored = fake.operators.keys[issued.id]
    secret = issued.key.split("_", 2)[2]
    assert stored.secret_hash == digest(secret)
    assert secret not in stored.secret_hash
    principal, due = await service.authenticate_api_key(uow=fake.uow, key=issued.key)
    assert (principal.id, principal.email, principal.api_key_id, due) == (
        operator.id, "op@shop.example", issued.id, True,
    )  # fmt: skip
    with pytest.raises(OperatorAuthRequired):
        await service.authenticate_api_key(uow=fake.uow, key=issued.key[:-1] + "#")
    await service.revoke_api_key(uow=fake.uow, operator_id=operator.id, key_id=issued.id)
    with pytest.raises(OperatorAuthRequired):
        await service.authenticate_api_key(uow=fake.uow, key=issued.key)


async def test_shopper_sessions_are_not_operator_sessions() -> None:
    fake = fake_accounts()
    await _signed_up(fake)
    issued = await service.sign_in(
        uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY
    )
    with pytest.raises(NotAnOperator):
        await service.operator_for_session(uow=fake.uow, token=issued.token)
    with pytest.raises(OperatorAuthRequired):
        await service.operator_for_session(uow=fake.uow, token="unknown")


async def test_erasure_anonymises_deletes_and_runs_erasers() -> None:
    fake = fake_accounts()
    shopper_id = await _signed_up(fake)
    await service.add_address(
        uow=fake.uow, shopper_id=shopper_id, line1="1 rue", city="Paris", postal_code="75001",
        country="FR",
    )  # fmt: skip
    await service.sign_in(uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY)
    with pytest.raises(InvalidCredentials):
        await service.sign_in(
            uow=fake.uow, email="ada@example.com", password="nope-nope", policy=POLICY
        )
    seen: list[str] = []

    async def eraser(uow: object, erased: str) -> None:
        seen.append(erased)

    with clock.frozen_at(NOW):
        await service.erase_shopper(uow=fake.uow, shopper_id=shopper_id, erasers={"x": eraser})
    shopper = fake.shoppers.shoppers[shopper_id]
    assert (shopper.email, shopper.name, shopper.erased_at) == (
        f"erased+{shopper_id}@invalid", None, NOW,
    )  # fmt: skip
    assert shopper.password_hash == "!unusable"
    assert seen == [shopper_id]
    assert fake.shoppers.rows == {}
    assert fake.sessions.sessions == {}
    assert fake.sessions.throttles == {}
    assert fake.uow.published[-1] == ShopperErased(shopper_id=shopper_id, erased_at=NOW)
    # The anonymised address is not even an e-mail any more; the old one is unknown.
    with pytest.raises(InvalidEmail):
        await service.sign_in(uow=fake.uow, email=shopper.email, password=PASSWORD, policy=POLICY)
    with pytest.raises(InvalidCredentials):
        await service.sign_in(
            uow=fake.uow, email="ada@example.com", password=PASSWORD, policy=POLICY
        )
