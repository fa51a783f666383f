"""FastAPI dependencies for partner-authenticated routes (``/partner/v1/...``).

Credentials and the partner's status are read from the database on every request — never
cached — so a suspension or revocation takes effect on the very next call.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from handshake.partners import service
from handshake.partners.errors import InvalidClient
from handshake.partners.service import PartnerClientPrincipal
from handshake.web.deps import ReadUow


def parse_basic_credentials(header: str | None) -> HTTPBasicCredentials | None:
    """``client_id:client_secret`` from a Basic header (RFC 6749 §2.3.1), None if unusable."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    if not separator or not client_id:
        return None
    # RFC 6749 form-encodes both parts before base64; ours are URL-safe, but clients may encode.
    return HTTPBasicCredentials(username=unquote(client_id), password=unquote(secret))


class PartnerBasicAuth(HTTPBasic):
    """HTTP Basic that never answers by itself, so every failure is one ``invalid_client``."""

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        return parse_basic_credentials(request.headers.get("Authorization"))


partner_basic = PartnerBasicAuth(
    scheme_name="PartnerClientBasic",
    realm="handshake partners",
    description="OAuth client credentials: HTTP Basic with client_id and client_secret.",
    auto_error=False,
)


async def authenticated_partner_client(
    uow: ReadUow,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(partner_basic)],
) -> PartnerClientPrincipal:
    """The calling confidential client; 401 ``invalid_client`` or 403 ``partner_suspended``."""
    if credentials is None:
        raise InvalidClient("Authenticate with HTTP Basic: your client_id and client_secret.")
    return await service.authenticate_client(
        uow=uow, client_id=credentials.username, client_secret=credentials.password
    )


AuthenticatedPartnerClient = Annotated[
    PartnerClientPrincipal, Depends(authenticated_partner_client)
]
