"""Errors of the video domain, each with a stable code."""

from __future__ import annotations

from handshake.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied

# Managing a partner's own videos takes the app's client-credentials token (linking owns it).
from handshake.linking.errors import AppTokenRequired as AppTokenRequired


class VideoNotFound(NotFound):
    """No such video, or one the caller may not see (another partner's, or a draft)."""

    code = "video_not_found"


class VideoTagNotFound(NotFound):
    """No such tag on this video."""

    code = "video_tag_not_found"


class InvalidCaptions(InvalidInput):
    """Captions that are not well-formed WebVTT, or cues outside the video."""

    code = "invalid_captions"


class InvalidTagTiming(InvalidInput):
    """A tag range that is inverted, empty or outside the video."""

    code = "invalid_tag_timing"


class InvalidHotspot(InvalidInput):
    """A hotspot key frame outside the picture, outside the tag's range, or out of order."""

    code = "invalid_hotspot"


class InvalidVideo(InvalidInput):
    """A video field that breaks a rule (duration, media URL, language)."""

    code = "invalid_video"


class TagVariantNotFound(InvalidInput):
    """The tag names a variant the catalog does not have."""

    code = "variant_not_found"


class TooManyTags(Conflict):
    """The video already carries ``video.max_tags_per_video`` tags."""

    code = "too_many_tags"


class VideoShortened(Conflict):
    """A new duration would leave tags or captions past the end of the video."""

    code = "video_shorter_than_tags"


class VideoPartnerOnly(PermissionDenied):
    """Only video partners (and the store itself) show videos."""

    code = "partner_kind_not_allowed"
    title = "Not a video partner"


class VideoOwnerInvalid(InvalidInput):
    """A video can belong only to an existing partner of kind video."""

    code = "video_owner_invalid"
