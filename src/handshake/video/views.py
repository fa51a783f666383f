"""HTML pages of videos: the operator dashboard's list and tag editor, and the shop's player."""

from __future__ import annotations

from handshake.video import admin_views, shop_views
from handshake.web.routing import DomainRouter

router = DomainRouter(include_in_schema=False)
router.include_router(admin_views.router)
router.include_router(shop_views.router)
