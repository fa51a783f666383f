"""The shop's own video pages: the store's published videos with tags and the shopper's price."""

from __future__ import annotations

import json

import httpx

from handshake.bootstrap import Container
from tests.assistant_helpers import kitchen_shop
from tests.linking_helpers import register_app
from tests.shop_helpers import ready_shopper
from tests.video_helpers import create_video, tag_video


def _tags_block(html: str) -> dict[str, object]:
    start = html.index('<script type="application/json" id="video-tags">') + len(
        '<script type="application/json" id="video-tags">'
    )
    parsed: dict[str, object] = json.loads(html[start : html.index("</script>", start)])
    return parsed


async def test_a_member_watches_a_store_video_with_member_prices(
    client: httpx.AsyncClient, container: Container
) -> None:
    ids = await kitchen_shop(container)
    await ready_shopper(client, container, member=True)
    video = await create_video(client, container)
    frame = {"at_ms": 1000, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25}
    tag = await tag_video(client, container, video["id"], sku="BRW-STEEL", hotspots=[frame])
    await create_video(client, container, title="Draft one", status="draft")

    listed = await client.get("/videos")
    assert listed.status_code == 200
    assert "Kitchen morning" in listed.text
    assert "Draft one" not in listed.text

    page = await client.get(f"/videos/{video['id']}")
    assert page.status_code == 200
    assert f'src="/videos/{video["id"]}/tags.vtt?lang=en"' in page.text
    [shown] = _tags_block(page.text)["tags"]  # type: ignore[misc]
    assert shown == {
        "id": tag["id"], "start_ms": 1000, "end_ms": 8000, "hotspots": [frame],
        "call_to_action": "buy_now", "variant_id": tag["variant_id"],
        "product_id": ids["brewell-steel"], "sku": "BRW-STEEL",
        "title": "Brewell Steel kettle 1.7 L",
        "offer": {"price": "35.00 EUR", "list_price": "39.00 EUR", "member_price": True,
                  "availability": "in_stock", "delivery": shown["offer"]["delivery"]},
    }  # fmt: skip
    assert shown["offer"]["delivery"]

    track = await client.get(f"/videos/{video['id']}/tags.vtt")
    assert track.headers["content-type"] == "text/vtt; charset=utf-8"
    assert f"{tag['id']}\n00:00:01.000 --> 00:00:08.000\n" in track.text


async def test_drafts_and_partner_videos_are_not_on_the_shop(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    draft = await create_video(client, container, status="draft", title="Draft")
    app = await register_app(container, kind="video")
    theirs = await create_video(client, container, title="Theirs",
                                owner_partner_id=app.partner_id)  # fmt: skip
    listed = await client.get("/videos")
    assert "Theirs" not in listed.text
    assert "Draft" not in listed.text
    for path in (f"/videos/{draft['id']}", f"/videos/{draft['id']}/tags.vtt", "/videos/vid_nope",
                 f"/videos/{theirs['id']}", f"/videos/{theirs['id']}/tags.vtt"):  # fmt: skip
        answer = await client.get(path)
        assert answer.status_code == 404, path
