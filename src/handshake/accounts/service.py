"""Use cases of shoppers: sign-up, sign-in/out, sessions and profile.

Addresses, payment methods, membership, operators and personal data (export, erasure) live in
their own modules and are re-exported here, so callers use one service module.
"""

from __future__ import annotations

from dataclasses import dataclass

from handshake.accounts.address_book import add_address as add_address
from handshake.accounts.address_book import delete_address as delete_address
from handshake.accounts.address_book import list_addresses as list_addresses
from handshake.accounts.address_book import set_default_address as set_default_address
from handshake.accounts.address_book import update_address as update_address
from handshake.accounts.address_book import validate_address as validate_address
from handshake.accounts.authentication import AuthPolicy as AuthPolicy
from handshake.accounts.authentication import IssuedSession as IssuedSession
from handshake.accounts.authentication import (
    StoredCredentials,
    live_session,
    normalise_email,
    open_session,
    sign_in_with_password,
)
from handshake.accounts.authentication import end_session as end_session
from handshake.accounts.errors import EmailTaken, ShopperNotFound, WeakPassword
from handshake.accounts.events import ShopperSignedUp
from handshake.accounts.memberships import end_membership as end_membership
from handshake.accounts.memberships import get_membership as get_membership
from handshake.accounts.memberships import is_shopper_member as is_shopper_member
from handshake.accounts.memberships import set_membership as set_membership
from handshake.accounts.models import PrincipalKind, Shopper, is_member
from handshake.accounts.operators import IssuedApiKey as IssuedApiKey
from handshake.accounts.operators import authenticate_api_key as authenticate_api_key
from handshake.accounts.operators import create_operator as create_operator
from handshake.accounts.operators import issue_operator_api_key as issue_operator_api_key
from handshake.accounts.operators import list_api_keys as list_api_keys
from handshake.accounts.operators import operator_by_email as operator_by_email
from handshake.accounts.operators import operator_for_session as operator_for_session
from handshake.accounts.operators import revoke_api_key as revoke_api_key
from handshake.accounts.operators import sign_in_operator as sign_in_operator
from handshake.accounts.operators import touch_api_key as touch_api_key
from handshake.accounts.passwords import PasswordPolicy as PasswordPolicy
from handshake.accounts.passwords import hash_password, password_problem
from handshake.accounts.personal_data import erase_shopper as erase_shopper
from handshake.accounts.personal_data import export_personal_data as export_personal_data
from handshake.accounts.principals import OperatorPrincipal as OperatorPrincipal
from handshake.accounts.principals import ShopperPrincipal as ShopperPrincipal
from handshake.accounts.repository import ShopperRepository
from handshake.accounts.wallet import add_payment_method as add_payment_method
from handshake.accounts.wallet import delete_payment_method as delete_payment_method
from handshake.accounts.wallet import list_payment_methods as list_payment_methods
from handshake.accounts.wallet import set_default_payment_method as set_default_payment_method
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id

LOCALES = ("en", "fr")
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class SignedUp:
    """A new shopper and the web session opened for them."""

    shopper: Shopper
    session: IssuedSession


def _clean_name(name: str | None) -> str | None:
    cleaned = (name or "").strip()[:MAX_NAME_LENGTH]
    return cleaned or None


async def _new_shopper(
    uow: UnitOfWork, *, email: str, password_hash: str, name: str | None, locale: str
) -> Shopper:
    repo = uow.repo(ShopperRepository)
    taken = EmailTaken("An account already uses this e-mail address.", extra={"field": "email"})
    if await repo.by_email(email) is not None:
        raise taken
    shopper = Shopper(
        id=new_id("shp"),
        email=email,
        name=_clean_name(name),
        locale=locale if locale in LOCALES else "en",
        password_hash=password_hash,
    )
    repo.add(shopper)
    await repo.flush_unique(taken)
    uow.record(ShopperSignedUp(shopper_id=shopper.id))
    return shopper


async def _checked_hash(email: str, password: str, policy: PasswordPolicy) -> tuple[str, str]:
    address = normalise_email(email)
    problem = password_problem(password, policy)
    if problem:
        raise WeakPassword(problem, extra={"field": "password"})
    return address, await hash_password(password, policy)


