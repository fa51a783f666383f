"""Platform endpoints and problem+json through HTTP."""

from __future__ import annotations

import httpx


async def test_healthz_and_readyz(client: httpx.AsyncClient, backend: str) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": backend}
    assert ready.headers["x-request-id"]


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found"
    assert body["status"] == 404
    assert body["request_id"] == "req-123"
    assert response.headers["x-request-id"] == "req-123"


async def test_metrics_exposes_requests_and_queue_depth(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    assert 'handshake_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert 'handshake_job_queue_depth{status="pending"} 0.0' in text


async def test_home_page_in_both_languages(client: httpx.AsyncClient) -> None:
    english = await client.get("/")
    assert english.status_code == 200
    assert "Welcome to the store" in english.text
    assert 'href="/signin"' in english.text
    french = await client.get("/?lang=fr")
    assert "Bienvenue dans la boutique" in french.text
    assert french.cookies.get("hs_lang") == "fr"
    assert '<html lang="fr">' in french.text


async def test_a_browser_gets_an_error_page_and_a_program_gets_problem_json(
    client: httpx.AsyncClient,
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = await client.get("/no/such/page?lang=fr", headers=browser)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-testid="problem" data-code="not_found"' in page.text
    assert "Erreur 404" in page.text
    api = await client.get("/api/v1/no-such-thing", headers=browser)
    assert (api.status_code, api.headers["content-type"]) == (404, "application/problem+json")
    program = await client.get("/no/such/page")
    assert (program.status_code, program.json()["code"]) == (404, "not_found")
    fragment = await client.get("/no/such/page", headers={**browser, "HX-Request": "true"})
    assert fragment.headers["content-type"] == "application/problem+json"
