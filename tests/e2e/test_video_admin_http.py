"""The operator's video API: videos with WebVTT captions, tags, suggestions, reviews, export."""

from __future__ import annotations

import httpx

from handshake.bootstrap import Container
from tests.assistant_helpers import kitchen_shop
from tests.attribution_helpers import make_worker
from tests.linking_helpers import bearer, register_app, row_count
from tests.offers_helpers import client_credentials_token
from tests.shop_helpers import ready_shopper
from tests.video_helpers import admin, create_video, tag_video


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


async def _video_rows(client: httpx.AsyncClient, container: Container) -> list[str]:
    listed = await client.get("/api/v1/admin/videos", headers=await admin(client, container))
    return [v["title"] for v in listed.json()["items"]]


async def test_rejected_suggestions_stay_rejected_and_approved_ones_are_not_repeated(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    video = await create_video(client, container)
    headers = await admin(client, container)
    path = f"/api/v1/admin/videos/{video['id']}"
    first = (await client.post(f"{path}/suggestions", headers=headers)).json()["suggested"]
    glass, toaster, travel = first
    for tag, decision in ((glass, "approved"), (toaster, "rejected")):
        review = await client.post(f"{path}/tags/{tag['id']}/review", json={"status": decision},
                                   headers=headers)  # fmt: skip
        assert review.json()["status"] == decision

    again = (await client.post(f"{path}/suggestions", headers=headers)).json()

    assert [s["product_id"] for s in again["suggested"]] == [ids["kettlo-travel"]]
    assert again["skipped"] == 2
    detail = (await client.get(path, headers=headers)).json()
    assert sorted((t["product_id"], t["status"]) for t in detail["tags"]) == sorted([
        (ids["brewell-glass"], "approved"), (ids["brewell-toaster"], "rejected"),
        (ids["kettlo-travel"], "suggested"),
    ])  # fmt: skip
    assert detail["tag_counts"] == {"suggested": 1, "approved": 1, "rejected": 1}
    assert travel["id"] not in {t["id"] for t in detail["tags"]}  # replaced by the new run


async def test_new_captions_queue_a_suggestion_run(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    headers = await admin(client, container)
    await make_worker(container).run_until_idle()
    path = f"/api/v1/admin/videos/{video['id']}"
    assert (await client.get(path, headers=headers)).json()["tags"] == []

    captions = "WEBVTT\n\n00:00:02.000 --> 00:00:05.500\nLook at the Vaporo Tempo kettle.\n"
    changed = await client.patch(path, json={"captions_vtt": captions}, headers=headers)
    assert changed.status_code == 200, changed.text
    await make_worker(container).run_until_idle()

    [tag] = (await client.get(path, headers=headers)).json()["tags"]
    assert (tag["product_id"], tag["sku"], tag["start_ms"], tag["end_ms"]) == (
        ids["vaporo-tempo"], "VAP-TEMPO", 2000, 6000,
    )  # fmt: skip
    assert (tag["source"], tag["status"], tag["confidence"]) == ("suggested", "suggested", 1.0)
    assert tag["evidence"].endswith("Look at the Vaporo Tempo kettle.")


async def test_bad_videos_are_refused_with_a_code_and_nothing_is_stored(
    client: httpx.AsyncClient, container: Container
) -> None:
    headers = await admin(client, container)
    base = {"title": "T", "media_url": "/v.webm", "duration_ms": 10_000, "language": "en"}
    cases = [
        ({"captions_vtt": "hello"}, "invalid_captions"),
        ({"captions_vtt": "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n"}, "invalid_captions"),
        ({"captions_vtt": "WEBVTT\n\n00:00:05.000 --> 00:00:12.000\nx\n"}, "invalid_captions"),
        ({"captions_vtt": "WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nx\n"}, "invalid_captions"),
        ({"media_url": "javascript:alert(1)"}, "invalid_video"),
        ({"media_url": "//evil.example/v.webm"}, "invalid_video"),
        ({"language": "english!"}, "invalid_video"),
        ({"title": "a\u0000b"}, "invalid_video"),
        (
            {"captions_vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nnul \u0000\n"},
            "invalid_video",
        ),
        ({"owner_partner_id": "prt_missing"}, "video_owner_invalid"),
    ]
    for fields, code in cases:
        answer = await client.post("/api/v1/admin/videos", json={**base, **fields}, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, code), fields
    captions = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n1:2 --> 3\nx\n"
    unread = await client.post(
        "/api/v1/admin/videos", headers=headers, json={**base, "captions_vtt": captions}
    )
    assert unread.json()["line"] == 6
    assert await _video_rows(client, container) == []


async def test_tags_must_fit_the_video_and_name_a_variant(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    video = await create_video(client, container, duration_ms=10_000, captions_vtt=None)
    headers = await admin(client, container)
    path = f"/api/v1/admin/videos/{video['id']}/tags"
    box = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}
    cases = [
        ({"start_ms": 5000, "end_ms": 5000}, "invalid_tag_timing"),
        ({"start_ms": 6000, "end_ms": 4000}, "invalid_tag_timing"),
        ({"start_ms": 6000, "end_ms": 10_001}, "invalid_tag_timing"),
        ({"sku": "NOPE"}, "variant_not_found"),
        ({"sku": None, "variant_id": None}, "variant_not_found"),
        ({"hotspots": [{"at_ms": 500, **box}]}, "invalid_hotspot"),
        ({"hotspots": [{"at_ms": 2000, **box}, {"at_ms": 2000, **box}]}, "invalid_hotspot"),
        ({"hotspots": [{"at_ms": 2000, **box, "x": 0.9}]}, "invalid_hotspot"),
    ]
    for fields, code in cases:
        body = {"sku": "BRW-GLASS", "start_ms": 1000, "end_ms": 4000, **fields}
        answer = await client.post(path, json=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (422, code), fields
    detail = await client.get(f"/api/v1/admin/videos/{video['id']}", headers=headers)
    assert detail.json()["tags"] == []
    unstorable = await client.post(path, json={"sku": "BRW\u0000GLASS", "start_ms": 0,
                                               "end_ms": 1000}, headers=headers)  # fmt: skip
    assert (unstorable.status_code, unstorable.json()["code"]) == (422, "variant_not_found")


async def test_moving_a_tag_keeps_its_key_frames_inside_and_a_video_cannot_cut_it(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    frames = [{"at_ms": 1000, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
              {"at_ms": 7000, "x": 0.5, "y": 0.1, "w": 0.2, "h": 0.2}]  # fmt: skip
    tag = await tag_video(client, container, video["id"], hotspots=frames)
    headers = await admin(client, container)
    path = f"/api/v1/admin/videos/{video['id']}"

    changes = {"start_ms": 5000, "end_ms": 12_000, "sku": "VAP-GLASS"}
    moved = await client.patch(f"{path}/tags/{tag['id']}", headers=headers, json=changes)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start_ms"], moved.json()["end_ms"], moved.json()["sku"]) == (
        5000, 12_000, "VAP-GLASS",
    )  # fmt: skip
    assert moved.json()["hotspots"] == frames[1:]

    for nulled in ("start_ms", "end_ms", "call_to_action", "hotspots"):
        refused = await client.patch(f"{path}/tags/{tag['id']}", json={nulled: None},
                                     headers=headers)  # fmt: skip
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_tag_timing"), nulled
    past = await client.patch(f"{path}/tags/{tag['id']}", json={"end_ms": 40_000}, headers=headers)
    assert (past.status_code, past.json()["code"]) == (422, "invalid_tag_timing")
    for nulled in ("status", "title", "duration_ms", "language", "media_url"):
        refused = await client.patch(path, json={nulled: None}, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_video"), nulled
    shorter = await client.patch(path, json={"duration_ms": 11_000}, headers=headers)
    assert (shorter.status_code, shorter.json()["code"]) == (409, "video_shorter_than_tags")
    detail = (await client.get(path, headers=headers)).json()
    assert detail["duration_ms"] == 30_000
    assert (detail["tags"][0]["start_ms"], detail["tags"][0]["end_ms"]) == (5000, 12_000)


async def test_deleting_tags_and_videos(client: httpx.AsyncClient, container: Container) -> None:
    await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    tag = await tag_video(client, container, video["id"])
    headers = await admin(client, container)
    path = f"/api/v1/admin/videos/{video['id']}"
    assert (await client.delete(f"{path}/tags/{tag['id']}", headers=headers)).status_code == 204
    missing = await client.delete(f"{path}/tags/{tag['id']}", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "video_tag_not_found")
    await tag_video(client, container, video["id"])
    assert (await client.delete(path, headers=headers)).status_code == 204
    assert await row_count(container, "video_tags") == 0
    assert await _video_rows(client, container) == []


async def test_the_video_api_is_for_operators(
    client: httpx.AsyncClient, container: Container
) -> None:
    answer = await client.get("/api/v1/admin/videos")
    assert answer.status_code == 401
    body = {"title": "T", "media_url": "/v.webm", "duration_ms": 1000, "language": "en"}
    assert (await client.post("/api/v1/admin/videos", json=body)).status_code == 401
    app = await register_app(container, kind="video")
    partner = bearer(await client_credentials_token(client, app))
    as_partner = await client.post("/api/v1/admin/videos", json=body, headers=partner)
    assert as_partner.status_code == 401
    await ready_shopper(client, container)
    as_shopper = await client.get("/api/v1/admin/videos")
    assert (as_shopper.status_code, as_shopper.json()["code"]) == (403, "not_an_operator")
    assert await row_count(container, "videos") == 0
