"""The accounts JSON routes: authentication, the shopper's own data, and the operator API."""

from __future__ import annotations

from fastapi import APIRouter

from handshake.accounts import admin_api, auth_api, me_api

router = APIRouter()
router.include_router(auth_api.router)
router.include_router(me_api.router)
router.include_router(admin_api.router)
