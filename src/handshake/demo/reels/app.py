"""Reels' ASGI app: the video feed and player, tag taps opening the product sheet, in-app
checkout back to the same moment of the video, orders and the webhook log.

Start it with ``create_reels_app(PartnerAppConfig(...))`` (see ``handshake demo serve``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handshake.demo.partner_kit.config import PartnerAppConfig
from handshake.demo.partner_kit.linked import NAME, PlatformUnavailable
from handshake.demo.partner_kit.sessions import AppSession, csrf_ok
from handshake.demo.partner_kit.shop import ShoppingApp, http_client, serving_app
from handshake.demo.reels import viewings
from handshake.demo.reels.buying import ReelsCheckout
from handshake.demo.reels.platform import ReelsPlatform, VideoGone
from handshake.demo.reels.player import (
    ad_event,
    event_id,
    is_id,
    neighbours,
    offer_of,
    player_tag,
    resume_at,
    return_path,
    tag_ref,
)
from handshake.kernel import clock

HERE = Path(__file__).parent
AWAY = "The store is not answering right now; try again in a moment."


class Reels(ShoppingApp):
    """Everything Reels holds: its config, HTTP client, sessions, links, orders, viewings."""

    linked_notice = "Store account linked: tagged products now show your price and delivery."

    def __init__(self, config: PartnerAppConfig, http: httpx.AsyncClient) -> None:
        super().__init__(config, http, app_dir=HERE, brand="Reels", folder="reels")
        self.platform = ReelsPlatform(http, config, self.linked)

    async def home(self, request: Request) -> Response:
        """The feed: its newest video in the player."""
        return await self._player(request, None)

    async def watch(self, request: Request) -> Response:
        """One video in the player (``?t=`` seconds: resume there)."""
        return await self._player(request, request.path_params["video_id"])

    async def _player(self, request: Request, video_id: str | None) -> Response:
        session, subject = self.session(request)
        context: dict[str, Any] = {"video": None, "error": session.values.pop("flash_error", None),
                                   "notice": session.values.pop("flash", None)}  # fmt: skip
        status = 200
        try:
            videos = await self.platform.videos()
            video_id = video_id or (str(videos[0]["id"]) if videos else None)
            if video_id is not None:
                context |= await self._shown(request, session, subject, video_id)
                context["previous"], context["next"] = neighbours(videos, video_id)
        except VideoGone:
            context["gone"], status = True, 404
        except PlatformUnavailable:
            context["error"], status = AWAY, 503
        subject = self.linked.subject_of(session)  # None now if the link ended meanwhile
        context |= {"subject": subject, "linked_as": session.values.get(NAME)}
        return self.pages.render(request, session, "reels/watch.html", context, status)

    async def _shown(
        self, request: Request, session: AppSession, subject: str | None, video_id: str
    ) -> dict[str, Any]:
        """The player's context: the video, its tags and the page's JSON block."""
        if not is_id(video_id):
            raise VideoGone(video_id)
        shown = await self.platform.tags(subject, video_id)
        video, tags = shown["video"], shown["tags"]
        viewing = viewings.start(session, video_id, tags)
        start_at = resume_at(request.query_params.get("t"), int(video["duration_ms"]))
        player = {"video_id": video_id, "viewing": viewing, "start_at": start_at,
                  "tags": [player_tag(t) for t in tags]}  # fmt: skip
        return {"video": video, "tags": [(t, offer_of(t)) for t in tags], "player": player,
                "here": f"/watch/{video_id}"}  # fmt: skip

    async def _json(self, request: Request, session: AppSession) -> dict[str, Any] | None:
        """The player's JSON body when its CSRF header is right (None otherwise)."""
        if not csrf_ok(session, {"csrf_token": request.headers.get("x-csrf-token")}):
            return None
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def impression(self, request: Request) -> Response:
        """A tag showed for the first time in a viewing: one impression, whatever the retries."""
        session, subject = self.session(request)
        video_id = request.path_params["video_id"]
        body = await self._json(request, session)
        if body is None or not viewings.known(session, body.get("viewing")):
            return JSONResponse({"error": "bad_request"}, status_code=400)
        ref = viewings.ref(session, video_id, body.get("tag_id"))
        if ref is None:
            return JSONResponse({"error": "unknown_tag"}, status_code=404)
        identifier = event_id(viewings.viewer(session), body["viewing"], body["tag_id"],
                              "impression")  # fmt: skip
        try:
            receipt = await self.platform.report(
                subject, [ad_event("impression", ref, identifier, clock.now())]
            )
        except PlatformUnavailable:
            return JSONResponse({"error": "store_unavailable"}, status_code=503)
        return JSONResponse({"event_id": identifier, "accepted": receipt["accepted"],
                             "duplicates": receipt["duplicates"]}, status_code=202)  # fmt: skip

    async def tap(self, request: Request) -> Response:
        """A tag was tapped: report the click, answer the product sheet (its click id in the
        ``X-Click-Id`` header too)."""
        session, subject = self.session(request)
        video_id, tag_id = request.path_params["video_id"], request.path_params["tag_id"]
        body = await self._json(request, session)
        if body is None or not viewings.known(session, body.get("viewing")):
            return Response("Bad request.", status_code=400)
        back = return_path(video_id, body.get("at_ms"))
        context = {"video_id": video_id, "viewing": body["viewing"], "return_to": back}
        try:
            tag = await self._fresh_tag(session, subject, video_id, tag_id)
        except PlatformUnavailable:
            return self._sheet(request, session, {**context, "error": AWAY}, 503)
        if tag is None:
            return self._sheet(request, session, context, 404)
        click_id = await self._click(session, subject, tag, body["viewing"])
        context |= {"tag": tag, "offer": offer_of(tag), "click_id": click_id}
        response = self._sheet(request, session, context, 200)
        response.headers["X-Click-Id"] = click_id or ""
        return response

    async def _fresh_tag(
        self, session: AppSession, subject: str | None, video_id: str, tag_id: str
    ) -> dict[str, Any] | None:
        """The tag with its offer as of now (None: the store no longer shows it)."""
        if not (is_id(video_id) and is_id(tag_id)):
            return None
        try:
            tags = (await self.platform.tags(subject, video_id))["tags"]
        except VideoGone:
            return None
        viewings.remember(session, video_id, tags)
        return next((t for t in tags if t["id"] == tag_id), None)

    async def _click(
        self, session: AppSession, subject: str | None, tag: dict[str, Any], viewing: int,
    ) -> str | None:  # fmt: skip
        """Report the tap; its click id (None: the store did not take it)."""
        identifier = event_id(viewings.viewer(session), viewing, tag["id"], "click")
        try:
            receipt = await self.platform.report(
                subject, [ad_event("click", tag_ref(tag), identifier, clock.now())]
            )
        except PlatformUnavailable:
            return None  # the shopper may still buy; the order is then not tied to the ad
        clicks = {c["event_id"]: c["click_id"] for c in receipt.get("clicks", [])}
        return clicks.get(identifier)

    def _sheet(
        self, request: Request, session: AppSession, context: dict[str, Any], status: int
    ) -> Response:
        subject = self.linked.subject_of(session)
        context = {"tag": None, "offer": None, "click_id": None, "subject": subject,
                   "platform_url": self.config.platform_url, **context}  # fmt: skip
        return self.pages.render(request, session, "reels/sheet.html", context, status)

    async def add_to_cart(self, session: AppSession, subject: str, form: dict[str, str]) -> None:
        """The sheet's "Add to cart": an add_to_cart event of the viewing, if the tag is known."""
        video_id, tag_id = form.get("video_id", ""), form.get("tag_id")
        viewing = int(form["viewing"]) if form.get("viewing", "").isdecimal() else 0
        ref = viewings.ref(session, video_id, tag_id)
        if ref is None or tag_id is None or not viewings.known(session, viewing):
            return
        identifier = event_id(viewings.viewer(session), viewing, tag_id, "add_to_cart")
        with contextlib.suppress(PlatformUnavailable):  # the purchase matters more
            await self.platform.report(
                subject, [ad_event("add_to_cart", ref, identifier, clock.now())]
            )


def create_reels_app(
    config: PartnerAppConfig, *, http: httpx.AsyncClient | None = None
) -> Starlette:
    """Reels as an ASGI app (its HTTP client is closed on shutdown unless given)."""
    client = http_client(http)
    reels = Reels(config, client)

    routes = [
        Route("/", reels.home),
        Route("/watch/{video_id}", reels.watch),
        Route("/watch/{video_id}/impressions", reels.impression, methods=["POST"]),
        Route("/watch/{video_id}/tags/{tag_id}/tap", reels.tap, methods=["POST"]),
        *ReelsCheckout(reels).routes(),
        *reels.common_routes(),
    ]
    app = serving_app(routes, client, owned=http is None)
    app.state.reels = reels
    return app
