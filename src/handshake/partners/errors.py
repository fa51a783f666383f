"""Errors of the partners domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)


class PartnerNotFound(NotFound):
    """No partner with this id."""

    code = "partner_not_found"


class ClientNotFound(NotFound):
    """No OAuth client with this id for this partner."""

    code = "client_not_found"


class WebhookEndpointNotFound(NotFound):
    """No webhook endpoint with this id for this partner."""

    code = "webhook_endpoint_not_found"


class PartnerNameTaken(Conflict):
    """Another partner already has this name."""

    code = "partner_name_taken"


class WebhookUrlTaken(Conflict):
    """The partner already has an endpoint with this URL."""

    code = "webhook_url_taken"


class PartnerAlreadySuspended(Conflict):
    """Suspending a partner that is already suspended."""

    code = "partner_already_suspended"


class PartnerNotSuspended(Conflict):
    """Reactivating a partner that is active."""

    code = "partner_not_suspended"


class ClientRevoked(Conflict):
    """The client was revoked; it can no longer change."""

    code = "client_revoked"


class PublicClientHasNoSecret(Conflict):
    """Public clients authenticate with PKCE, never with a secret."""

    code = "public_client_has_no_secret"


class UnknownScope(InvalidInput):
    """A scope name that is not in the registry."""

    code = "unknown_scope"


class ScopeNotAllowedForKind(InvalidInput):
    """The partner's kind may not request this scope."""

    code = "scope_not_allowed_for_kind"


class NoScopes(InvalidInput):
    """A client needs at least one scope."""

    code = "no_scopes"


class InvalidRedirectUri(InvalidInput):
    """A redirect URI breaks the registration rules."""

    code = "invalid_redirect_uri"


class RedirectUriRequired(InvalidInput):
    """Public clients only use the authorization code flow, which needs a redirect URI."""

    code = "redirect_uri_required"


class InvalidWebhookUrl(InvalidInput):
    """A webhook URL breaks the registration rules."""

    code = "invalid_webhook_url"


class UnknownEventType(InvalidInput):
    """An event type that is not in the webhook event registry."""

    code = "unknown_event_type"


class NoEventTypes(InvalidInput):
    """A webhook endpoint must subscribe to at least one event type."""

    code = "no_event_types"


class InvalidClient(Unauthenticated):
    """Unknown client, wrong secret, revoked client or no credentials (RFC 6749 §5.2)."""

    code = "invalid_client"
    challenge = 'Basic realm="handshake partners"'


class PartnerSuspended(PermissionDenied):
    """The partner is suspended: none of its calls is served."""

    code = "partner_suspended"


class UnknownPartnerKind(InvalidInput):
    """A partner kind that does not exist."""

    code = "unknown_partner_kind"


class InvalidPartnerField(InvalidInput):
    """A partner's name, contact e-mail, website or suspension reason is unusable."""

    code = "invalid_partner_field"


class UnknownClientType(InvalidInput):
    """A client type other than confidential or public."""

    code = "unknown_client_type"


class UnknownSignatureScheme(InvalidInput):
    """A webhook signature scheme other than standard_webhooks or acp."""

    code = "unknown_signature_scheme"


class EventTypesNotForScheme(InvalidInput):
    """ACP endpoints take only ``acp.*`` event types; other endpoints never take them."""

    code = "event_types_not_for_scheme"


class InvalidSigningSecret(InvalidInput):
    """A given signing secret is unusable, or given for an endpoint that generates its own."""

    code = "invalid_signing_secret"
