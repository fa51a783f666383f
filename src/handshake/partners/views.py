"""HTML pages of partners (the operator dashboard's partner pages)."""

from __future__ import annotations

from handshake.partners import admin_views
from handshake.web.routing import DomainRouter

router = DomainRouter(include_in_schema=False)
router.include_router(admin_views.router)
