"""The scope matrix over the real app: every scope-protected endpoint × a token lacking a scope.

See ``tests/scope_matrix.py``; endpoints of later issues join the matrix by declaring
``require_scopes(...)``.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from handshake.bootstrap import Container
from tests.scope_matrix import ScopeMatrix, protected_routes


def test_scope_matrix_discovers_the_protected_partner_routes(app: FastAPI) -> None:
    found = [(route.method, route.path, route.scopes) for route in protected_routes(app)]

    assert found, "no route depends on a ScopeRequirement: the matrix would prove nothing"
    assert ("GET", "/partner/v1/shopper", ("profile",)) in found
    for method, path in [
        ("GET", "/partner/v1/offers"),
        ("POST", "/partner/v1/offers"),
        ("POST", "/partner/v1/events"),
        ("GET", "/partner/v1/events/{event_id}"),
    ]:
        assert (method, path, ("offers",)) in found


async def test_scope_matrix_every_protected_endpoint_refuses_a_token_lacking_its_scope(
    app: FastAPI, client: httpx.AsyncClient, container: Container
) -> None:
    routes = protected_routes(app)
    assert routes

    failures = await ScopeMatrix(app, container, client).failures(routes)

    assert failures == []
