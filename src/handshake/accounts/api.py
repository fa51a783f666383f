"""The accounts JSON routes: authentication, the shopper's own data, and the operator API."""

from __future__ import annotations

from handshake.accounts import admin_api, auth_api, me_api
from handshake.web.routing import DomainRouter

router = DomainRouter()
router.include_router(auth_api.router)
router.include_router(me_api.router)
router.include_router(admin_api.router)
