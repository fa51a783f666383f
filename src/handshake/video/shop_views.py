"""The shop's own video pages: the store's published videos, played with tag overlays.

Tapping a tag opens a sheet with the signed-in shopper's price (member price for members),
stock and delivery promise, and Add to cart; the same tags are a public WebVTT track.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from handshake.accounts.deps import OptionalShopper
from handshake.kernel.money import Money
from handshake.offers.composition import Offer
from handshake.offers.deps import offer_policy
from handshake.video import showing
from handshake.video.tagging import TagView
from handshake.web.deps import ReadUow
from handshake.web.routing import DomainRouter
from handshake.web.templating import templates_of

router = DomainRouter(include_in_schema=False)


def _offer_fields(offer: Offer | None, lang: str) -> dict[str, Any] | None:
    if offer is None:
        return None
    pricing, delivery = offer.pricing, offer.delivery
    window = None if delivery is None else delivery.window
    return {
        "price": Money(pricing.unit_price_minor, pricing.currency).format_plain(),
        "list_price": Money(pricing.list_price_minor, pricing.currency).format_plain(),
        "member_price": pricing.member_price_applied,
        "availability": offer.availability.status,
        "delivery": None
        if window is None
        else (window.label_fr if lang == "fr" else window.label_en),
    }


def _tag_fields(view: TagView, offers: dict[str, Offer], lang: str) -> dict[str, Any]:
    variant = view.variant
    assert variant is not None  # only sold variants are shown
    return {
        "id": view.tag.id, "start_ms": view.tag.start_ms, "end_ms": view.tag.end_ms,
        "hotspots": [f.as_document() for f in view.key_frames],
        "call_to_action": view.tag.call_to_action, "variant_id": variant.variant_id,
        "product_id": variant.product_id, "sku": variant.sku,
        "title": variant.title(lang),
        "offer": _offer_fields(offers.get(variant.sku), lang),
    }  # fmt: skip


@router.get("/videos", response_class=HTMLResponse)
async def videos_page(request: Request, shopper: OptionalShopper, uow: ReadUow) -> HTMLResponse:
    """The store's published videos."""
    summaries = await showing.store_videos(uow=uow)
    context = {"videos": [s.video for s in summaries], "current_shopper": shopper}
    return templates_of(request).render(request, "video/shop_list.html", context)


@router.get("/videos/{video_id}", response_class=HTMLResponse)
async def watch_page(
    video_id: str, request: Request, shopper: OptionalShopper, uow: ReadUow
) -> HTMLResponse:
    """The player with the video's tags and the shopper's offers."""
    policy = offer_policy(request)
    shown = await showing.store_video(
        uow=uow, policy=policy, shopper_id=shopper.id if shopper else None, video_id=video_id
    )
    lang = templates_of(request).locale_for(request)
    context = {
        "video": shown.video, "current_shopper": shopper,
        "tags": [_tag_fields(v, shown.offers, lang) for v in shown.tags],
    }  # fmt: skip
    return templates_of(request).render(request, "video/watch.html", context)


@router.get("/videos/{video_id}/tags.vtt")
async def store_track(video_id: str, uow: ReadUow, lang: str = "en") -> Response:
    """The approved tags of a published store video as a WebVTT metadata track."""
    language = "fr" if lang == "fr" else "en"
    track = await showing.tags_track(uow=uow, video_id=video_id, partner_id=None, lang=language)
    return Response(track, media_type="text/vtt; charset=utf-8")
