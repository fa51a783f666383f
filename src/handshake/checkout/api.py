"""The checkout JSON routes: partner checkout and orders, the shopper's orders, operators'."""

from __future__ import annotations

from handshake.checkout import admin_api, me_api, partner_api
from handshake.web.routing import DomainRouter

router = DomainRouter()
router.include_router(partner_api.router)
router.include_router(me_api.router)
router.include_router(admin_api.router)
