"""The catalog's JSON routes: public product reads and the operator API."""

from __future__ import annotations

from handshake.catalog import admin_api, public_api
from handshake.web.routing import DomainRouter

router = DomainRouter()
router.include_router(public_api.router)
router.include_router(admin_api.router)
