"""Dashboard video pages: the list and its add form, the tag editor's forms, and the JSON call
its timeline makes when a bar is dragged (operator session + CSRF header)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx

from handshake.bootstrap import Container
from handshake.video import service
from handshake.video.service import VideoDetail
from handshake.web.csrf import CSRF_COOKIE
from tests.accounts_helpers import signed_in_shopper
from tests.admin_helpers import post_form, signed_in_operator, text_of
from tests.assistant_helpers import kitchen_shop
from tests.linking_helpers import register_app
from tests.video_helpers import KITCHEN_CAPTIONS, create_video, tag_video

CAPTIONS = "WEBVTT\r\n\r\n00:00:01.000 --> 00:00:03.500\r\nThe Vaporo Tempo kettle.\r\n"


async def _detail(container: Container, video_id: str) -> VideoDetail:
    return await service.get_video(uow=container.read_uow(), video_id=video_id)


async def _ranges(container: Container, video_id: str) -> dict[str, tuple[int, int, str]]:
    """Tag id → (start, end, status), as stored."""
    detail = await _detail(container, video_id)
    return {v.tag.id: (v.tag.start_ms, v.tag.end_ms, v.tag.status) for v in detail.tags}


def _testids(page: str, testid: str) -> list[str]:
    """The text of every element with ``data-testid=testid``."""
    found = re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)).strip() for text in found]


def _editor_data(page: str) -> dict[str, Any]:
    match = re.search(r'id="video-editor-data">(.*?)</script>', page, re.S)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


async def _suggested_video(
    client: httpx.AsyncClient, container: Container, token: str
) -> tuple[str, dict[str, str]]:
    """A kitchen video with a person's tag and the three suggestions of its captions; its id and
    the ids of its tags by SKU."""
    await kitchen_shop(container)
    video = await create_video(client, container)
    await tag_video(client, container, video["id"], sku="VAP-TEMPO", start_ms=25_000,
                    end_ms=29_000)  # fmt: skip
    run = await post_form(client, f"/admin/videos/{video['id']}/suggestions", token)
    assert (run.status_code, run.headers["location"]) == (
        303, f"/admin/videos/{video['id']}?done=suggested",
    )  # fmt: skip
    detail = await _detail(container, video["id"])
    return video["id"], {v.variant.sku: v.tag.id for v in detail.tags if v.variant}


async def test_the_list_shows_each_video_and_the_form_adds_one(
    client: httpx.AsyncClient, container: Container
) -> None:
    reelio = await register_app(container, kind="video", name="Reelio")
    token = await signed_in_operator(client, container)
    await create_video(client, container, title="Kitchen morning", captions_vtt=None)
    added = await post_form(
        client, "/admin/videos", token, title="Tempo unboxing", media_url="/static/v/tempo.webm",
        duration_s="12,5", language="fr", owner_partner_id=reelio.partner_id,
        captions_vtt=CAPTIONS, status="published",
    )  # fmt: skip
    assert added.status_code == 303, added.text
    video_id = added.headers["location"].removeprefix("/admin/videos/").split("?")[0]
    assert added.headers["location"] == f"/admin/videos/{video_id}?done=video_added"
    video = (await _detail(container, video_id)).video
    assert (video.title, video.media_url, video.duration_ms, video.language) == (
        "Tempo unboxing", "/static/v/tempo.webm", 12_500, "fr",
    )  # fmt: skip
    assert (video.owner_partner_id, video.status) == (reelio.partner_id, "published")
    assert video.captions_vtt == CAPTIONS.replace("\r\n", "\n")

    page = await client.get("/admin/videos")
    assert page.status_code == 200
    assert _testids(page.text, "edit-video") == ["Tempo unboxing", "Kitchen morning"]
    assert _testids(page.text, "video-owner") == ["Reelio", "Store"]
    assert _testids(page.text, "video-status") == ["published", "published"]
    assert _testids(page.text, "video-duration") == ["0:12.5", "0:30.0"]
    assert _testids(page.text, "count-suggested") == ["0", "0"]
    assert f'href="/admin/videos/{video_id}"' in page.text
    assert 'aria-current="page"' in page.text.split('data-testid="nav-videos"')[1][:40]


async def test_a_refused_video_shows_why_keeps_what_was_typed_and_stores_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    typed = {"title": "Broken captions", "media_url": "/static/v/x.webm", "duration_s": "10",
             "language": "en", "owner_partner_id": "", "status": "draft"}  # fmt: skip
    cases = [
        ({"captions_vtt": "WEBVTT\n\n00:00:05.000 --> 00:00:12.000\nToo late.\n"},
         "The cue at line 3 ends after the video (12000 ms > 10000)."),
        ({"captions_vtt": "hello"}, None),
        ({"duration_s": "ten"}, "Give the duration in seconds, such as 12.5."),
        ({"media_url": "javascript:alert(1)"},
         "media_url must be an http(s) URL or a path starting with /."),
        ({"owner_partner_id": "prt_missing"},
         "A video belongs to the store (no owner) or to a partner of kind video."),
    ]  # fmt: skip
    for fields, message in cases:
        page = await post_form(client, "/admin/videos", token, **{**typed, **fields})
        assert page.status_code == 422, fields
        shown = text_of(page.text, "form-error")
        assert shown == html.escape(message) if message else shown.startswith("Captions are not")
        assert 'value="Broken captions"' in page.text
    assert await service.list_videos(uow=container.read_uow()) == []


async def test_the_editor_shows_tags_suggestions_and_cues(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    video_id, ids = await _suggested_video(client, container, token)
    page = await client.get(f"/admin/videos/{video_id}?done=suggested")
    assert page.status_code == 200
    assert text_of(page.text, "flash") == "Suggestions updated from the captions."
    assert 'src="/static/demo/videos/kitchen.webm"' in page.text
    assert _testids(page.text, "tag-sku") == ["BRW-GLASS", "BRW-TOAST", "KTL-TRAVEL", "VAP-TEMPO"]
    assert _testids(page.text, "tag-status") == ["suggested"] * 3 + ["approved"]
    assert _testids(page.text, "tag-range") == [
        "0:01.0 – 0:05.0", "0:12.0 – 0:16.0", "0:20.0 – 0:24.0", "0:25.0 – 0:29.0",
    ]  # fmt: skip
    assert len(_testids(page.text, "tag-confidence")) == 3
    evidence = _testids(page.text, "tag-evidence")
    assert evidence[0].endswith("Morning! Water goes into the Brewell glass kettle first.")
    assert _testids(page.text, "approve") == ["Approve"] * 3  # not for the approved tag
    cues = re.findall(r'data-seek-ms="(\d+)"', page.text)
    assert cues == ["1000", "5000", "12000", "20000"]
    assert "It boils fast, and the glass lets you watch it." in page.text
    data = _editor_data(page.text)
    assert (data["duration_ms"], data["api"]) == (30_000, f"/api/v1/admin/videos/{video_id}")
    assert sorted((t["sku"], t["start_ms"], t["end_ms"], t["status"]) for t in data["tags"]) == [
        ("BRW-GLASS", 1000, 5000, "suggested"), ("BRW-TOAST", 12000, 16000, "suggested"),
        ("KTL-TRAVEL", 20000, 24000, "suggested"), ("VAP-TEMPO", 25000, 29000, "approved"),
    ]  # fmt: skip
    assert '<script src="/static/video/editor.js" defer></script>' in page.text
    assert (await client.get("/static/video/editor.js")).status_code == 200
    track = await client.get(f"/api/v1/admin/videos/{video_id}/tags.vtt")  # the export link
    assert track.status_code == 200
    assert track.headers["content-type"] == "text/vtt; charset=utf-8"
    assert ids["VAP-TEMPO"] in track.text
    assert ids["BRW-GLASS"] not in track.text
    french = await client.get(f"/admin/videos/{video_id}?lang=fr")
    assert _testids(french.text, "approve") == ["Accepter"] * 3


async def test_reviews_through_the_forms_change_the_status(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    video_id, ids = await _suggested_video(client, container, token)
    base = f"/admin/videos/{video_id}"
    for sku, decision in (("BRW-GLASS", "approved"), ("BRW-TOAST", "rejected")):
        done = await post_form(client, f"{base}/tags/{ids[sku]}/review", token, status=decision)
        assert done.headers["location"] == f"{base}?done={decision}"
    refused = await post_form(
        client, f"{base}/tags/{ids['KTL-TRAVEL']}/review", token, form="review", status="suggested"
    )
    assert refused.status_code == 422
    assert text_of(refused.text, "form-error") == "Approve or reject."
    ranges = await _ranges(container, video_id)
    statuses = {tag_id: status for tag_id, (_, _, status) in ranges.items()}
    assert statuses == {
        ids["BRW-GLASS"]: "approved", ids["BRW-TOAST"]: "rejected",
        ids["KTL-TRAVEL"]: "suggested", ids["VAP-TEMPO"]: "approved",
    }  # fmt: skip
    page = await client.get("/admin/videos")
    assert _testids(page.text, "count-approved") == ["2"]
    assert _testids(page.text, "count-rejected") == ["1"]


async def test_dragging_saves_the_exact_range_and_a_refused_one_changes_nothing(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in_operator(client, container)
    await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    tag = await tag_video(client, container, video["id"], start_ms=1000, end_ms=8000)
    path = f"/api/v1/admin/videos/{video['id']}/tags/{tag['id']}"
    client.headers.pop("Authorization", None)
    csrf = {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}

    moved = await client.patch(path, json={"start_ms": 2700, "end_ms": 9700}, headers=csrf)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["start_ms"], moved.json()["end_ms"]) == (2700, 9700)
    assert await _ranges(container, video["id"]) == {tag["id"]: (2700, 9700, "approved")}

    past_end = await client.patch(path, json={"start_ms": 25000, "end_ms": 32000}, headers=csrf)
    assert (past_end.status_code, past_end.json()["code"]) == (422, "invalid_tag_timing")
    assert past_end.json()["detail"] == "A tag cannot end after the video (30000 ms)."
    before_start = await client.patch(path, json={"start_ms": -300, "end_ms": 6700}, headers=csrf)
    assert before_start.status_code == 422
    forged = await client.patch(path, json={"start_ms": 0, "end_ms": 7000})  # no CSRF header
    assert (forged.status_code, forged.json()["code"]) == (403, "csrf_failed")
    assert await _ranges(container, video["id"]) == {tag["id"]: (2700, 9700, "approved")}

    box = {"at_ms": 3000, "x": 0.25, "y": 0.5, "w": 0.2, "h": 0.3}
    drawn = await client.patch(path, json={"hotspots": [box]}, headers=csrf)
    assert drawn.json()["hotspots"] == [box]
    assert (await _detail(container, video["id"])).tags[0].tag.hotspots == [box]


async def test_the_range_form_moves_a_tag_without_javascript(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    tag = await tag_video(client, container, video["id"], start_ms=1000, end_ms=8000)
    path = f"/admin/videos/{video['id']}/tags/{tag['id']}/range"
    form = f"range-{tag['id']}"
    saved = await post_form(client, path, token, form=form, start_s="2.5", end_s="6")
    assert saved.headers["location"] == f"/admin/videos/{video['id']}?done=saved"
    assert await _ranges(container, video["id"]) == {tag["id"]: (2500, 6000, "approved")}
    refused = await post_form(client, path, token, form=form, start_s="20", end_s="40")
    assert refused.status_code == 422
    assert text_of(refused.text, "form-error") == "A tag cannot end after the video (30000 ms)."
    assert f'id="end-{tag["id"]}" name="end_s" inputmode="decimal" required value="40"' in (
        refused.text
    )
    assert await _ranges(container, video["id"]) == {tag["id"]: (2500, 6000, "approved")}


async def test_adding_a_tag_at_a_time_and_refusing_an_unknown_sku(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    await kitchen_shop(container)
    video = await create_video(client, container, captions_vtt=None)
    base = f"/admin/videos/{video['id']}"
    added = await post_form(client, f"{base}/tags", token, form="tag", sku="BRW-STEEL",
                            start_s="10.2", end_s="14.2", call_to_action="add_to_cart")  # fmt: skip
    assert added.headers["location"] == f"{base}?done=tag_added"
    [view] = (await _detail(container, video["id"])).tags
    assert (view.variant.sku if view.variant else None, view.tag.start_ms, view.tag.end_ms) == (
        "BRW-STEEL", 10_200, 14_200,
    )  # fmt: skip
    assert (view.tag.status, view.tag.source, view.tag.call_to_action) == (
        "approved", "manual", "add_to_cart",
    )  # fmt: skip
    unknown = await post_form(client, f"{base}/tags", token, form="tag", sku="NOPE-1",
                              start_s="1", end_s="5", call_to_action="view")  # fmt: skip
    assert unknown.status_code == 422
    assert text_of(unknown.text, "form-error") == "No variant &#39;NOPE-1&#39; in the catalog."
    assert 'name="sku" required maxlength="64" value="NOPE-1"' in unknown.text
    assert 'data-kept="true"' in unknown.text  # the typed times stay, not the playhead's
    vague = await post_form(client, f"{base}/tags", token, form="tag", sku="BRW-STEEL",
                            start_s="soon", end_s="5", call_to_action="view")  # fmt: skip
    assert text_of(vague.text, "form-error") == "Give the start in seconds, such as 12.5."
    assert 'id="tag-start" name="start_s" inputmode="decimal" required value="soon"' in vague.text
    assert len((await _detail(container, video["id"])).tags) == 1


async def test_publish_captions_details_and_deletions(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = await signed_in_operator(client, container)
    await kitchen_shop(container)
    video = await create_video(client, container, status="draft")
    tag = await tag_video(client, container, video["id"])
    base = f"/admin/videos/{video['id']}"
    published = await post_form(client, f"{base}/status", token, status="published")
    assert published.headers["location"] == f"{base}?done=published"
    assert (await _detail(container, video["id"])).video.status == "published"

    late = "WEBVTT\n\n00:00:29.000 --> 00:00:31.000\nToo late.\n"
    refused = await post_form(client, f"{base}/captions", token, form="captions", captions_vtt=late)
    assert refused.status_code == 422
    assert "Too late." in refused.text  # what was typed is shown again
    assert (await _detail(container, video["id"])).video.captions_vtt == KITCHEN_CAPTIONS
    await post_form(client, f"{base}/captions", token, form="captions", captions_vtt=CAPTIONS)
    detail = await _detail(container, video["id"])
    assert [(c.start_ms, c.end_ms, c.text) for c in detail.cues] == [
        (1000, 3500, "The Vaporo Tempo kettle.")
    ]

    shorter_fields = {"form": "details", "title": "Short", "media_url": "/v.webm",
                      "duration_s": "5", "language": "en", "owner_partner_id": ""}  # fmt: skip
    shorter = await post_form(client, f"{base}/details", token, **shorter_fields)
    assert shorter.status_code == 409  # the tag ends at 8 s
    assert (await _detail(container, video["id"])).video.title == "Kitchen morning"
    longer = {**shorter_fields, "title": "Kitchen noon", "duration_s": "20"}
    await post_form(client, f"{base}/details", token, **longer)
    assert (await _detail(container, video["id"])).video.duration_ms == 20_000

    await post_form(client, f"{base}/tags/{tag['id']}/delete", token)
    assert (await _detail(container, video["id"])).tags == []
    gone = await post_form(client, f"{base}/delete", token)
    assert gone.headers["location"] == "/admin/videos?done=deleted"
    assert await service.list_videos(uow=container.read_uow()) == []


async def test_visitors_and_shoppers_cannot_see_or_change_videos(
    client: httpx.AsyncClient, container: Container
) -> None:
    anonymous = await client.get("/admin/videos/vid_x?x=1")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/admin/signin?next=%2Fadmin%2Fvideos%2Fvid_x%3Fx%3D1"
    login = await signed_in_shopper(client, container)
    assert (await client.get("/admin/videos")).status_code == 403
    fields = {"title": "Sneaky", "media_url": "/v.webm", "duration_s": "10", "language": "en"}
    posted = await post_form(client, "/admin/videos", login.csrf_token, **fields)
    assert (posted.status_code, posted.json()["code"]) == (403, "not_an_operator")
    assert await service.list_videos(uow=container.read_uow()) == []
