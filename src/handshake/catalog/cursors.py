"""Opaque keyset-pagination cursors: the sort key of the last item, signed by nothing.

The cursor only carries a position (no filters, no secrets), so tampering can at worst move the
page; anything that does not decode to a well-formed position is refused.
"""

from __future__ import annotations

import base64
import binascii
import json

from handshake.catalog.errors import InvalidCursor
from handshake.kernel.ids import is_id

_VERSION = 1


def encode(last_id: str) -> str:
    """The cursor of the page that follows the item ``last_id``."""
    raw = json.dumps({"v": _VERSION, "after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, prefix: str = "prd") -> str:
    """The item id (with ``prefix``) a cursor points after; InvalidCursor on anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidCursor("The cursor is not one this API issued.") from None
    if not isinstance(data, dict) or data.get("v") != _VERSION:
        raise InvalidCursor("The cursor is not one this API issued.")
    after = data.get("after")
    if not isinstance(after, str) or not is_id(after, prefix):
        raise InvalidCursor("The cursor is not one this API issued.")
    return after
