"""Reads of the platform's public (unauthenticated) JSON API, shared by the demo apps."""

from __future__ import annotations

from typing import Any

import httpx

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import PlatformUnavailable


async def public_json(
    http: httpx.AsyncClient,
    config: PartnerAppConfig,
    path: str,
    params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON object at ``path``; :class:`PlatformUnavailable` unless the platform said 200."""
    try:
        answer = await http.get(config.platform(path), params=params)
    except httpx.HTTPError as exc:
        raise PlatformUnavailable(str(exc)) from None
    if answer.status_code != 200:
        raise PlatformUnavailable(f"{path} answered {answer.status_code}")
    body: dict[str, Any] = answer.json()
    return body