async def sign_up(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    name: str | None = None,
    locale: str = "en",
    password_policy: PasswordPolicy | None = None,
) -> Shopper:
    """Create a shopper account (no session); ``email_taken`` when the e-mail is in use."""
    policy = password_policy or PasswordPolicy()
    address, password_hash = await _checked_hash(email, password, policy)
    async with uow:
        shopper = await _new_shopper(
            uow, email=address, password_hash=password_hash, name=name, locale=locale
        )
        await uow.commit()
    return shopper


async def sign_up_and_sign_in(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    policy: AuthPolicy,
    name: str | None = None,
    locale: str = "en",
    user_agent: str | None = None,
    replaces_token: str | None = None,
) -> SignedUp:
    """Create a shopper account and open its web session in the same transaction."""
    address, password_hash = await _checked_hash(email, password, policy.passwords)
    async with uow:
        shopper = await _new_shopper(
            uow, email=address, password_hash=password_hash, name=name, locale=locale
        )
        issued = await open_session(
            uow,
            kind=PrincipalKind.SHOPPER,
            principal_id=shopper.id,
            email=address,
            policy=policy,
            user_agent=user_agent,
            replaces_token=replaces_token,
        )
        await uow.commit()
    return SignedUp(shopper=shopper, session=issued)


async def _shopper_credentials(uow: UnitOfWork, email: str) -> StoredCredentials | None:
    shopper = await uow.repo(ShopperRepository).by_email(email)
    if shopper is None or shopper.is_erased:
        return None
    return StoredCredentials(shopper.id, shopper.password_hash)


async def _store_shopper_hash(uow: UnitOfWork, shopper_id: str, new_hash: str) -> None:
    shopper = await uow.repo(ShopperRepository).get(shopper_id)
    if shopper is not None:
        shopper.password_hash = new_hash


async def sign_in(
    *,
    uow: UnitOfWork,
    email: str,
    password: str,
    policy: AuthPolicy,
    user_agent: str | None = None,
    replaces_token: str | None = None,
) -> IssuedSession:
    """Check a shopper's password (throttled, lockout) and open a new web session."""
    return await sign_in_with_password(
        uow,
        kind=PrincipalKind.SHOPPER,
        email=email,
        password=password,
        policy=policy,
        lookup=_shopper_credentials,
        store_rehash=_store_shopper_hash,
        user_agent=user_agent,
        replaces_token=replaces_token,
    )


async def shopper_for_session(*, uow: UnitOfWork, token: str) -> ShopperPrincipal | None:
    """The shopper signed in with cookie ``token``, or None (no, expired or operator session)."""
    async with uow:
        web_session = await live_session(uow, token)
        if web_session is None or web_session.principal_kind != PrincipalKind.SHOPPER:
            return None
        repo = uow.repo(ShopperRepository)
        shopper = await repo.get(web_session.principal_id)
        if shopper is None or shopper.is_erased:
            return None
        membership = await repo.membership(shopper.id)
    return ShopperPrincipal(
        id=shopper.id,
        email=shopper.email,
        name=shopper.name,
        locale=shopper.locale,
        is_member=is_member(membership, clock.now()),
        session_id=web_session.id,
    )


async def get_shopper(*, uow: UnitOfWork, shopper_id: str) -> Shopper:
    """The live shopper; ``shopper_not_found`` otherwise (erased accounts included)."""
    async with uow:
        return await uow.repo(ShopperRepository).require(shopper_id)


async def update_profile(
    *,
    uow: UnitOfWork,
    shopper_id: str,
    name: str | None = None,
    locale: str | None = None,
    clear_name: bool = False,
) -> Shopper:
    """Change the shopper's name and/or interface language (``en`` or ``fr``)."""
    async with uow:
        shopper = await uow.repo(ShopperRepository).require(shopper_id)
        if name is not None or clear_name:
            shopper.name = None if clear_name else _clean_name(name)
        if locale is not None:
            shopper.locale = locale if locale in LOCALES else shopper.locale
        await uow.commit()
    return shopper


async def find_shopper_by_email(*, uow: UnitOfWork, email: str) -> Shopper:
    """The live shopper with ``email``; ``shopper_not_found`` otherwise."""
    async with uow:
        shopper = await uow.repo(ShopperRepository).by_email(normalise_email(email))
    if shopper is None or shopper.is_erased:
        raise ShopperNotFound(f"No shopper with e-mail {email}.")
    return shopper
