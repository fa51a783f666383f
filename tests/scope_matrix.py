"""The scope matrix: every partner endpoint refuses a token lacking its scope, changing nothing.

Endpoints are discovered, not listed: any route of the app whose dependencies (at any depth,
router-level ones included) contain a :class:`handshake.linking.deps.ScopeRequirement` is
protected, so endpoints added by
later issues are covered as soon as they declare ``require_scopes(...)``. For each route and
each scope it requires, the matrix links a shopper to a partner with every *other* required
scope (or another scope of the partner's kind), calls the route with placeholder path ids and a
minimal JSON body, and expects 403 ``insufficient_scope`` with every table unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import TypeAdapter
from sqlalchemy import select

from handshake.bootstrap import Container
from handshake.db.base import metadata
from handshake.db.uow import Repository
from handshake.linking.deps import ScopeRequirement
from handshake.partners.kinds import PartnerKind
from handshake.partners.scopes import scopes_for_kind
from tests.accounts_helpers import signed_in_shopper
from tests.linking_helpers import PartnerApp, bearer, browser, link_tokens, register_app

PLACEHOLDER_ID = "zz_placeholder_0000000000000000"


@dataclass(frozen=True)
class ProtectedRoute:
    """One method of a route guarded by scopes."""

    method: str
    path: str
    scopes: tuple[str, ...]
    route: RouteContext  # the route as included: prefixes and router dependencies applied

    def url(self) -> str:
        """The path with every path parameter set to a placeholder id."""
        names = [param.name for param in self.route.dependant.path_params]
        return self.route.path_format.format(**dict.fromkeys(names, PLACEHOLDER_ID))

    def body(self) -> Any:
        """A minimal JSON body for the route's body model (None when it takes none)."""
        body_field = self.route.body_field
        if body_field is None:
            return None
        schema = TypeAdapter(body_field.field_info.annotation).json_schema()
        return _example(schema, schema.get("$defs", {}))


def _example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The smallest value of ``schema`` (required fields only); scope checks come first anyway."""
    if "$ref" in schema:
        return _example(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return _example(options[0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _example(properties.get(name, {}), defs) for name in schema.get("required", [])
        }
    if kind == "array":
        return [_example(schema.get("items", {}), defs)] * schema.get("minItems", 0)
    if kind in {"integer", "number"}:
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "string":
        return (
            "a@example.com" if schema.get("format") == "email" else "x" * schema.get("minLength", 1)
        )
    return None


def _requirements(dependant: Dependant) -> Iterator[ScopeRequirement]:
    if isinstance(dependant.call, ScopeRequirement):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _requirements(sub)


def protected_routes(app: FastAPI) -> list[ProtectedRoute]:
    """Every (method, route) of ``app`` whose dependencies include a ScopeRequirement."""
    found = []
    # FastAPI keeps included routers as lazy entries of app.routes; this yields their routes.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        scopes = sorted({s for req in _requirements(route.dependant) for s in req.scopes})
        if not scopes:
            continue
        for method in sorted(route.methods):
            found.append(ProtectedRoute(method, route.path, tuple(scopes), route))
    return found


def token_scopes_lacking(required: tuple[str, ...], missing: str) -> tuple[PartnerKind, str]:
    """A partner kind and a scope string that has every required scope but ``missing``."""
    kept = [s for s in required if s != missing]
    for kind in PartnerKind:
        allowed = scopes_for_kind(kind)
        if not all(s in allowed for s in kept):
            continue
        if kept:
            return kind, " ".join(kept)
        others = [s for s in allowed if s != missing]
        if others:
            return kind, others[0]
    raise AssertionError(f"no partner kind can hold a token lacking only {missing!r}")


class TableReader(Repository):
    """Reads whole tables, to prove a request changed nothing."""

    async def rows(self, table_name: str) -> list[str]:
        """Every row of ``table_name`` as sorted reprs."""
        result = await self.session.execute(select(metadata.tables[table_name]))
        return sorted(repr(tuple(row)) for row in result.all())


async def database_snapshot(container: Container) -> dict[str, list[str]]:
    """The content of every table of the metadata."""
    uow = container.read_uow()
    async with uow:
        reader = uow.repo(TableReader)
        return {name: await reader.rows(name) for name in sorted(metadata.tables)}


@dataclass
class ScopeMatrix:
    """Runs the matrix against one app; partners and tokens are made on demand."""

    app: FastAPI
    container: Container
    shopper_browser: httpx.AsyncClient
    _partners: dict[PartnerKind, PartnerApp] = field(default_factory=dict)
    _tokens: dict[tuple[PartnerKind, str], str] = field(default_factory=dict)
    _signed_in: bool = False

    async def token(self, kind: PartnerKind, scope: str) -> str:
        """An access token of a partner of ``kind`` linked to the shopper with ``scope``."""
        if not self._signed_in:
            await signed_in_shopper(self.shopper_browser, self.container)
            self._signed_in = True
        if kind not in self._partners:
            self._partners[kind] = await register_app(self.container, kind=kind.value)
        key = (kind, scope)
        if key not in self._tokens:
            issued = await link_tokens(self.shopper_browser, self._partners[kind], scope=scope)
            self._tokens[key] = issued["access_token"]
        return self._tokens[key]

    async def failures(self, routes: list[ProtectedRoute]) -> list[str]:
        """What went wrong, route by route (empty when every route refuses and changes nothing)."""
        problems = []
        async with browser(self.app) as partner_server:
            for route, missing in itertools.chain.from_iterable(
                ((route, s) for s in route.scopes) for route in routes
            ):
                kind, scope = token_scopes_lacking(route.scopes, missing)
                token = await self.token(kind, scope)
                problem = await self._probe(partner_server, route, token)
                if problem:
                    problems.append(f"{route.method} {route.path} without {missing!r}: {problem}")
        return problems

    async def _probe(self, http: httpx.AsyncClient, route: ProtectedRoute, token: str) -> str:
        before = await database_snapshot(self.container)
        response = await http.request(
            route.method, route.url(), headers=bearer(token), json=route.body()
        )
        after = await database_snapshot(self.container)
        if response.status_code != 403:
            return f"status {response.status_code}: {response.text[:200]}"
        if response.json().get("code") != "insufficient_scope":
            return f"code {response.json().get('code')!r}"
        challenge = response.headers.get("www-authenticate", "")
        if 'error="insufficient_scope"' not in challenge:
            return f"WWW-Authenticate {challenge!r} lacks error=insufficient_scope"
        changed = [name for name in before if before[name] != after[name]]
        if changed:
            counts = {name: (len(before[name]), len(after[name])) for name in changed}
            return f"tables changed (rows before, after): {counts}"
        return ""
