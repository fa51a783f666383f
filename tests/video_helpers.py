"""Shared helpers of the video tests: a captioned video of the kitchen shop over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from handshake.bootstrap import Container
from tests.accounts_helpers import operator_headers

KITCHEN_CAPTIONS = """WEBVTT

1
00:00:01.000 --> 00:00:04.000
<v Host>Morning! Water goes into the Brewell glass kettle first.

2
00:00:05.000 --> 00:00:08.000
It boils fast, and the glass lets you watch it.

3
00:00:12.000 --> 00:00:15.000
For bread, this Brewell two-slice toaster browns it evenly.

4
00:00:20.000 --> 00:00:23.000
Travelling? I pack the Kettlo Travel kettle.
"""


async def admin(client: httpx.AsyncClient, container: Container) -> dict[str, str]:
    """Headers of the operator API."""
    return await operator_headers(container)


async def create_video(
    client: httpx.AsyncClient, container: Container, **fields: Any
) -> dict[str, Any]:
    """A published 30-second kitchen video with captions (fields override); its document."""
    body = {"title": "Kitchen morning", "media_url": "/static/demo/videos/kitchen.webm",
            "duration_ms": 30_000, "language": "en", "captions_vtt": KITCHEN_CAPTIONS,
            "status": "published", **fields}  # fmt: skip
    response = await client.post(
        "/api/v1/admin/videos", json=body, headers=await admin(client, container)
    )
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


async def tag_video(
    client: httpx.AsyncClient, container: Container, video_id: str, **fields: Any
) -> dict[str, Any]:
    """A person's tag (approved) on the video; its document."""
    body = {"sku": "BRW-GLASS", "start_ms": 1000, "end_ms": 8000, "call_to_action": "buy_now",
            **fields}  # fmt: skip
    response = await client.post(
        f"/api/v1/admin/videos/{video_id}/tags", json=body, headers=await admin(client, container)
    )
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document
