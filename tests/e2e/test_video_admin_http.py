"""The operator's video API: videos with WebVTT captions, tags, suggestions, reviews, export."""

from __future__ import annotations

import httpx

from handshake.bootstrap import Container
from tests.assistant_helpers import kitchen_shop
from tests.video_helpers import admin, create_video


async def test_suggestions_from_captions_then_review(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    video = await create_video(client, container)
    headers = await admin(client, container)
    run = await client.post(f"/api/v1/admin/videos/{video['id']}/suggestions", headers=headers)
    assert run.status_code == 200, run.text
    suggested = run.json()["suggested"]
    assert [(s["product_id"], s["start_ms"], s["end_ms"]) for s in suggested] == [
        (ids["brewell-glass"], 1000, 5000),
        (ids["brewell-toaster"], 12000, 16000),
        (ids["kettlo-travel"], 20000, 24000),
    ]
