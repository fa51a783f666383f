"""Use cases of the partners domain: organisations, OAuth clients, webhook endpoints, suspension.

Secrets (client secrets, webhook signing secrets) leave this module only in the ``Issued*``
results of creation and rotation; the entities never expose a client secret, only its hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handshake.db.uow import UnitOfWork
from handshake.kernel import clock
from handshake.kernel.ids import new_id
from handshake.partners import credentials, endpoint_urls
from handshake.partners import registration_rules as rules
from handshake.partners.errors import (
    ClientRevoked,
    InvalidClient,
    PartnerAlreadySuspended,
    PartnerNameTaken,
    PartnerNotSuspended,
    PartnerSuspended,
    PublicClientHasNoSecret,
    RedirectUriRequired,
)
from handshake.partners.events import ClientRevoked as ClientRevokedEvent
from handshake.partners.events import ClientSecretRotated, PartnerReactivated, PartnerRegistered
from handshake.partners.events import PartnerSuspended as PartnerSuspendedEvent
from handshake.partners.kinds import ClientType, PartnerKind, PartnerStatus
from handshake.partners.models import Partner, PartnerClient
from handshake.partners.repository import PartnerRepository
from handshake.partners.updates import KEEP, Keep

# Webhook endpoint use cases live in their own module; re-exported so callers use one service.
from handshake.partners.webhook_endpoints import IssuedWebhookEndpoint as IssuedWebhookEndpoint
from handshake.partners.webhook_endpoints import add_webhook_endpoint as add_webhook_endpoint
from handshake.partners.webhook_endpoints import delete_webhook_endpoint as delete_webhook_endpoint
from handshake.partners.webhook_endpoints import list_webhook_endpoints as list_webhook_endpoints
from handshake.partners.webhook_endpoints import rotate_webhook_secret as rotate_webhook_secret
from handshake.partners.webhook_endpoints import update_webhook_endpoint as update_webhook_endpoint
from handshake.partners.webhook_endpoints import webhook_endpoints_for as webhook_endpoints_for


@dataclass(frozen=True)
class IssuedClient:
    """A created or re-keyed client; ``client_secret`` is the only copy (None when public)."""

    client_id: str
    client_secret: str | None
    client: PartnerClient


@dataclass(frozen=True)
class PartnerClientPrincipal:
    """An authenticated partner client, as partner-facing routes see it."""

    partner_id: str
    partner_name: str
    partner_kind: PartnerKind
    client_id: str
    client_name: str
    client_type: ClientType
    allowed_scopes: tuple[str, ...]
    redirect_uris: tuple[str, ...]


async def create_partner(
    *,
    uow: UnitOfWork,
    name: str,
    kind: PartnerKind | str,
    contact_email: str,
    contact_name: str | None = None,
    website: str | None = None,
) -> Partner:
    """Register a partner organisation (active)."""
    partner = Partner(
        id=new_id("ptn"),
        name=rules.clean_name(name),
        kind=rules.parse_kind(kind).value,
        contact_name=rules.clean_name(contact_name, field="contact_name") if contact_name else None,
        contact_email=rules.clean_email(contact_email),
        website=rules.clean_website(website),
        status=PartnerStatus.ACTIVE.value,
    )
    async with uow:
        repo = uow.repo(PartnerRepository)
        taken = PartnerNameTaken(
            f"A partner is already called {partner.name!r}.", extra={"name": partner.name}
        )
        if await repo.partner_by_name(partner.name) is not None:
            raise taken
        repo.add(partner)
        await repo.flush_unique(taken)
        uow.record(PartnerRegistered(partner_id=partner.id, kind=partner.kind))
        await uow.commit()
    return partner


async def get_partner(*, uow: UnitOfWork, partner_id: str) -> Partner:
    """The partner, or :class:`PartnerNotFound`."""
    async with uow:
        return await uow.repo(PartnerRepository).require_partner(partner_id)


async def list_partners(
    *, uow: UnitOfWork, status: PartnerStatus | None = None, kind: PartnerKind | None = None
) -> list[Partner]:
    """Partners, oldest first, optionally filtered by status and kind."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        found = await repo.list_partners(
            status=status.value if status else None, kind=kind.value if kind else None
        )
        return list(found)


