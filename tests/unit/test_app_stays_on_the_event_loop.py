"""Every route and dependency is a coroutine: none is run in the thread pool.

A plain ``def`` dependency makes FastAPI hop to a worker thread on every request; under load the
two threads then fight for the GIL and the whole process slows (the offers route lost most of
its throughput to one such dependency).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def _routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI ≥ 0.165 includes lazily
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _is_coroutine(call: Callable[..., Any]) -> bool:
    method = getattr(call, "__call__", None)  # noqa: B004  # dependency classes are callables
    return (
        inspect.iscoroutinefunction(call)
        or inspect.isasyncgenfunction(call)
        or inspect.iscoroutinefunction(method)
    )


def _sync_dependencies(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        if dependency.call is not None and not _is_coroutine(dependency.call):
            yield f"{dependency.call.__module__}.{dependency.call.__qualname__}"
        yield from _sync_dependencies(dependency)


def test_no_route_or_dependency_runs_in_the_thread_pool(app: Any) -> None:
    api_routes = [route for route in _routes(app.routes) if isinstance(route, APIRoute)]
    found = set()
    for route in api_routes:
        if not _is_coroutine(route.endpoint):
            found.add(f"endpoint {route.path}")
        found.update(_sync_dependencies(route.dependant))

    assert any(route.path == "/partner/v1/offers" for route in api_routes)
    assert sorted(found) == []
