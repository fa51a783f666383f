"""Shared test helpers of the partners domain: an in-memory repository and HTTP Basic headers."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from handshake.kernel.errors import DomainError
from handshake.partners.models import Partner, PartnerClient, WebhookEndpoint
from handshake.partners.repository import PartnerRepository
from tests.fakes import FakeUnitOfWork


class FakePartnerRepository(PartnerRepository):
    """PartnerRepository over dicts; the ``require_*`` lookups are inherited unchanged."""

    def __init__(self) -> None:
        super().__init__(session=None)  # type: ignore[arg-type]
        self.partners: dict[str, Partner] = {}
        self.clients: dict[str, PartnerClient] = {}
        self.endpoints: dict[str, WebhookEndpoint] = {}

    def add(self, entity: Partner | PartnerClient | WebhookEndpoint) -> None:
        if isinstance(entity, Partner):
            self.partners[entity.id] = entity
        elif isinstance(entity, PartnerClient):
            self.clients[entity.id] = entity
        else:
            self.endpoints[entity.id] = entity

    async def flush_unique(self, error: DomainError) -> None:
        names = [p.name for p in self.partners.values()]
        urls = [(e.partner_id, e.url) for e in self.endpoints.values()]
        if len(names) != len(set(names)) or len(urls) != len(set(urls)):
            raise error

    async def get_partner(self, partner_id: str) -> Partner | None:
        return self.partners.get(partner_id)

    async def partner_by_name(self, name: str) -> Partner | None:
        return next((p for p in self.partners.values() if p.name == name), None)

    async def list_partners(
        self, *, status: str | None = None, kind: str | None = None
    ) -> Sequence[Partner]:
        return [
            p
            for _, p in sorted(self.partners.items())
            if (status is None or p.status == status) and (kind is None or p.kind == kind)
        ]

    async def get_client(self, client_id: str) -> PartnerClient | None:
        return self.clients.get(client_id)

    async def client_with_partner(self, client_id: str) -> tuple[PartnerClient, Partner] | None:
        client = self.clients.get(client_id)
        return None if client is None else (client, self.partners[client.partner_id])

    async def list_clients(self, partner_id: str) -> Sequence[PartnerClient]:
        return [c for _, c in sorted(self.clients.items()) if c.partner_id == partner_id]

    async def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint | None:
        return self.endpoints.get(endpoint_id)

    async def endpoint_by_url(self, partner_id: str, url: str) -> WebhookEndpoint | None:
        return next(
            (e for e in self.endpoints.values() if (e.partner_id, e.url) == (partner_id, url)),
            None,
        )

    async def list_endpoints(self, partner_id: str) -> Sequence[WebhookEndpoint]:
        return [e for _, e in sorted(self.endpoints.items()) if e.partner_id == partner_id]

    async def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        del self.endpoints[endpoint.id]


def fake_uow() -> tuple[FakeUnitOfWork, FakePartnerRepository]:
    """A fake unit of work holding a fresh in-memory partner repository."""
    repo = FakePartnerRepository()
    return FakeUnitOfWork({PartnerRepository: repo}), repo


def basic_auth(client_id: str, client_secret: str) -> dict[str, str]:
    """An ``Authorization: Basic`` header for the client credentials."""
    token = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
