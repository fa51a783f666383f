"""Accounts against real databases: races, rehashing, one-transaction erasure, API key touch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from handshake.accounts import service
from handshake.accounts.authentication import AuthPolicy, throttle_key
from handshake.accounts.errors import InvalidCredentials, LoginLocked
from handshake.accounts.models import PrincipalKind
from handshake.accounts.passwords import PasswordPolicy
from handshake.accounts.repository import OperatorRepository, SessionRepository, ShopperRepository
from handshake.bootstrap import Container
from handshake.kernel import clock
from tests.accounts_helpers import PASSWORD, policy_of


async def _shopper(container: Container, email: str = "race@example.com") -> str:
    shopper = await service.sign_up(
        uow=container.uow(), email=email, password=PASSWORD, password_policy=policy_of(container)
    )
    return shopper.id


def _auth(container: Container, *, max_failures: int = 5) -> AuthPolicy:
    return AuthPolicy(
        passwords=policy_of(container),
        max_failures=max_failures,
        lockout=timedelta(minutes=15),
        session_ttl=timedelta(hours=1),
    )


async def test_concurrent_failed_logins_count_exactly(container: Container) -> None:
    await _shopper(container)
    attempts = 12
    policy = _auth(container, max_failures=100)

    async def fail() -> None:
        with pytest.raises(InvalidCredentials):
            await service.sign_in(
                uow=container.uow(), email="race@example.com", password="wrong!!!!!!", policy=policy
            )

    await asyncio.gather(*(fail() for _ in range(attempts)))
    async with container.read_uow() as uow:
        throttle = await uow.repo(SessionRepository).throttle(
            throttle_key(PrincipalKind.SHOPPER, "race@example.com")
        )
    assert throttle is not None
    assert (throttle.failures, throttle.locked_until) == (attempts, None)


async def test_concurrent_failures_reaching_the_limit_lock_the_account(
    container: Container,
) -> None:
    await _shopper(container)
    policy = _auth(container, max_failures=4)

    async def fail() -> None:
        with pytest.raises(InvalidCredentials):
            await service.sign_in(
                uow=container.uow(), email="race@example.com", password="wrong!!!!!!", policy=policy
            )

    await asyncio.gather(*(fail() for _ in range(4)))
    with pytest.raises(LoginLocked) as locked:
        await service.sign_in(
            uow=container.uow(), email="race@example.com", password=PASSWORD, policy=policy
        )
    assert 14 * 60 < locked.value.retry_after_seconds <= 15 * 60
    async with container.read_uow() as uow:
        assert await uow.repo(SessionRepository).of_principal("shopper", "x") == []


async def test_a_lapsed_lockout_starts_a_fresh_count(container: Container) -> None:
    await _shopper(container)
    policy = _auth(container, max_failures=2)
    key = throttle_key(PrincipalKind.SHOPPER, "race@example.com")
    with clock.frozen_at(clock.now()):
        for _ in range(2):
            with pytest.raises(InvalidCredentials):
                await service.sign_in(
                    uow=container.uow(),
                    email="race@example.com",
                    password="bad-bad-bad",
                    policy=policy,
                )
        clock.advance(timedelta(minutes=16))
        with pytest.raises(InvalidCredentials):
            await service.sign_in(
                uow=container.uow(), email="race@example.com", password="bad-bad-bad", policy=policy
            )
        async with container.read_uow() as uow:
            throttle = await uow.repo(SessionRepository).throttle(key)
            assert throttle is not None
            assert (throttle.failures, throttle.locked_until) == (1, None)


async def test_concurrent_set_default_leaves_exactly_one_default(container: Container) -> None:
    shopper_id = await _shopper(container)
    ids = []
    for n in range(6):
        address = await service.add_address(
            uow=container.uow(),
            shopper_id=shopper_id,
            name="Race",
            line1=f"{n} rue",
            city="Paris",
            postal_code="75001",
            country="FR",
        )
        ids.append(address.id)
    await asyncio.gather(
        *(
            service.set_default_address(uow=container.uow(), shopper_id=shopper_id, address_id=i)
            for i in ids
        )
    )
    rows = await service.list_addresses(uow=container.read_uow(), shopper_id=shopper_id)
    assert sum(1 for row in rows if row.is_default) == 1


async def test_concurrent_payment_method_defaults_leave_exactly_one(container: Container) -> None:
    shopper_id = await _shopper(container)
    year = clock.now().year + 1
    methods = [
        await service.add_payment_method(
            uow=container.uow(), shopper_id=shopper_id, provider="sandbox",
            token=f"tok_{n}", brand="visa", last4=f"000{n}", exp_month=5, exp_year=year,
        )
        for n in range(5)
    ]  # fmt: skip
    await asyncio.gather(
        *(
            service.set_default_payment_method(
                uow=container.uow(), shopper_id=shopper_id, method_id=m.id
            )
            for m in methods
        )
    )
    rows = await service.list_payment_methods(uow=container.read_uow(), shopper_id=shopper_id)
    assert sum(1 for row in rows if row.is_default) == 1


async def test_password_is_rehashed_when_parameters_change(container: Container) -> None:
    shopper_id = await _shopper(container)
    cheap = policy_of(container)
    stronger = PasswordPolicy(time_cost=cheap.time_cost + 1, memory_kib=cheap.memory_kib * 2)
    policy = AuthPolicy(passwords=stronger)
    before = (
        await service.get_shopper(uow=container.read_uow(), shopper_id=shopper_id)
    ).password_hash
    await service.sign_in(
        uow=container.uow(), email="race@example.com", password=PASSWORD, policy=policy
    )
    after = (
        await service.get_shopper(uow=container.read_uow(), shopper_id=shopper_id)
    ).password_hash
    assert before != after
    assert f"m={stronger.memory_kib},t={stronger.time_cost}" in after
    # Still the same password.
    await service.sign_in(
        uow=container.uow(), email="race@example.com", password=PASSWORD, policy=policy
    )


async def test_erasure_is_one_transaction_with_the_registered_erasers(container: Container) -> None:
    shopper_id = await _shopper(container)
    await service.add_address(
        uow=container.uow(), shopper_id=shopper_id, name="R", line1="1 rue", city="Paris",
        postal_code="75001", country="FR",
    )  # fmt: skip
    calls: list[str] = []

    async def failing(uow: object, erased_id: str) -> None:
        calls.append(erased_id)
        raise RuntimeError("downstream failure")

    with pytest.raises(RuntimeError):
        await service.erase_shopper(
            uow=container.uow(), shopper_id=shopper_id, erasers={"broken": failing}
        )
    assert calls == [shopper_id]
    kept = await service.get_shopper(uow=container.read_uow(), shopper_id=shopper_id)
    assert kept.email == "race@example.com"
    assert kept.erased_at is None
    assert len(await service.list_addresses(uow=container.read_uow(), shopper_id=shopper_id)) == 1

    async def fine(uow: object, erased_id: str) -> None:
        calls.append("fine:" + erased_id)

    await service.erase_shopper(uow=container.uow(), shopper_id=shopper_id, erasers={"ok": fine})
    assert calls[-1] == "fine:" + shopper_id
    async with container.read_uow() as uow:
        row = await uow.repo(ShopperRepository).get(shopper_id)
        assert row is not None
        assert row.email == f"erased+{shopper_id}@invalid"
        assert row.password_hash == "!unusable"
        assert await uow.repo(ShopperRepository).addresses(shopper_id) == []
    # The e-mail is free again.
    await _shopper(container)


async def test_api_key_last_used_is_written_at_most_once_a_minute(container: Container) -> None:
    operator = await service.create_operator(
        uow=container.uow(), email="op@shop.example", password=PASSWORD, name="Op",
        password_policy=policy_of(container),
    )  # fmt: skip
    issued = await service.issue_operator_api_key(uow=container.uow(), operator_id=operator.id)
    start = clock.now().replace(microsecond=0)
    with clock.frozen_at(start):
        principal, due = await service.authenticate_api_key(
            uow=container.read_uow(), key=issued.key
        )
        assert (principal.id, due) == (operator.id, True)
        await service.touch_api_key(uow=container.uow(), key_id=issued.id)
        assert (await service.authenticate_api_key(uow=container.read_uow(), key=issued.key))[
            1
        ] is False
        clock.advance(timedelta(seconds=61))
        await service.touch_api_key(uow=container.uow(), key_id=issued.id)
    async with container.read_uow() as uow:
        found = await uow.repo(OperatorRepository).key_with_operator(issued.id)
    assert found is not None
    assert found[0].last_used_at == start + timedelta(seconds=61)
