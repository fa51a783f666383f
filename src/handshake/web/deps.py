"""FastAPI dependencies of the platform: units of work and settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from handshake.db.uow import UnitOfWork
from handshake.settings import Settings
from handshake.web.runtime import AppServices


def app_services(request: Request) -> AppServices:
    """The running application's services."""
    services: AppServices = request.app.state.services
    return services


T = TypeVar("T")


def built_once(request: Request, name: str, build: Callable[[Settings], T]) -> T:
    """A value built from the settings once per application (a domain's policy), by name."""
    found: T | None = getattr(request.app.state, name, None)
    if found is None:
        found = build(app_services(request).settings)
        setattr(request.app.state, name, found)
    return found


async def write_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work for a writing use case (async: no threadpool hop per request)."""
    return app_services(request).uow()


async def read_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work for a read-only use case."""
    return app_services(request).read_uow()


async def app_settings(request: Request) -> Settings:
    """Effective settings."""
    return app_services(request).settings


WriteUow = Annotated[UnitOfWork, Depends(write_uow)]
ReadUow = Annotated[UnitOfWork, Depends(read_uow)]
AppSettings = Annotated[Settings, Depends(app_settings)]
