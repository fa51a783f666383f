"""Request and response bodies of the partners API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from handshake.partners.kinds import ClientType, PartnerKind, PartnerStatus
from handshake.partners.models import SignatureScheme

Name = Annotated[str, Field(min_length=1, max_length=120)]
Url = Annotated[str, Field(min_length=1, max_length=2000)]
ScopeName = Annotated[str, Field(min_length=1, max_length=64)]
EventTypeName = Annotated[str, Field(min_length=1, max_length=100)]
# Checked by the service (16 to 100 printable characters, ACP only) for a stable error code.
GivenSecret = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1000,
        description="ACP endpoints only: the shared secret the agent platform issued "
        "(16 to 100 printable ASCII characters); generated when omitted.",
    ),
]


class Request(BaseModel):
    """Base of request bodies: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    """Base of response bodies, read from entities."""

    model_config = ConfigDict(from_attributes=True)


class PartnerCreate(Request):
    """A new partner organisation."""

    name: Name
    kind: PartnerKind
    contact_email: EmailStr
    contact_name: Name | None = None
    website: Url | None = None


class PartnerUpdate(Request):
    """Fields to change; omitted fields stay. ``null`` clears contact_name and website only."""

    name: Name | None = None
    contact_email: EmailStr | None = None
    contact_name: Name | None = None
    website: Url | None = None


class SuspendRequest(Request):
    """Why the partner is suspended (kept on the partner and sent with the event)."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class PartnerOut(Response):
    """A partner organisation."""

    id: str
    name: str
    kind: PartnerKind
    contact_name: str | None
    contact_email: str
    website: str | None
    status: PartnerStatus
    suspended_at: datetime | None
    suspension_reason: str | None
    created_at: datetime
    updated_at: datetime


class PartnerList(BaseModel):
    """Partners, oldest first."""

    items: list[PartnerOut]


class ClientCreate(Request):
    """A new OAuth client; ``scopes`` omitted means every scope allowed for the partner's kind."""

    name: Name | None = None
    client_type: ClientType = ClientType.CONFIDENTIAL
    redirect_uris: Annotated[list[Url], Field(max_length=20)] = Field(default_factory=list)
    scopes: Annotated[list[ScopeName], Field(max_length=20)] | None = None


class ClientOut(Response):
    """An OAuth client (never its secret)."""

    client_id: str
    partner_id: str
    name: str
    client_type: ClientType
    status: str
    redirect_uris: list[str]
    allowed_scopes: list[str]
    secret_hint: str | None
    secret_rotated_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class IssuedClientOut(BaseModel):
    """A client with its secret: shown only in this response (None for public clients)."""

    client: ClientOut
    client_secret: str | None


class ClientList(BaseModel):
    """A partner's clients, oldest first."""

    items: list[ClientOut]


class WebhookEndpointCreate(Request):
    """A new webhook endpoint; ``acp`` endpoints take only ``acp.*`` event types."""

    url: Url
    event_types: Annotated[list[EventTypeName], Field(min_length=1, max_length=50)]
    enabled: bool = True
    description: Annotated[str, Field(max_length=200)] | None = None
    signature_scheme: SignatureScheme = SignatureScheme.STANDARD_WEBHOOKS
    signing_secret: GivenSecret | None = None


class WebhookSecretRotate(Request):
    """Optional body of a rotation: the new secret an agent platform issued (ACP only)."""

    signing_secret: GivenSecret | None = None


class WebhookEndpointUpdate(Request):
    """Fields to change; omitted fields stay. ``null`` clears the description only."""

    url: Url | None = None
    event_types: Annotated[list[EventTypeName], Field(min_length=1, max_length=50)] | None = None
    enabled: bool | None = None
    description: Annotated[str, Field(max_length=200)] | None = None


class WebhookEndpointOut(Response):
    """A webhook endpoint (never its signing secret)."""

    id: str
    partner_id: str
    url: str
    description: str | None
    event_types: list[str]
    signature_scheme: SignatureScheme
    enabled: bool
    created_at: datetime
    updated_at: datetime


class IssuedWebhookEndpointOut(BaseModel):
    """An endpoint with its signing secret, shown only in this response."""

    endpoint: WebhookEndpointOut
    secret: str


class WebhookEndpointList(BaseModel):
    """A partner's webhook endpoints, oldest first."""

    items: list[WebhookEndpointOut]


class MePartner(BaseModel):
    """The calling partner."""

    id: str
    name: str
    kind: PartnerKind


class MeClient(BaseModel):
    """The calling client."""

    client_id: str
    name: str
    client_type: ClientType
    allowed_scopes: list[str]
    redirect_uris: list[str]


class PartnerMe(BaseModel):
    """Who the partner credentials belong to."""

    partner: MePartner
    client: MeClient
