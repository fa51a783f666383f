"""Validation of what operators register: partner fields, kinds, client scopes, event types,
webhook signature schemes and the signing secrets agent platforms issue (ACP)."""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email

from handshake.partners import endpoint_urls, event_types, scopes
from handshake.partners.errors import (
    EventTypesNotForScheme,
    InvalidPartnerField,
    InvalidSigningSecret,
    NoEventTypes,
    NoScopes,
    ScopeNotAllowedForKind,
    UnknownClientType,
    UnknownEventType,
    UnknownPartnerKind,
    UnknownScope,
    UnknownSignatureScheme,
)
from handshake.partners.kinds import ClientType, PartnerKind
from handshake.partners.models import SignatureScheme

MAX_NAME_LENGTH = 120
MAX_REASON_LENGTH = 500
# A shared secret an agent platform issued for ACP's Merchant-Signature (the column holds 100).
ACP_SECRET_LENGTHS = (16, 100)


def clean_name(name: str, *, field: str = "name") -> str:
    """``name`` with collapsed whitespace, 1 to MAX_NAME_LENGTH characters."""
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= MAX_NAME_LENGTH:
        raise InvalidPartnerField(
            f"The {field} must have 1 to {MAX_NAME_LENGTH} characters.", extra={"field": field}
        )
    return cleaned


def clean_email(email: str) -> str:
    """The normalised contact e-mail address."""
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidPartnerField(
            f"The contact e-mail is not valid: {exc}", extra={"field": "contact_email"}
        ) from None


def clean_website(website: str | None) -> str | None:
    """A public http(s) address, or None when blank."""
    if website is None or not website.strip():
        return None
    problem = endpoint_urls.website_problem(website.strip())
    if problem:
        raise InvalidPartnerField(
            f"The website is not valid: {problem}.", extra={"field": "website"}
        )
    return website.strip()


def parse_kind(kind: PartnerKind | str) -> PartnerKind:
    """``kind`` as a :class:`PartnerKind`, or :class:`UnknownPartnerKind`."""
    try:
        return PartnerKind(kind)
    except ValueError:
        allowed = [k.value for k in PartnerKind]
        raise UnknownPartnerKind(
            f"Unknown partner kind {kind!r}; use one of {', '.join(allowed)}.",
            extra={"kind": str(kind), "allowed": allowed},
        ) from None


def check_scopes(kind: PartnerKind, requested: Sequence[str] | None) -> list[str]:
    """The scopes a client of a ``kind`` partner gets: all allowed ones when None is given."""
    if requested is None:
        return scopes.scopes_for_kind(kind)
    names = list(dict.fromkeys(requested))
    if not names:
        raise NoScopes("A client needs at least one scope.")
    unknown = scopes.unknown_scopes(names)
    if unknown:
        raise UnknownScope(
            f"Unknown scope {unknown[0]!r}.",
            extra={"scope": unknown[0], "known": list(scopes.SCOPES)},
        )
    refused = scopes.scopes_not_allowed(kind, names)
    if refused:
        raise ScopeNotAllowedForKind(
            f"Scope {refused[0]!r} is not allowed for partners of kind {kind.value!r}.",
            extra={
                "scope": refused[0],
                "kind": kind.value,
                "allowed": scopes.scopes_for_kind(kind),
            },
        )
    return names


def check_event_types(
    names: Sequence[str], scheme: SignatureScheme = SignatureScheme.STANDARD_WEBHOOKS
) -> list[str]:
    """Registered event types, de-duplicated in order; at least one, all for ``scheme``."""
    unique = list(dict.fromkeys(names))
    if not unique:
        raise NoEventTypes("Subscribe the endpoint to at least one event type.")
    unknown = event_types.unknown_event_types(unique)
    if unknown:
        raise UnknownEventType(
            f"Unknown event type {unknown[0]!r}.",
            extra={"event_type": unknown[0], "known": list(event_types.WEBHOOK_EVENT_TYPES)},
        )
    _check_scheme(unique, scheme)
    return unique


def _check_scheme(names: Sequence[str], scheme: SignatureScheme) -> None:
    """ACP endpoints take only ``acp.*`` event types; other endpoints none of them."""

    def fits(name: str) -> bool:
        return event_types.is_acp_event_type(name) == (scheme is SignatureScheme.ACP)

    wrong = [name for name in names if not fits(name)]
    if wrong:
        rule = "only acp.* event types" if scheme is SignatureScheme.ACP else "no acp.* type"
        raise EventTypesNotForScheme(
            f"Event type {wrong[0]!r} is not for {scheme.value} endpoints: they take {rule}.",
            extra={
                "event_type": wrong[0],
                "signature_scheme": scheme.value,
                "allowed": [t for t in event_types.WEBHOOK_EVENT_TYPES if fits(t)],
            },
        )


def parse_signature_scheme(scheme: SignatureScheme | str) -> SignatureScheme:
    """``scheme`` as a :class:`SignatureScheme`, or :class:`UnknownSignatureScheme`."""
    try:
        return SignatureScheme(scheme)
    except ValueError:
        allowed = [s.value for s in SignatureScheme]
        raise UnknownSignatureScheme(
            f"Unknown signature scheme {scheme!r}; use one of {', '.join(allowed)}.",
            extra={"signature_scheme": str(scheme), "allowed": allowed},
        ) from None


def check_given_secret(scheme: SignatureScheme, secret: str | None) -> str | None:
    """A secret the agent platform issued (ACP only: 16 to 100 printable ASCII characters)."""
    if secret is None:
        return None
    if scheme is not SignatureScheme.ACP:
        raise InvalidSigningSecret(
            "Only ACP endpoints take a given signing secret; others get a generated one.",
            extra={"field": "signing_secret", "signature_scheme": scheme.value},
        )
    low, high = ACP_SECRET_LENGTHS
    printable = all(" " <= char <= "~" for char in secret) and secret == secret.strip()
    if not (low <= len(secret) <= high and printable):
        raise InvalidSigningSecret(
            f"The signing secret must have {low} to {high} printable ASCII characters, "
            "without spaces around.",
            extra={"field": "signing_secret"},
        )
    return secret


def clean_reason(reason: str) -> str:
    """A suspension reason with collapsed whitespace, 1 to MAX_REASON_LENGTH characters."""
    cleaned = " ".join(reason.split())
    if not 1 <= len(cleaned) <= MAX_REASON_LENGTH:
        raise InvalidPartnerField(
            f"Give a reason of 1 to {MAX_REASON_LENGTH} characters.", extra={"field": "reason"}
        )
    return cleaned


def parse_client_type(client_type: ClientType | str) -> ClientType:
    """``client_type`` as a :class:`ClientType`, or :class:`UnknownClientType`."""
    try:
        return ClientType(client_type)
    except ValueError:
        raise UnknownClientType(
            f"Unknown client type {client_type!r}; use confidential or public.",
            extra={"client_type": str(client_type)},
        ) from None
