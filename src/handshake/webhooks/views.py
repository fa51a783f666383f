"""HTML pages of webhooks (the operator dashboard's delivery log)."""

from __future__ import annotations

from handshake.web.routing import DomainRouter
from handshake.webhooks import admin_views

router = DomainRouter(include_in_schema=False)
router.include_router(admin_views.router)
