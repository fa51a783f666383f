"""Routers that decline at once a request none of their routes can match.

FastAPI (≥ 0.137) keeps included routers as a tree and, for every request, walks each of them
route by route until one matches, twice (to choose, then to handle): a route registered late
pays for every route before it (~2.5 µs each on our 2-core machines; ~250 µs for the partner
offers route once the app had 110 routes). Upstream discusses the same cure (fastapi#16159,
open): a router whose routes all start with literal prefixes the path does not start with
cannot match it, so its routes need not be tried. Every domain builds its routers with
:class:`DomainRouter`; ``tests/unit/test_app_routing.py`` checks every route is still reached.

Our routers are included without an include-time ``prefix`` (each router carries its own), so
the paths a router knows are the paths requests use.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """The request path below the application's root path (as Starlette's routes see it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if path == root:
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path  # "/apiary" is not under "/api"


def literal_prefix(path: str) -> str:
    """The part of a route path before its first parameter (``/api/v1/products/``)."""
    return path.split("{", 1)[0]


class DomainRouter(APIRouter):
    """An :class:`APIRouter` that skips its routes when the path starts with none of theirs."""

    _prefixes: tuple[str, ...] | None = None
    _prefixes_for: int = -1

    def literal_prefixes(self) -> tuple[str, ...]:
        """Literal prefixes of every route of this router and of the routers it includes."""
        if self._prefixes is None or self._prefixes_for != len(self.routes):
            paths = {
                literal_prefix(route.path)
                for route in iter_route_contexts(self.routes)
                if route.path is not None
            }
            self._prefixes = tuple(sorted(paths))
            self._prefixes_for = len(self.routes)
        return self._prefixes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match when the path cannot be one of ours; otherwise FastAPI's own matching."""
        if scope["type"] in ("http", "websocket"):
            prefixes = self.literal_prefixes()
            if prefixes and not route_path(scope).startswith(prefixes):
                return Match.NONE, {}
        return super().matches(scope)
