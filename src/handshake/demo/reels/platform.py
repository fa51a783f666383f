"""Reels' calls to the store: the videos it may show, a video's tags with live offers, and ad
events about those tags.

A linked shopper's calls use their token (their prices, offer tokens, attributed events); anyone
else's use Reels' own client-credentials token. When a link ended meanwhile, the call is made
again anonymously, as the shopper now is.
"""

from __future__ import annotations

from typing import Any

import httpx

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import (
    ClientToken,
    LinkedShoppers,
    NotLinked,
    PlatformUnavailable,
)
from handshake.demo.reels.player import PLACEMENT


class VideoGone(Exception):
    """The store does not show this video to Reels (unknown, a draft, another app's)."""


class ReelsPlatform:
    """The store's partner API as Reels uses it."""

    def __init__(
        self, http: httpx.AsyncClient, config: PartnerAppConfig, linked: LinkedShoppers
    ) -> None:
        self.http, self.config, self.linked = http, config, linked
        self.anonymous = ClientToken(http, config, "offers")

    async def call(self, subject: str | None, method: str, path: str, **kwargs: Any) -> Any:
        """The answer to a call for ``subject`` (None: anonymous), anonymous again when the
        link ended meanwhile; :class:`PlatformUnavailable` when the store is away."""
        try:
            if subject is not None:
                return await self.linked.request(subject, method, path, **kwargs)
            token = await self.anonymous.get()
            return await self.http.request(
                method, self.config.platform(path), **kwargs,
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
        except NotLinked:
            return await self.call(None, method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(str(exc)) from None

    async def videos(self) -> list[dict[str, Any]]:
        """The published videos Reels may show (the store's and its own), newest first."""
        answer = await self.call(None, "GET", "/partner/v1/videos")
        if answer.status_code != 200:
            raise PlatformUnavailable(f"videos answered {answer.status_code}")
        return list(answer.json()["items"])

    async def tags(self, subject: str | None, video_id: str) -> dict[str, Any]:
        """The video with its approved tags and their offers (the shopper's own when linked)."""
        answer = await self.call(
            subject, "GET", f"/partner/v1/videos/{video_id}/tags",
            params={"placement_id": PLACEMENT, "lang": "en"},
        )  # fmt: skip
        if answer.status_code in (404, 422):
            raise VideoGone(video_id)
        if answer.status_code != 200:
            raise PlatformUnavailable(f"tags answered {answer.status_code}")
        body: dict[str, Any] = answer.json()
        return body

    async def report(self, subject: str | None, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Report ad events; the store's receipt (``accepted``, ``duplicates``, ``clicks``)."""
        answer = await self.call(subject, "POST", "/partner/v1/events", json={"events": events})
        if answer.status_code != 202:
            raise PlatformUnavailable(f"events answered {answer.status_code}")
        body: dict[str, Any] = answer.json()
        return body
