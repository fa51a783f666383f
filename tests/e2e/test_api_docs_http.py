"""API documentation pages load everything from the application itself (no CDN)."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_api_docs_pages_use_only_vendored_files(client: httpx.AsyncClient, page: str) -> None:
    answer = await client.get(page)
    assert answer.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"|url: *["\']([^"\']+)', answer.text)
    assets = sorted({a or b for a, b in sources})
    assert not [url for url in assets if url.startswith(("http:", "https:", "//"))]
    for asset in (url for url in assets if url.startswith("/static/")):
        assert (await client.get(asset)).status_code == 200, asset
    assert "cdn.jsdelivr.net" not in answer.text
    assert "fonts.googleapis" not in answer.text
