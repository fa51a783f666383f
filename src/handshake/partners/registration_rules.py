"""Validation of what operators register: partner fields, kinds, client scopes, event types."""

from __future__ import annotations

from collections.abc import Sequence

from email_validator import EmailNotValidError, validate_email

from handshake.partners import endpoint_urls, event_types, scopes
from handshake.partners.errors import (
    InvalidPartnerField,
    NoEventTypes,
    NoScopes,
    ScopeNotAllowedForKind,
    UnknownClientType,
    UnknownEventType,
    UnknownPartnerKind,
    UnknownScope,
)
from handshake.partners.kinds import ClientType, PartnerKind

MAX_NAME_LENGTH = 120
MAX_REASON_LENGTH = 500


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


def check_event_types(names: Sequence[str]) -> list[str]:
    """Registered event types, de-duplicated in order; at least one."""
    unique = list(dict.fromkeys(names))
    if not unique:
        raise NoEventTypes("Subscribe the endpoint to at least one event type.")
    unknown = event_types.unknown_event_types(unique)
    if unknown:
        raise UnknownEventType(
            f"Unknown event type {unknown[0]!r}.",
            extra={"event_type": unknown[0], "known": list(event_types.WEBHOOK_EVENT_TYPES)},
        )
    return unique


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
