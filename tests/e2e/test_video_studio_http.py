"""A video partner's own videos: added, tagged and reviewed with the app's own token only."""

from __future__ import annotations

from typing import Any

import httpx

from handshake.bootstrap import Container
from tests.assistant_helpers import kitchen_shop
from tests.linking_helpers import bearer, link_tokens, register_app, row_count
from tests.offers_helpers import client_credentials_token
from tests.shop_helpers import ready_shopper
from tests.video_helpers import KITCHEN_CAPTIONS, admin

STUDIO = "/partner/v1/studio/videos"
OWN_VIDEO = {"title": "Unboxing", "media_url": "https://cdn.reels.example/unboxing.webm",
             "duration_ms": 30_000, "language": "en", "captions_vtt": KITCHEN_CAPTIONS,
             "status": "published"}  # fmt: skip


async def _app_headers(client: httpx.AsyncClient, container: Container, name: str) -> Any:
    app = await register_app(container, kind="video", name=name)
    return app, bearer(await client_credentials_token(client, app))


async def test_a_partner_adds_tags_and_shows_its_own_video_once_per_key(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    app, headers = await _app_headers(client, container, "Studio")
    keyed = {**headers, "Idempotency-Key": "video-1"}

    first = await client.post(STUDIO, json=OWN_VIDEO, headers=keyed)
    again = await client.post(STUDIO, json=OWN_VIDEO, headers=keyed)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await row_count(container, "videos") == 1
    video = first.json()
    assert (video["owner_partner_id"], video["status"]) == (app.partner_id, "published")
    body = {"sku": "BRW-SMART", "start_ms": 2000, "end_ms": 6000, "call_to_action": "add_to_cart"}
    tag = await client.post(f"{STUDIO}/{video['id']}/tags", headers=headers, json=body)
    assert (tag.status_code, tag.json()["status"], tag.json()["source"]) == (
        201, "approved", "manual",
    )  # fmt: skip
    shown = await client.get(f"/partner/v1/videos/{video['id']}/tags", headers=headers)
    assert [t["product"]["sku"] for t in shown.json()["tags"]] == ["BRW-SMART"]
    assert shown.json()["video"]["owner"] == "you"
    listed = await client.get(STUDIO, headers=headers)
    assert [v["id"] for v in listed.json()["items"]] == [video["id"]]
    operator = await client.get("/api/v1/admin/videos", headers=await admin(client, container))
    assert [v["owner_partner_id"] for v in operator.json()["items"]] == [app.partner_id]


async def test_a_partner_reviews_the_suggestions_for_its_video(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    _, headers = await _app_headers(client, container, "Studio")
    video = (await client.post(STUDIO, json=OWN_VIDEO, headers=headers)).json()
    operator = await admin(client, container)
    run = await client.post(f"/api/v1/admin/videos/{video['id']}/suggestions", headers=operator)
    suggestion = run.json()["suggested"][0]

    review = await client.post(f"{STUDIO}/{video['id']}/tags/{suggestion['id']}/review",
                               json={"status": "approved"}, headers=headers)  # fmt: skip

    assert review.json()["status"] == "approved"
    detail = await client.get(f"{STUDIO}/{video['id']}", headers=headers)
    assert detail.json()["tag_counts"] == {"suggested": 2, "approved": 1, "rejected": 0}


async def test_other_partners_and_shopper_tokens_cannot_manage_a_video(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    _, owner = await _app_headers(client, container, "Owner")
    video = (await client.post(STUDIO, json=OWN_VIDEO, headers=owner)).json()
    placed = {"sku": "BRW-GLASS", "start_ms": 0, "end_ms": 900}
    tag = (await client.post(f"{STUDIO}/{video['id']}/tags", headers=owner, json=placed)).json()
    _, other = await _app_headers(client, container, "Other")
    assert (await client.get(STUDIO, headers=other)).json()["items"] == []
    tag_path = f"{STUDIO}/{video['id']}/tags/{tag['id']}"
    for method, path, body in (
        ("PATCH", tag_path, {"end_ms": 2000}),
        ("POST", f"{tag_path}/review", {"status": "rejected"}),
        ("DELETE", tag_path, None),
        ("GET", f"{STUDIO}/{video['id']}", None),
        ("PATCH", f"{STUDIO}/{video['id']}", {"title": "Mine now"}),
        ("DELETE", f"{STUDIO}/{video['id']}", None),
        ("POST", f"{STUDIO}/{video['id']}/tags", {"sku": "BRW-GLASS", "start_ms": 0, "end_ms": 9}),
    ):
        answer = await client.request(method, path, json=body, headers=other)
        assert (answer.status_code, answer.json()["code"]) == (404, "video_not_found"), method

    await ready_shopper(client, container)
    app = await register_app(container, kind="video", name="Linked")
    tokens = await link_tokens(client, app, scope="profile offers")
    refused = await client.post(STUDIO, json=OWN_VIDEO, headers=bearer(tokens["access_token"]))
    assert (refused.status_code, refused.json()["code"]) == (403, "client_credentials_required")
    local = await client.post(STUDIO, json={**OWN_VIDEO, "media_url": "/static/x.webm"},
                              headers=owner)  # fmt: skip
    assert (local.status_code, local.json()["code"]) == (422, "invalid_video")
    assert await row_count(container, "videos") == 1
    assert await row_count(container, "video_tags") == 1
    kept = await client.get(f"{STUDIO}/{video['id']}", headers=owner)
    assert [(t["end_ms"], t["status"]) for t in kept.json()["tags"]] == [(900, "approved")]
    detail = await client.get(f"/api/v1/admin/videos/{video['id']}",
                              headers=await admin(client, container))  # fmt: skip
    assert detail.json()["title"] == "Unboxing"
