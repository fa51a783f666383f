"""HTML pages of attribution (the operator dashboard's overview and channel report)."""

from __future__ import annotations

from handshake.attribution import admin_views
from handshake.web.routing import DomainRouter

router = DomainRouter(include_in_schema=False)
router.include_router(admin_views.router)
