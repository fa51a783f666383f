"""The demo's sample videos: loaded once, tagged as the manifest draws them, the product spoken
but untagged waiting as a suggestion, and their shipped files served under /static/demo."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from handshake.bootstrap import Container
from handshake.demo import video_seed
from handshake.demo.errors import DemoDataRejected
from handshake.demo.loader import load_catalog, load_demo
from handshake.demo.people import PARTNERS
from handshake.demo.report import DemoReport
from handshake.demo.video_seed import VIDEOS_DIR, DemoVideo, read_manifest
from handshake.partners import service as partners
from handshake.video import service as videos
from handshake.video.service import VideoDetail
from tests.linking_helpers import row_count

# What the captions' suggestions find for each video: the one product spoken but not tagged.
SUGGESTED = {
    "morning-coffee": ("BRI-KT0224-BLK", 15200, 18000),
    "cosy-living-room": ("SON-SB0209-BLK", 15200, 18000),
}
OWNERS = {"morning-coffee": "store", "cosy-living-room": "video_partner"}


def _approved(detail: VideoDetail) -> list[tuple[object, ...]]:
    return [
        (v.variant.sku if v.variant else None, v.tag.start_ms, v.tag.end_ms, v.key_frames,
         v.tag.call_to_action, v.tag.source)
        for v in sorted(detail.tags, key=lambda v: v.tag.start_ms)
        if v.tag.status == "approved"
    ]  # fmt: skip


def _expected_approved(demo: DemoVideo) -> list[tuple[object, ...]]:
    return [
        (s.sku, s.start_ms, s.end_ms, list(s.key_frames),
         s.call_to_action.value if s.call_to_action else None, "manual")
        for s in demo.tagged
    ]  # fmt: skip


async def _check_video(container: Container, demo: DemoVideo, video_id: str, reels: str) -> None:
    detail = await videos.get_video(uow=container.read_uow(), video_id=video_id)
    video = detail.video
    assert (video.media_url, video.poster_url) == (
        f"/static/demo/videos/{demo.file}", f"/static/demo/videos/{demo.poster}",
    )  # fmt: skip
    assert (video.language, video.duration_ms, video.status) == (
        demo.language, demo.duration_ms, "published",
    )  # fmt: skip
    owner = {"store": None, "video_partner": reels}[OWNERS[demo.key]]
    assert video.owner_partner_id == owner
    assert video.captions_vtt == (VIDEOS_DIR / demo.captions).read_text(encoding="utf-8")
    assert _approved(detail) == _expected_approved(demo)
    suggested = [
        (v.variant.sku if v.variant else None, v.tag.start_ms, v.tag.end_ms, v.tag.confidence,
         v.tag.source, v.tag.hotspots)
        for v in detail.tags if v.tag.status == "suggested"
    ]  # fmt: skip
    assert suggested == [(*SUGGESTED[demo.key], 1.0, "suggested", [])]
    assert [s.sku for s in demo.untagged] == [SUGGESTED[demo.key][0]]


async def _check_served(client: httpx.AsyncClient, demo: DemoVideo) -> None:
    for name, content_type in (
        (demo.file, "video/webm"),
        (demo.poster, "image/jpeg"),
        (demo.captions, "text/vtt; charset=utf-8"),
    ):
        response = await client.get(f"/static/demo/videos/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == content_type
        assert response.content == (VIDEOS_DIR / name).read_bytes()


async def test_demo_videos_load_once_tagged_suggested_and_served(
    container: Container, client: httpx.AsyncClient
) -> None:
    manifest = read_manifest()
    assert [d.key for d in manifest] == list(SUGGESTED)
    steps = [f"video {d.title}" for d in manifest]

    first = await load_demo(container)
    second = await load_demo(container)

    assert [s for s in first.created if s.startswith("video ")] == steps
    assert [s for s in second.already_loaded if s.startswith("video ")] == steps
    assert second.nothing_new
    listed = {s.video.title: s for s in await videos.list_videos(uow=container.read_uow())}
    assert sorted(listed) == sorted(d.title for d in manifest)  # each created once
    for demo in manifest:
        counts = dict(listed[demo.title].tag_counts)
        assert counts == {"approved": len(demo.tagged), "suggested": 1, "rejected": 0}
    reels_name = next(p.name for p in PARTNERS if p.kind == "video")
    by_name = {p.name: p for p in await partners.list_partners(uow=container.read_uow())}
    assert reels_name == "Reels"
    for demo in manifest:
        await _check_video(container, demo, listed[demo.title].video.id, by_name["Reels"].id)
        await _check_served(client, demo)


async def test_a_video_whose_tag_is_refused_is_not_left_half_tagged(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_catalog(container)
    first = read_manifest()[0]
    scenes = (first.scenes[0], replace(first.scenes[1], sku="NO-SUCH-SKU"), *first.scenes[2:])
    monkeypatch.setattr(video_seed, "read_manifest", lambda: [replace(first, scenes=scenes)])

    with pytest.raises(DemoDataRejected, match="NO-SUCH-SKU"):
        await video_seed.ensure_videos(container, DemoReport())

    assert await videos.list_videos(uow=container.read_uow()) == []
    assert await row_count(container, "video_tags") == 0
