"""Video partners: tags with the linked shopper's live offers, the WebVTT track, visibility,
and a tag's impression, tap and purchase flowing into ad events and the attributed order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from handshake.attribution import attributing, reports
from handshake.attribution.performance import CommissionRates, Grouping
from handshake.attribution.report_periods import report_period
from handshake.bootstrap import Container
from handshake.checkout.models import Order
from handshake.kernel import clock
from tests.assistant_helpers import kitchen_shop
from tests.attribution_helpers import make_worker, stored_events
from tests.linking_helpers import PartnerApp, bearer, link_tokens, register_app
from tests.offers_helpers import client_credentials_token
from tests.shop_helpers import ready_shopper
from tests.video_helpers import admin, create_video, tag_video

PROBLEM = "application/problem+json"


async def _linked_video_app(
    client: httpx.AsyncClient, container: Container
) -> tuple[PartnerApp, dict[str, str]]:
    """A member shopper (signed in on ``client``) linked to a new video app."""
    await ready_shopper(client, container, member=True)
    app = await register_app(container, kind="video", name="ReelsTest")
    tokens = await link_tokens(client, app, scope="profile offers checkout orders")
    return app, bearer(tokens["access_token"])


async def _tags(client: httpx.AsyncClient, video_id: str, headers: dict[str, str]) -> Any:
    answer = await client.get(f"/partner/v1/videos/{video_id}/tags", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_linked_shopper_gets_approved_tags_with_member_price_and_offer_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    app, headers = await _linked_video_app(client, container)
    video = await create_video(client, container)
    frames = [{"at_ms": 1000, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25},
              {"at_ms": 4000, "x": 0.5, "y": 0.2, "w": 0.3, "h": 0.25}]  # fmt: skip
    steel = await tag_video(client, container, video["id"], sku="BRW-STEEL", hotspots=frames)
    rejected = await tag_video(client, container, video["id"], sku="BRW-TOAST", start_ms=9000,
                                end_ms=12_000)  # fmt: skip
    review = await client.post(
        f"/api/v1/admin/videos/{video['id']}/tags/{rejected['id']}/review",
        json={"status": "rejected"}, headers=await admin(client, container),
    )  # fmt: skip
    assert review.json()["status"] == "rejected"

    body = await _tags(client, video["id"], headers)

    assert (body["linked"], body["link_account_url"]) == (True, None)
    assert body["video"]["owner"] == "store"
    assert body["video"]["media_url"] == "http://127.0.0.1:8000/static/demo/videos/kitchen.webm"
    [tag] = body["tags"]
    assert (tag["id"], tag["start_ms"], tag["end_ms"]) == (steel["id"], 1000, 8000)
    assert tag["hotspots"] == frames
    assert tag["call_to_action"] == "buy_now"
    assert tag["product"]["sku"] == "BRW-STEEL"
    offer = tag["offer"]["offer"]
    assert (offer["price"]["minor"], offer["member_price_applied"]) == (3500, True)
    assert offer["offer_token"]
    assert offer["checkout"] == {"possible": True, "blockers": []}
    assert tag["tracking"] == {"channel": "video", "placement_id": "video",
                               "campaign_id": video["id"], "creative_id": steel["id"]}  # fmt: skip
    assert app.partner_id


async def test_anonymous_viewers_get_list_prices_and_a_link_prompt(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    app = await register_app(container, kind="video")
    token = await client_credentials_token(client, app)
    video = await create_video(client, container)
    await tag_video(client, container, video["id"], sku="BRW-STEEL")

    body = await _tags(client, video["id"], bearer(token))

    assert body["linked"] is False
    assert body["link_account_url"].startswith("http")
    offer = body["tags"][0]["offer"]["offer"]
    assert (offer["price"]["minor"], offer["member_price_applied"]) == (3900, False)
    assert offer["offer_token"] is None


async def test_only_published_store_or_own_videos_are_shown(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    mine = await register_app(container, kind="video", name="Mine")
    other = await register_app(container, kind="video", name="Other")
    headers = bearer(await client_credentials_token(client, mine))
    store = await create_video(client, container, title="Store")
    own = await create_video(client, container, title="Own", owner_partner_id=mine.partner_id)
    theirs = await create_video(
        client, container, title="Theirs", owner_partner_id=other.partner_id
    )
    draft = await create_video(client, container, title="Draft", status="draft")

    listed = await client.get("/partner/v1/videos", headers=headers)
    assert [(v["title"], v["owner"]) for v in listed.json()["items"]] == [
        ("Own", "you"),
        ("Store", "store"),
    ]
    assert listed.json()["items"][0]["tags_url"].endswith(f"/partner/v1/videos/{own['id']}/tags")
    for hidden in (theirs, draft):
        answer = await client.get(f"/partner/v1/videos/{hidden['id']}/tags", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (404, "video_not_found")
        track = await client.get(f"/partner/v1/videos/{hidden['id']}/tags.vtt", headers=headers)
        assert track.status_code == 404
    assert store["id"]


async def test_other_partner_kinds_are_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    social = await register_app(container, kind="social")
    video = await create_video(client, container)
    headers = bearer(await client_credentials_token(client, social))
    for path in ("", f"/{video['id']}/tags", f"/{video['id']}/tags.vtt"):
        answer = await client.get(f"/partner/v1/videos{path}", headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "partner_kind_not_allowed")


async def test_track_exports_approved_tags_as_json_cues(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    app = await register_app(container, kind="video")
    video = await create_video(client, container)
    frame = {"at_ms": 61_500, "x": 0.25, "y": 0.5, "w": 0.5, "h": 0.25}
    longer = await client.patch(
        f"/api/v1/admin/videos/{video['id']}", json={"duration_ms": 120_000},
        headers=await admin(client, container),
    )  # fmt: skip
    assert longer.status_code == 200, longer.text
    tag = await tag_video(client, container, video["id"], sku="BRW-GLASS", start_ms=61_500,
                          end_ms=74_500, hotspots=[frame])  # fmt: skip
    headers = bearer(await client_credentials_token(client, app))

    answer = await client.get(f"/partner/v1/videos/{video['id']}/tags.vtt", headers=headers)

    assert answer.headers["content-type"] == "text/vtt; charset=utf-8"
    cue = (
        '{"call_to_action":"buy_now","hotspots":[{"at_ms":61500,"h":0.25,"w":0.5,"x":0.25,'
        f'"y":0.5}}],"product_id":"{tag["product_id"]}","sku":"BRW-GLASS",'
        f'"tag_id":"{tag["id"]}","title":"Brewell Glass kettle 1.5 L",'
        f'"variant_id":"{tag["variant_id"]}"}}'
    )
    blocks = answer.text.split("\n\n")
    assert blocks[0] == f"WEBVTT - product tags of video {video['id']}"
    assert blocks[2:] == [f"{tag['id']}\n00:01:01.500 --> 00:01:14.500\n{cue}\n"]


async def test_impression_tap_and_purchase_flow_into_attribution(
    client: httpx.AsyncClient, container: Container
) -> None:
    await kitchen_shop(container)
    app, headers = await _linked_video_app(client, container)
    video = await create_video(client, container)
    await tag_video(client, container, video["id"], sku="BRW-STEEL")
    tag = (await _tags(client, video["id"], headers))["tags"][0]
    now = (clock.now() - timedelta(minutes=1)).isoformat()
    events = [
        {"event_id": f"imp-{tag['id']}", "type": kind, "occurred_at": now, "sku": "BRW-STEEL",
         "offer_token": tag["offer"]["offer"]["offer_token"], **tag["tracking"]}
        for kind in ("impression",)
    ] + [{"event_id": f"tap-{tag['id']}", "type": "click", "occurred_at": now,
          "sku": "BRW-STEEL", **tag["tracking"]}]  # fmt: skip
    reported = await client.post("/partner/v1/events", json={"events": events}, headers=headers)
    assert reported.status_code == 202, reported.text
    [click] = reported.json()["clicks"]

    session = await client.post(
        "/partner/v1/checkout-sessions", headers=headers, json={
            "items": [{"offer_token": tag["offer"]["offer"]["offer_token"], "quantity": 1}],
            "click_id": click["click_id"]},
    )  # fmt: skip
    assert session.status_code == 201, session.text
    done = await client.post(
        f"/partner/v1/checkout-sessions/{session.json()['id']}/complete",
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        json={"confirmation": {"shopper_confirmed": True, "currency": "EUR",
                               "total_minor": session.json()["totals"]["total_minor"]}},
    )  # fmt: skip
    assert done.status_code == 201, done.text
    await make_worker(container).run_until_idle()

    stored = await stored_events(container)
    assert [(e.kind, e.channel, e.campaign_id, e.creative_id) for e in stored] == [
        ("impression", "video", video["id"], tag["id"]),
        ("click", "video", video["id"], tag["id"]),
    ]
    async with container.read_uow() as uow:
        order = await uow.session.get(Order, done.json()["order"]["id"])  # type: ignore[attr-defined]
    assert order is not None
    assert (order.click_id, order.partner_id) == (click["click_id"], app.partner_id)
    policy = attributing.AttributionPolicy.from_settings(container.settings)
    await attributing.catch_up(uow_factory=container.uow, policy=policy)  # the job may be due
    report = await reports.performance_report(
        uow=container.read_uow(),
        request=reports.ReportRequest(period=report_period(), grouping=Grouping.CREATIVE),
        rates=CommissionRates(1000),
    )
    [row] = report.rows
    assert (row.partner_id, row.channel, row.campaign_id, row.creative_id) == (
        app.partner_id, None, video["id"], tag["id"]
    )  # fmt: skip
    f = row.figures
    assert (f.impressions, f.clicks, f.orders) == (1, 1, 1)
    assert f.revenue_minor == order.total_minor
    assert [(c.channel, c.figures.orders) for c in report.channels] == [("video", 1)]
