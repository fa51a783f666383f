"""Every query of the partners domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from handshake.db.uow import Repository
from handshake.partners.errors import ClientNotFound, PartnerNotFound, WebhookEndpointNotFound
from handshake.partners.models import Partner, PartnerClient, WebhookEndpoint


class PartnerRepository(Repository):
    """Partners, their OAuth clients and their webhook endpoints."""

    async def get_partner(self, partner_id: str) -> Partner | None:
        """The partner, or None."""
        return await self.session.get(Partner, partner_id)

    async def partner_by_name(self, name: str) -> Partner | None:
        """The partner called exactly ``name``, or None."""
        return await self.session.scalar(select(Partner).where(Partner.name == name))

    async def list_partners(
        self, *, status: str | None = None, kind: str | None = None
    ) -> Sequence[Partner]:
        """Partners, oldest first, optionally filtered."""
        query = select(Partner).order_by(Partner.id)
        if status is not None:
            query = query.where(Partner.status == status)
        if kind is not None:
            query = query.where(Partner.kind == kind)
        return (await self.session.scalars(query)).all()

    async def get_client(self, client_id: str) -> PartnerClient | None:
        """The client, or None."""
        return await self.session.get(PartnerClient, client_id)

    async def client_with_partner(self, client_id: str) -> tuple[PartnerClient, Partner] | None:
        """The client and its partner in one query (read on every partner call, never cached)."""
        query = (
            select(PartnerClient, Partner)
            .join(Partner, Partner.id == PartnerClient.partner_id)
            .where(PartnerClient.id == client_id)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1])

    async def list_clients(self, partner_id: str) -> Sequence[PartnerClient]:
        """The partner's clients, oldest first (revoked ones included)."""
        query = (
            select(PartnerClient)
            .where(PartnerClient.partner_id == partner_id)
            .order_by(PartnerClient.id)
        )
        return (await self.session.scalars(query)).all()

    async def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        """The webhook endpoint, or None."""
        return await self.session.get(WebhookEndpoint, endpoint_id)

    async def endpoint_by_url(self, partner_id: str, url: str) -> WebhookEndpoint | None:
        """The partner's endpoint with exactly this URL, or None."""
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.url == url
        )
        return await self.session.scalar(query)

    async def list_endpoints(self, partner_id: str) -> Sequence[WebhookEndpoint]:
        """The partner's webhook endpoints, oldest first."""
        query = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.partner_id == partner_id)
            .order_by(WebhookEndpoint.id)
        )
        return (await self.session.scalars(query)).all()

    async def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Remove the endpoint."""
        await self.session.delete(endpoint)

    async def require_partner(self, partner_id: str) -> Partner:
        """The partner, or :class:`PartnerNotFound`."""
        partner = await self.get_partner(partner_id)
        if partner is None:
            raise PartnerNotFound(f"No partner {partner_id!r}.", extra={"partner_id": partner_id})
        return partner

    async def require_client(self, partner_id: str, client_id: str) -> PartnerClient:
        """The partner's client, or :class:`ClientNotFound` (also for another partner's)."""
        client = await self.get_client(client_id)
        if client is None or client.partner_id != partner_id:
            raise ClientNotFound(
                f"Partner {partner_id!r} has no client {client_id!r}.",
                extra={"client_id": client_id},
            )
        return client

    async def require_endpoint(self, partner_id: str, endpoint_id: str) -> WebhookEndpoint:
        """The partner's endpoint, or :class:`WebhookEndpointNotFound`."""
        endpoint = await self.get_endpoint(endpoint_id)
        if endpoint is None or endpoint.partner_id != partner_id:
            raise WebhookEndpointNotFound(
                f"Partner {partner_id!r} has no webhook endpoint {endpoint_id!r}.",
                extra={"endpoint_id": endpoint_id},
            )
        return endpoint