async def update_partner(
    *,
    uow: UnitOfWork,
    partner_id: str,
    name: str | Keep = KEEP,
    contact_name: str | Keep | None = KEEP,
    contact_email: str | Keep = KEEP,
    website: str | Keep | None = KEEP,
) -> Partner:
    """Change a partner's name or contact details (its kind is fixed: scopes depend on it)."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        partner = await repo.require_partner(partner_id)
        if not isinstance(name, Keep):
            cleaned = rules.clean_name(name)
            taken = PartnerNameTaken(
                f"A partner is already called {cleaned!r}.", extra={"name": cleaned}
            )
            other = await repo.partner_by_name(cleaned)
            if other is not None and other.id != partner.id:
                raise taken
            partner.name = cleaned
        if not isinstance(contact_name, Keep):
            partner.contact_name = (
                rules.clean_name(contact_name, field="contact_name") if contact_name else None
            )
        if not isinstance(contact_email, Keep):
            partner.contact_email = rules.clean_email(contact_email)
        if not isinstance(website, Keep):
            partner.website = rules.clean_website(website)
        await repo.flush_unique(PartnerNameTaken("A partner already has this name."))
        await uow.commit()
    return partner


async def suspend_partner(*, uow: UnitOfWork, partner_id: str, reason: str) -> Partner:
    """Suspend a partner: from the next request on, every call of its clients gets a 403."""
    cleaned = rules.clean_reason(reason)
    async with uow:
        partner = await uow.repo(PartnerRepository).require_partner(partner_id)
        if not partner.is_active:
            raise PartnerAlreadySuspended(
                f"Partner {partner_id!r} is already suspended.", extra={"partner_id": partner_id}
            )
        now = clock.now()
        partner.suspend(reason=cleaned, at=now)
        uow.record(PartnerSuspendedEvent(partner_id=partner.id, reason=cleaned, suspended_at=now))
        await uow.commit()
    return partner


async def reactivate_partner(*, uow: UnitOfWork, partner_id: str) -> Partner:
    """Serve a suspended partner again."""
    async with uow:
        partner = await uow.repo(PartnerRepository).require_partner(partner_id)
        if partner.is_active:
            raise PartnerNotSuspended(
                f"Partner {partner_id!r} is not suspended.", extra={"partner_id": partner_id}
            )
        partner.reactivate()
        uow.record(PartnerReactivated(partner_id=partner.id))
        await uow.commit()
    return partner


def _default_client_name(partner: Partner) -> str:
    return f"{partner.name[: rules.MAX_NAME_LENGTH - 4]} app"


async def create_client(
    *,
    uow: UnitOfWork,
    partner_id: str,
    client_type: ClientType | str = ClientType.CONFIDENTIAL,
    redirect_uris: Sequence[str] = (),
    scopes: Sequence[str] | None = None,
    name: str | None = None,
) -> IssuedClient:
    """Register an OAuth client; ``scopes=None`` allows every scope of the partner's kind."""
    kind_of_client = rules.parse_client_type(client_type)
    public = kind_of_client is ClientType.PUBLIC
    uris = endpoint_urls.validate_redirect_uris(redirect_uris, public_client=public)
    if public and not uris:
        raise RedirectUriRequired("A public client needs at least one redirect URI.")
    async with uow:
        repo = uow.repo(PartnerRepository)
        partner = await repo.require_partner(partner_id)
        allowed = rules.check_scopes(partner.partner_kind, scopes)
        secret = None if public else credentials.new_client_secret()
        client = PartnerClient(
            id=new_id("cli"),
            partner_id=partner.id,
            name=rules.clean_name(name or _default_client_name(partner), field="client name"),
            client_type=kind_of_client.value,
            redirect_uris=uris,
            allowed_scopes=allowed,
        )
        if secret is not None:
            client.set_secret(
                secret_hash=credentials.hash_client_secret(secret),
                hint=credentials.secret_hint(secret),
                at=None,
            )
        repo.add(client)
        await uow.commit()
    return IssuedClient(client_id=client.id, client_secret=secret, client=client)


