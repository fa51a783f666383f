"""Visit every page reachable from a start page (same site, a few links deep) and check each
one answers, is labelled for assistive technology, and logs no error."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from playwright.sync_api import Page

# Links a crawl must not follow: they change state, leave the HTML pages or download files.
SKIPPED = re.compile(
    r"/signout|\.csv$|\.json$|/receipts/|/openapi|/docs/oauth2|/api/|/partner/v1/|/oauth/|/metrics"
    r"|/healthz|/readyz|[?&]lang=|/link$|/unlink|/static/"
)
LOAD_SWAPS_DONE = """() => !document.querySelector('[hx-trigger="load"]')
  && !document.querySelector('.htmx-request')"""
# Vendored third-party UIs (Swagger UI, ReDoc): visited for errors, not audited as our pages.
THIRD_PARTY = re.compile(r"/(docs|redoc)$")
# Form controls without an accessible name, images without alt text, a page without lang, a
# page wider than the window (it would scroll sideways: not responsive).
ACCESSIBILITY_AUDIT = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('html without lang');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.closest('[hidden]')) continue;
    const named = el.labels?.length || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby') || el.title;
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
  }
  const wide = document.documentElement.scrollWidth;
  if (wide > window.innerWidth + 1) problems.push(`${wide}px wide, window ${window.innerWidth}px`);
  for (const b of document.querySelectorAll('button')) {
    if (!(b.textContent.trim() || b.getAttribute('aria-label'))) problems.push('empty button');
  }
  return problems;
}"""


def crawl(page: Page, start: str, *, depth: int = 2, limit: int = 60) -> dict[str, list[str]]:
    """Visit pages from ``start``; each page's problems (empty lists when all is well)."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start))
    seen: dict[str, list[str]] = {}
    queue = deque([(start, 0)])
    while queue and len(seen) < limit:
        url, level = queue.popleft()
        if url in seen:
            continue
        answer = page.goto(url, wait_until="load")
        # htmx swaps what loads with the page (the unread badge): wait until each is done.
        page.wait_for_function(LOAD_SWAPS_DONE)
        problems: list[str] = [] if THIRD_PARTY.search(url) else page.evaluate(ACCESSIBILITY_AUDIT)
        if answer is None or answer.status >= 400:
            problems.append(f"status {None if answer is None else answer.status}")
        seen[url] = problems
        if level >= depth:
            continue
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            target = urldefrag(urljoin(url, href))[0]
            if target.startswith(origin) and not SKIPPED.search(target) and target not in seen:
                queue.append((target, level + 1))
    return seen
