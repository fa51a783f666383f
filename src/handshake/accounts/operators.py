"""Use cases of operators: accounts, sign-in, and admin API keys (shown once, stored hashed)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from handshake.accounts.authentication import (
    AuthPolicy,
    IssuedSession,
    StoredCredentials,
    live_session,
    normalise_email,
    sign_in_with_password,
)
from handshake.accounts.errors import (
    ApiKeyNotFound,
    EmailTaken,
    NotAnOperator,
    OperatorAuthRequired,
    OperatorNotFound,
    WeakPassword,
)
from handshake.accounts.events import OperatorApiKeyRevoked, OperatorCreated
from handshake.accounts.models import Operator, OperatorApiKey, PrincipalKind
from handshake.accounts.passwords import PasswordPolicy, hash_password, password_problem
from handshake.accounts.principals import OperatorPrincipal
from handshake.accounts.repository import OperatorRepository
from handshake.accounts.secrets_format import digest, digest_matches, format_api_key, parse_api_key
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id

# last_used_at is precise to this much, so busy keys do not turn every read into a write.
KEY_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    """A new API key: ``key`` is the plaintext, shown once and never stored."""

    id: str
    key: str
    label: str


async def create_operator(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    name: str,
    password_policy: PasswordPolicy | None = None,
) -> Operator:
    """Create an operator account; ``email_taken`` when the e-mail is in use."""
    policy = password_policy or PasswordPolicy()
    address = normalise_email(email)
    problem = password_problem(password, policy)
    if problem:
        raise WeakPassword(problem, extra={"field": "password"})
    password_hash = await hash_password(password, policy)
    async with uow:
        repo = uow.repo(OperatorRepository)
        taken = EmailTaken(f"An operator already uses {address}.")
        if await repo.by_email(address) is not None:
            raise taken
        operator = Operator(
            id=new_id("opr"),
            email=address,
            name=name.strip() or address,
            role="operator",
            password_hash=password_hash,
        )
        repo.add(operator)
        await repo.flush_unique(taken)
        uow.record(OperatorCreated(operator_id=operator.id))
        await uow.commit()
    return operator


async def operator_by_email(*, uow: UnitOfWork, email: str) -> Operator:
    """The operator with ``email``; ``operator_not_found`` otherwise."""
    async with uow:
        operator = await uow.repo(OperatorRepository).by_email(normalise_email(email))
    if operator is None:
        raise OperatorNotFound(f"No operator with e-mail {email}.")
    return operator


async def issue_operator_api_key(
    *, uow: UnitOfWork, operator_id: str, label: str = "default"
) -> IssuedApiKey:
    """A new API key ``hsk_<keyid>_<secret>`` for the operator (plaintext returned once)."""
    async with uow:
        repo = uow.repo(OperatorRepository)
        if await repo.get(operator_id) is None:
            raise OperatorNotFound(f"No operator {operator_id}.")
        secret = secrets.token_urlsafe(32)
        api_key = OperatorApiKey(
            id=new_id("opk"),
            operator_id=operator_id,
            label=label.strip()[:100] or "default",
            secret_hash=digest(secret),
        )
        repo.add(api_key)
        await uow.commit()
    return IssuedApiKey(id=api_key.id, key=format_api_key(api_key.id, secret), label=api_key.label)


async def list_api_keys(*, uow: UnitOfWork, operator_id: str) -> Sequence[OperatorApiKey]:
    """The operator's keys (metadata only: the secrets are not kept)."""
    async with uow:
        return await uow.repo(OperatorRepository).keys_of(operator_id)


async def revoke_api_key(*, uow: UnitOfWork, operator_id: str, key_id: str) -> OperatorApiKey:
    """Revoke one of the operator's keys; it is refused from the next request on."""
    async with uow:
        found = await uow.repo(OperatorRepository).key_with_operator(key_id)
        if found is None or found[0].operator_id != operator_id:
            raise ApiKeyNotFound(f"No API key {key_id}.")
        api_key = found[0]
        if api_key.revoked_at is None:
            api_key.revoked_at = clock.now()
            uow.record(OperatorApiKeyRevoked(operator_id=operator_id, key_id=key_id))
        await uow.commit()
    return api_key


async def authenticate_api_key(*, uow: UnitOfWork, key: str) -> tuple[OperatorPrincipal, bool]:
    """The operator behind ``key`` and whether ``last_used_at`` is due for an update."""
    parsed = parse_api_key(key)
    refused = OperatorAuthRequired("The operator API key is invalid or revoked.")
    if parsed is None:
        raise refused
    async with uow:
        found = await uow.repo(OperatorRepository).key_with_operator(parsed.key_id)
    if found is None:
        raise refused
    api_key, operator = found
    if not digest_matches(parsed.secret, api_key.secret_hash) or api_key.is_revoked:
        raise refused
    now = clock.now()
    due = api_key.last_used_at is None or api_key.last_used_at < now - KEY_TOUCH_INTERVAL
    principal = OperatorPrincipal(
        id=operator.id, email=operator.email, name=operator.name, api_key_id=api_key.id
    )
    return principal, due


async def touch_api_key(*, uow: UnitOfWork, key_id: str) -> None:
    """Record that the key was just used."""
    now = clock.now()
    async with uow:
        await uow.repo(OperatorRepository).touch_key(
            key_id, now=now, stale_before=now - KEY_TOUCH_INTERVAL
        )
        await uow.commit()


async def _operator_credentials(uow: UnitOfWork, email: str) -> StoredCredentials | None:
    operator = await uow.repo(OperatorRepository).by_email(email)
    return None if operator is None else StoredCredentials(operator.id, operator.password_hash)


async def _store_operator_hash(uow: UnitOfWork, operator_id: str, new_hash: str) -> None:
    operator = await uow.repo(OperatorRepository).get(operator_id)
    if operator is not None:
        operator.password_hash = new_hash


async def sign_in_operator(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    policy: AuthPolicy,
    user_agent: str | None = None,
    replaces_token: str | None = None,
) -> IssuedSession:
    """Check an operator's password (throttled) and open an operator web session."""
    return await sign_in_with_password(
        uow,
        kind=PrincipalKind.OPERATOR,
        email=email,
        password=password,
        policy=policy,
        lookup=_operator_credentials,
        store_rehash=_store_operator_hash,
        user_agent=user_agent,
        replaces_token=replaces_token,
    )


async def operator_for_session(*, uow: UnitOfWork, token: str) -> OperatorPrincipal:
    """The operator of a web session; 401 without one, 403 ``not_an_operator`` for a shopper."""
    async with uow:
        web_session = await live_session(uow, token)
        if web_session is None:
            raise OperatorAuthRequired("Sign in as an operator or send an operator API key.")
        if web_session.principal_kind != PrincipalKind.OPERATOR:
            raise NotAnOperator("This needs an operator account; you are signed in as a shopper.")
        operator = await uow.repo(OperatorRepository).get(web_session.principal_id)
    if operator is None:
        raise OperatorAuthRequired("Sign in as an operator or send an operator API key.")
    return OperatorPrincipal(
        id=operator.id, email=operator.email, name=operator.name, session_id=web_session.id
    )