async def list_clients(*, uow: UnitOfWork, partner_id: str) -> list[PartnerClient]:
    """The partner's clients, oldest first, revoked ones included."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        await repo.require_partner(partner_id)
        return list(await repo.list_clients(partner_id))


async def rotate_client_secret(*, uow: UnitOfWork, partner_id: str, client_id: str) -> IssuedClient:
    """Give a confidential client a new secret; the old one stops working at once."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        client = await repo.require_client(partner_id, client_id)
        if client.is_revoked:
            raise ClientRevoked(f"Client {client_id!r} is revoked.", extra={"client_id": client_id})
        if client.is_public:
            raise PublicClientHasNoSecret(
                f"Client {client_id!r} is public: it uses PKCE, not a secret.",
                extra={"client_id": client_id},
            )
        secret = credentials.new_client_secret()
        client.set_secret(
            secret_hash=credentials.hash_client_secret(secret),
            hint=credentials.secret_hint(secret),
            at=clock.now(),
        )
        uow.record(ClientSecretRotated(partner_id=partner_id, client_id=client.id))
        await uow.commit()
    return IssuedClient(client_id=client.id, client_secret=secret, client=client)


async def revoke_client(*, uow: UnitOfWork, partner_id: str, client_id: str) -> PartnerClient:
    """Revoke a client for good (idempotent): it can no longer authenticate."""
    async with uow:
        repo = uow.repo(PartnerRepository)
        client = await repo.require_client(partner_id, client_id)
        if not client.is_revoked:
            client.revoke(at=clock.now())
            uow.record(ClientRevokedEvent(partner_id=partner_id, client_id=client.id))
            await uow.commit()
    return client


async def register_partner(
    *,
    uow: UnitOfWork,
    name: str,
    kind: PartnerKind | str,
    contact_email: str,
    contact_name: str | None = None,
    website: str | None = None,
    client_type: ClientType | str = ClientType.CONFIDENTIAL,
    redirect_uris: Sequence[str] = (),
    scopes: Sequence[str] | None = None,
) -> tuple[Partner, IssuedClient]:
    """Create a partner and its first client in one transaction (both or neither)."""
    async with uow:
        partner = await create_partner(
            uow=uow,
            name=name,
            kind=kind,
            contact_email=contact_email,
            contact_name=contact_name,
            website=website,
        )
        issued = await create_client(
            uow=uow,
            partner_id=partner.id,
            client_type=client_type,
            redirect_uris=redirect_uris,
            scopes=scopes,
        )
        await uow.commit()
    return partner, issued


def _principal(client: PartnerClient, partner: Partner) -> PartnerClientPrincipal:
    return PartnerClientPrincipal(
        partner_id=partner.id,
        partner_name=partner.name,
        partner_kind=partner.partner_kind,
        client_id=client.id,
        client_name=client.name,
        client_type=ClientType(client.client_type),
        allowed_scopes=tuple(client.allowed_scopes),
        redirect_uris=tuple(client.redirect_uris),
    )


async def _usable_client(uow: UnitOfWork, client_id: str) -> tuple[PartnerClient, Partner] | None:
    async with uow:
        found = await uow.repo(PartnerRepository).client_with_partner(client_id)
    if found is None or found[0].is_revoked:
        return None
    return found


def _ensure_active(partner: Partner) -> None:
    if not partner.is_active:
        raise PartnerSuspended(
            f"Partner {partner.name!r} is suspended; its calls are refused.",
            extra={"partner_id": partner.id},
        )


async def authenticate_client(
    *, uow: UnitOfWork, client_id: str, client_secret: str
) -> PartnerClientPrincipal:
    """Check a confidential client's credentials and that its partner is active (no cache)."""
    found = await _usable_client(uow, client_id)
    stored_hash = found[0].secret_hash if found else None
    # Always compare, even for an unknown client, so timing does not reveal which ids exist.
    if not credentials.client_secret_matches(client_secret, stored_hash) or found is None:
        raise InvalidClient("Client authentication failed.")
    _ensure_active(found[1])
    return _principal(*found)


async def get_active_client(*, uow: UnitOfWork, client_id: str) -> PartnerClientPrincipal:
    """A usable client by id alone (public clients, authorization requests); no secret check."""
    found = await _usable_client(uow, client_id)
    if found is None:
        raise InvalidClient(f"Unknown or revoked client {client_id!r}.")
    _ensure_active(found[1])
    return _principal(*found)


async def ensure_partner_active(*, uow: UnitOfWork, partner_id: str) -> None:
    """:class:`PartnerSuspended` unless the partner is active (for token-authenticated calls)."""
    async with uow:
        _ensure_active(await uow.repo(PartnerRepository).require_partner(partner_id))
