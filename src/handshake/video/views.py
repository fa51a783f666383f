"""HTML pages of videos: the shop's player pages."""

from __future__ import annotations

from handshake.video import shop_views
from handshake.web.routing import DomainRouter

router = DomainRouter(include_in_schema=False)
router.include_router(shop_views.router)
