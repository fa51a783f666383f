"""Errors of devices, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import (
    BadRequest,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unavailable,
)


class InvalidDeviceGrant(InvalidInput):
    """Sharing choices that break a rule (a purpose never offered, a past expiry…)."""

    code = "invalid_device_grant"


class ModeNotLinked(PermissionDenied):
    """A sharing mode the shopper's link with the maker does not allow (its OAuth scopes)."""

    code = "sharing_mode_not_linked"


class DeviceGrantNotFound(NotFound):
    """No device grant of this shopper for this maker."""

    code = "device_grant_not_found"


class DeviceGrantConflict(Conflict):
    """Another change of the same grant won a race (two first grants at once): retry."""

    code = "device_grant_conflict"


class GatewayRequestInvalid(BadRequest):
    """An event the gateway cannot read (Alexa: INVALID_REQUEST_EXCEPTION)."""

    code = "invalid_device_event"


class SharingEnded(PermissionDenied):
    """The grant or the link is gone: the maker must stop sending (Alexa: SKILL_DISABLED)."""

    code = "device_sharing_ended"


class PurposeNotGranted(PermissionDenied):
    """A read of stored device data for a purpose the shopper's grant does not hold."""

    code = "purpose_not_granted"


class MakerUnreachable(Unavailable):
    """The maker's directive endpoint did not answer in time, or not with an Alexa event."""

    code = "device_maker_unreachable"


class NoDirectiveEndpoint(Conflict):
    """The maker has not registered where it receives directives."""

    code = "no_directive_endpoint"


class DeviceRefused(Conflict):
    """The maker answered with an Alexa ErrorResponse (its type in ``device_error``)."""

    code = "device_refused"


class NotAllowedByGrant(PermissionDenied):
    """A command or query the shopper's grant does not allow: refused before it left."""

    code = "not_allowed_by_grant"


class UnknownDirective(InvalidInput):
    """A directive this platform does not send."""

    code = "unknown_directive"


class ReceiptNotFound(NotFound):
    """No such consent receipt of this device grant."""

    code = "receipt_not_found"
