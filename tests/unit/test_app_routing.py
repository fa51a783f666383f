"""Every route of the app is still reached through the routers that skip foreign paths."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Match

from handshake.web.routing import DomainRouter, literal_prefix, route_path

PARAMETER = re.compile(r"\{[^}]+\}")


def _concrete(path: str) -> str:
    return PARAMETER.sub("x1", path)


async def test_every_route_path_is_matched_by_the_router(
    client: httpx.AsyncClient, app: Any
) -> None:
    # An unsupported method on a known path is 405 (the route matched partially); on a path no
    # router reaches it would be 404.
    paths = sorted(
        {
            _concrete(route.path)
            for route in iter_route_contexts(app.routes)
            if isinstance(route.original_route, APIRoute) and route.path
        }
    )
    assert "/partner/v1/offers" in paths
    statuses = {path: (await client.request("TRACE", path)).status_code for path in paths}
    assert {path: status for path, status in statuses.items() if status != 405} == {}
    assert (await client.request("TRACE", "/partner/v1/nothing-here")).status_code == 404


def test_a_router_declines_paths_outside_its_prefixes() -> None:
    router = DomainRouter(prefix="/partner/v1/things")

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> str:
        return thing_id

    scope = {"type": "http", "path": "/api/v1/products/p1", "root_path": "", "method": "GET"}
    assert router.literal_prefixes() == ("/partner/v1/things/",)
    assert router.matches(scope) == (Match.NONE, {})
    assert literal_prefix("/api/v1/{a}/b/{c}") == "/api/v1/"


def test_the_route_path_is_the_path_below_the_root_path() -> None:
    def scope(path: str) -> dict[str, str]:
        return {"path": path, "root_path": "/api"}

    assert route_path(scope("/api/partner/v1/offers")) == "/partner/v1/offers"
    assert route_path(scope("/api")) == ""
    assert route_path(scope("/apiary/x")) == "/apiary/x"
    assert route_path({"path": "/x", "root_path": ""}) == "/x"
