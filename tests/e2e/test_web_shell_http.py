"""Problem documents and CSRF enforcement through a small app using the real web shell."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from handshake.kernel.errors import Conflict, NotFound, RateLimited
from handshake.web.csrf import CSRF_COOKIE, CsrfMiddleware
from handshake.web.middleware import RequestContextMiddleware
from handshake.web.problems import install_problem_handlers

SECRET = b"s" * 32
writes: list[str] = []


class Item(BaseModel):
    name: str = Field(min_length=2)
    quantity: int = Field(ge=1)


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("No such thing.", code="thing_not_found", extra={"thing_id": "x1"})

    @app.get("/busy")
    async def busy() -> None:
        raise RateLimited("Slow down.", retry_after_seconds=42, code="login_locked")

    @app.get("/reserved")
    async def reserved() -> None:
        raise Conflict("Clash.", code="stale", extra={"status": 200, "code": "x", "seen": 1})

    @app.get("/clash")
    async def clash() -> None:
        raise Conflict("Already there.")

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    @app.post("/items")
    async def create(item: Item) -> dict[str, str]:
        writes.append(item.name)
        return {"name": item.name}

    @app.post("/form")
    async def form() -> dict[str, str]:
        writes.append("form")
        return {"ok": "yes"}

    app.add_middleware(CsrfMiddleware, secret=SECRET, session_cookie="hs_session", secure=False)
    app.add_middleware(RequestContextMiddleware, access_log=False)
    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    writes.clear()
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_domain_errors_map_to_statuses_with_codes(http: httpx.AsyncClient) -> None:
    missing = await http.get("/missing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert (body["code"], body["thing_id"], body["detail"]) == (
        "thing_not_found",
        "x1",
        "No such thing.",
    )
    busy = await http.get("/busy")
    assert (busy.status_code, busy.headers["retry-after"]) == (429, "42")
    assert busy.json()["retry_after_seconds"] == 42
    assert (await http.get("/clash")).json()["code"] == "conflict"


async def test_extra_members_never_replace_standard_ones(http: httpx.AsyncClient) -> None:
    response = await http.get("/reserved")
    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["code"], body["seen"]) == (409, "stale", 1)


async def test_multipart_with_bearer_and_no_session_skips_csrf(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/form", files={"file": ("a.csv", b"x")}, headers={"Authorization": "Bearer hsk_x"}
    )
    assert response.status_code == 200
    assert writes == ["form"]


async def test_multipart_with_session_cookie_still_needs_token(http: httpx.AsyncClient) -> None:
    http.cookies.set("hs_session", "abc")
    response = await http.post("/form", files={"file": ("a.csv", b"x")})
    assert response.status_code == 403
    assert writes == []


async def test_unexpected_error_is_a_generic_500_problem(http: httpx.AsyncClient) -> None:
    response = await http.get("/crash")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret internals" not in response.text


async def test_validation_errors_name_each_field(http: httpx.AsyncClient) -> None:
    response = await http.post("/items", json={"name": "x", "quantity": 0})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert sorted(e["field"] for e in body["errors"]) == ["body.name", "body.quantity"]
    assert writes == []


async def test_form_post_without_csrf_token_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post("/form", data={"a": "1"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert writes == []


async def test_form_post_with_token_from_cookie_passes(http: httpx.AsyncClient) -> None:
    await http.get("/missing")  # any response sets the CSRF cookie
    token = http.cookies[CSRF_COOKIE]
    response = await http.post("/form", data={"csrf_token": token, "a": "1"})
    assert response.status_code == 200
    assert writes == ["form"]


async def test_session_cookie_json_mutation_needs_header(http: httpx.AsyncClient) -> None:
    await http.get("/missing")
    token = http.cookies[CSRF_COOKIE]
    http.cookies.set("hs_session", "abc")
    refused = await http.post("/items", json={"name": "ab", "quantity": 1})
    assert refused.status_code == 403
    assert writes == []
    accepted = await http.post(
        "/items", json={"name": "ab", "quantity": 1}, headers={"X-CSRF-Token": token}
    )
    assert accepted.status_code == 200
    assert writes == ["ab"]


async def test_forged_token_is_refused_even_if_echoed(http: httpx.AsyncClient) -> None:
    http.cookies.set(CSRF_COOKIE, "forged.0000")
    response = await http.post("/form", data={"csrf_token": "forged.0000"})
    assert response.status_code == 403
    assert writes == []


async def test_bearer_api_calls_without_session_skip_csrf(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/items", json={"name": "ab", "quantity": 2}, headers={"Authorization": "Bearer hsk_x"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "supplied",
    [
        {"data": {"csrf_token": "é.ü"}},
        {"headers": {"X-CSRF-Token": "\xe9.\xfc".encode("latin-1")}, "json": {}},
    ],
)
async def test_non_ascii_tokens_are_refused_not_crashing(
    http: httpx.AsyncClient, supplied: dict[str, object]
) -> None:
    # Regression: hmac.compare_digest raises TypeError on non-ASCII str, which was a 500.
    await http.get("/missing")
    http.cookies.set("hs_session", "abc")
    response = await http.post("/form", **supplied)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert writes == []


async def test_a_non_ascii_csrf_cookie_is_replaced_not_crashing(http: httpx.AsyncClient) -> None:
    response = await http.get("/missing", headers={"Cookie": "hs_csrf=\xe9.\xfc".encode("latin-1")})
    assert response.status_code == 404
    assert http.cookies[CSRF_COOKIE].isascii()
