"""Offers throughput: the real app's ``GET /partner/v1/offers`` for a linked shopper and one
variant, against the bare FastAPI + asyncpg product read; same run, same database, alternating.

Reported: median req/s of each (closed loop, wrk when installed) and their ratio (target ≥ 0.8),
then p50/p99 latency of each at half of its own maximum (open loop, fixed rate; target: offers
p99 < 20 ms), then two freshness checks made from another process, as a second API process or
an operator would: a link revoked → the token is refused within 1 s; a price and a stock change
→ the offer shows them within 1 s.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from rich.console import Console
from rich.table import Table

from bench.load import PACED_CONNECTIONS, LoadGenerator, LoadResult, WrkLoad
from bench.oauth_tokens import OAUTH_ENV, _pkce
from bench.prepare import BenchData, loader_settings
from bench.product_read import BARE_FACTORY, REAL_FACTORY, bare_app_env, real_app_env
from bench.rate_load import run_fixed_rate
from bench.results import machine_info, median, utc_timestamp
from bench.servers import uvicorn_server

NAME = "offers"
TARGET_RATIO = 0.8
TARGET_P99_MS = 20.0
FRESHNESS_LIMIT_SECONDS = 1.0
POLL_SECONDS = 0.02
REDIRECT_URI = "https://bench.example/callback"
OFFERS, OFFERS_NO_CACHE, BARE = "offers", "offers-nocache", "bare"
NO_CACHE_ENV = {"HANDSHAKE_OFFERS__CACHE_SECONDS": "0"}


@dataclass(frozen=True)
class Options:
    """How long and how hard to measure."""

    rounds: int = 3
    seconds: float = 8.0
    warmup_seconds: float = 3.0
    connections: int = 32
    half_load_seconds: float = 6.0


@dataclass(frozen=True)
class Shopper:
    """The linked shopper of the benchmark and what it needs."""

    shopper_id: str
    client_id: str
    client_secret: str
    access_token: str
    sku: str
    variant_id: str


async def _setup(data: BenchData) -> tuple[str, str, str, str]:
    """A social partner (client id, secret) and a variant in stock (sku, id)."""
    from handshake.bootstrap import build_container
    from handshake.catalog import service as catalog
    from handshake.partners import service as partners

    container = build_container(loader_settings(data.database))
    try:
        _, issued = await partners.register_partner(
            uow=container.uow(), name=f"Bench offers {secrets.token_hex(3)}", kind="social",
            contact_email="bench@bench.example", redirect_uris=[REDIRECT_URI],
            scopes=["profile", "offers", "checkout"],
        )  # fmt: skip
        product = await catalog.get_product(uow=container.read_uow(), product_id=data.product_id)
        variant = next(v for v in product.variants if v.availability.status != "out_of_stock")
    finally:
        await container.dispose()
    assert issued.client_secret is not None
    return issued.client_id, issued.client_secret, variant.sku, variant.id


async def _shopper_account(data: BenchData, shopper_id: str) -> None:
    """Member, default address in Paris and a saved card: the full linked offer."""
    from handshake.accounts import service as accounts
    from handshake.bootstrap import build_container

    container = build_container(loader_settings(data.database))
    try:
        await accounts.set_membership(uow=container.uow(), shopper_id=shopper_id)
        await accounts.add_address(
            uow=container.uow(), shopper_id=shopper_id, line1="1 rue de Rivoli", city="Paris",
            postal_code="75001", country="FR",
        )  # fmt: skip
        await accounts.add_payment_method(
            uow=container.uow(), shopper_id=shopper_id, provider="sandbox", token="tok_bench",  # noqa: S106
            brand="visa", last4="4242", exp_month=12, exp_year=2035,
        )  # fmt: skip
    finally:
        await container.dispose()


def _authorize(browser: httpx.Client, client_id: str, challenge: str) -> str:
    params = {
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
        "scope": "offers checkout", "state": "bench", "code_challenge": challenge,
        "code_challenge_method": "S256",
    }  # fmt: skip
    answer = browser.get("/oauth/authorize", params=params)
    if answer.status_code == 200:  # first time: the consent page
        form: dict[str, Any] = {
            **params,
            "decision": "allow",
            "csrf_token": browser.cookies["hs_csrf"],
            "scope_choice": ["offers", "checkout"],
        }
        answer = browser.post("/oauth/authorize", data=form)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"authorize -> {answer.status_code}: {answer.text[:300]}")
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def _link(base_url: str, client_id: str, secret: str) -> tuple[str, str]:
    """Sign a shopper up and link it (offers checkout); (shopper id, access token)."""
    basic = httpx.BasicAuth(client_id, secret)
    with httpx.Client(base_url=base_url, timeout=10.0) as browser:
        signup = browser.post(
            "/api/v1/auth/signup",
            json={"email": f"bench-{secrets.token_hex(4)}@bench.example",
                  "password": "Bench-password-2024!", "name": "Bench Shopper"},
        )  # fmt: skip
        if signup.status_code != 201:
            raise RuntimeError(f"signup -> {signup.status_code}: {signup.text[:300]}")
        verifier, challenge = _pkce()
        code = _authorize(browser, client_id, challenge)
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": REDIRECT_URI, "code_verifier": verifier}  # fmt: skip
        token = browser.post("/oauth/token", data=form, auth=basic)
        if token.status_code != 200:
            raise RuntimeError(f"token -> {token.status_code}: {token.text[:300]}")
        return str(signup.json()["id"]), str(token.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _offer(url: str, token: str) -> httpx.Response:
    return httpx.get(url, headers=_bearer(token), timeout=5.0)


def _check_offer(url: str, shopper: Shopper) -> int:
    answer = _offer(url, shopper.access_token)
    if answer.status_code != 200:
        raise RuntimeError(f"offers: GET {url} -> {answer.status_code} {answer.text[:300]}")
    offer = answer.json()["items"][0]["offer"]
    if offer["sku"] != shopper.sku or not offer["checkout"]["possible"]:
        raise RuntimeError(f"offers: unexpected offer {offer}")
    return len(answer.content)


def _measure(
    load: LoadGenerator, targets: dict[str, tuple[str, dict[str, str]]], options: Options,
    console: Console,
) -> dict[str, list[LoadResult]]:  # fmt: skip
    for name, (url, headers) in targets.items():
        load.run(url, seconds=options.warmup_seconds, connections=options.connections,
                 headers=headers)  # fmt: skip
        console.print(f"  warmed up {name}")
    rounds: dict[str, list[LoadResult]] = {name: [] for name in targets}
    for number in range(1, options.rounds + 1):
        for name, (url, headers) in targets.items():
            result = load.run(url, seconds=options.seconds, connections=options.connections,
                              headers=headers)  # fmt: skip
            rounds[name].append(result)
            console.print(
                f"  round {number}/{options.rounds} {name:>7}: "
                f"{result.requests_per_second:8.1f} req/s  p50 "
                f"{result.latency_ms.get('p50', 0):.2f} ms  p99 "
                f"{result.latency_ms.get('p99', 0):.2f} ms  errors {result.errors}"
            )
    return rounds


def _half_load(
    load: LoadGenerator, targets: dict[str, tuple[str, dict[str, str]]],
    maxima: dict[str, float], options: Options, console: Console,
) -> dict[str, LoadResult]:  # fmt: skip
    results = {}
    for name, (url, headers) in targets.items():
        rate = max(1.0, maxima[name] / 2)
        if isinstance(load, WrkLoad):
            result = load.run_paced(
                url, rate=rate, seconds=options.half_load_seconds, headers=headers
            )
        else:
            result = run_fixed_rate(
                url, rate=rate, seconds=options.half_load_seconds, headers=headers
            )
        results[name] = result
        console.print(
            f"  half load {name:>7}: {rate:7.0f} req/s offered, {result.requests_per_second:7.1f}"
            f" served  p50 {result.latency_ms.get('p50', 0):.2f} ms"
            f"  p99 {result.latency_ms.get('p99', 0):.2f} ms  errors {result.errors}"
        )
    return results


def _wait_until(check: Any, limit: float) -> float | None:
    """Seconds until ``check()`` holds (polled), or None when it did not within 3 × ``limit``."""
    started = time.monotonic()
    while time.monotonic() - started < 3 * limit:
        if check():
            return round(time.monotonic() - started, 3)
        time.sleep(POLL_SECONDS)
    return None


async def _unlink_elsewhere(data: BenchData, shopper_id: str) -> None:
    """End every link of the shopper from another process (as a second API process would)."""
    from handshake.bootstrap import build_container
    from handshake.linking import service as linking

    settings = loader_settings(data.database)
    container = build_container(settings)
    try:
        policy = linking.LinkingPolicy.from_settings(settings)
        for view in await linking.list_links(uow=container.read_uow(), shopper_id=shopper_id):
            if view.status == "active":
                await linking.unlink(uow=container.uow(), policy=policy, shopper_id=shopper_id,
                                     grant_id=view.grant.id)  # fmt: skip
    finally:
        await container.dispose()


async def _set_price_elsewhere(data: BenchData, variant_id: str, minor: int) -> None:
    """Set the variant's list price (no member price) from another process."""
    from handshake.bootstrap import build_container
    from handshake.catalog import service as catalog
    from handshake.kernel.money import Money

    container = build_container(loader_settings(data.database))
    try:
        await catalog.set_prices(uow=container.uow(), variant_id=variant_id,
                                 list_price=Money(minor, "EUR"), member_price=None)  # fmt: skip
    finally:
        await container.dispose()


async def _empty_stock_elsewhere(data: BenchData, variant_id: str) -> None:
    """Set the variant's stock to zero in every warehouse from another process."""
    from handshake.bootstrap import build_container
    from handshake.catalog import service as catalog

    container = build_container(loader_settings(data.database))
    try:
        for details in await catalog.list_warehouses(uow=container.read_uow()):
            await catalog.set_stock(uow=container.uow(), variant_id=variant_id,
                                    warehouse_code=details.warehouse.code, on_hand=0)  # fmt: skip
    finally:
        await container.dispose()


def _freshness(data: BenchData, url: str, shopper: Shopper) -> dict[str, float | None]:
    """Seconds until a price change, a stock change and an unlink show (made elsewhere)."""

    def item() -> dict[str, Any]:
        body: dict[str, Any] = _offer(url, shopper.access_token).json()
        return body["items"][0]["offer"] or {}

    price = item()["price"]["minor"] + 100
    _check = _offer(url, shopper.access_token)  # the cache is warm when the change lands
    asyncio.run(_set_price_elsewhere(data, shopper.variant_id, price))
    price_seconds = _wait_until(lambda: item()["price"]["minor"] == price, FRESHNESS_LIMIT_SECONDS)
    _check = _offer(url, shopper.access_token)
    asyncio.run(_empty_stock_elsewhere(data, shopper.variant_id))
    stock_seconds = _wait_until(
        lambda: item()["availability"]["status"] == "out_of_stock", FRESHNESS_LIMIT_SECONDS
    )
    _check = _offer(url, shopper.access_token)
    asyncio.run(_unlink_elsewhere(data, shopper.shopper_id))
    revoke_seconds = _wait_until(
        lambda: _offer(url, shopper.access_token).status_code == 401, FRESHNESS_LIMIT_SECONDS
    )
    return {"price": price_seconds, "stock": stock_seconds, "revoked_link": revoke_seconds}


def run(data: BenchData, load: LoadGenerator, options: Options, console: Console) -> dict[str, Any]:
    """Serve both apps, measure alternately, at half load, then check freshness; the report."""
    started = time.monotonic()
    client_id, secret, sku, variant_id = asyncio.run(_setup(data))
    env = real_app_env(data) | OAUTH_ENV  # one secret: both servers unwrap the same signing key
    with (
        uvicorn_server(OFFERS, REAL_FACTORY, env) as real,
        uvicorn_server(OFFERS_NO_CACHE, REAL_FACTORY, env | NO_CACHE_ENV) as nocache,
        uvicorn_server(BARE, BARE_FACTORY, bare_app_env(data)) as bare,
    ):
        shopper_id, token = _link(real.base_url, client_id, secret)
        asyncio.run(_shopper_account(data, shopper_id))
        shopper = Shopper(shopper_id, client_id, secret, token, sku, variant_id)
        path = f"/partner/v1/offers?sku={sku}&placement_id=bench-feed&campaign_id=bench"
        offer_url = real.base_url + path
        time.sleep(1.1)  # the account changes above are older than any cached context
        try:
            body_bytes = _check_offer(offer_url, shopper)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{real.log_tail()}") from None
        targets = {
            OFFERS: (offer_url, _bearer(token)),
            OFFERS_NO_CACHE: (nocache.base_url + path, _bearer(token)),
            BARE: (f"{bare.base_url}/api/v1/products/{data.product_id}", {}),
        }
        rounds = _measure(load, targets, options, console)
        medians = {name: median([r.requests_per_second for r in rs]) for name, rs in rounds.items()}
        half = _half_load(
            load, {k: v for k, v in targets.items() if k != OFFERS_NO_CACHE}, medians, options,
            console,
        )  # fmt: skip
        freshness = _freshness(data, offer_url, shopper)
        console.print(f"  freshness (seconds until seen): {freshness}")
    return _report(data, load, options, rounds, medians, half, freshness, body_bytes, started)


def _report(
    data: BenchData, load: LoadGenerator, options: Options, rounds: dict[str, list[LoadResult]],
    medians: dict[str, float], half: dict[str, LoadResult], freshness: dict[str, float | None],
    body_bytes: int, started: float,
) -> dict[str, Any]:  # fmt: skip
    ratio = round(medians[OFFERS] / medians[BARE], 4) if medians[BARE] else 0.0
    ratio_no_cache = round(medians[OFFERS_NO_CACHE] / medians[BARE], 4) if medians[BARE] else 0.0
    p99 = half[OFFERS].latency_ms.get("p99", float("inf"))
    fresh = all(v is not None and v <= FRESHNESS_LIMIT_SECONDS + POLL_SECONDS
                for v in freshness.values())  # fmt: skip
    errors = sum(r.errors for rs in rounds.values() for r in rs)
    return {
        "benchmark": NAME,
        "timestamp": utc_timestamp(),
        "machine": machine_info(),
        "settings": {
            **asdict(options),
            "load_generator": {"name": load.name, "version": load.version},
            "half_load_generator": (
                f"wrk paced: {PACED_CONNECTIONS} connections, each waiting connections/rate"
                " between requests"
                if isinstance(load, WrkLoad)
                else "bench.rate_load (open loop, fixed rate, asyncio + httpx)"
            ),
            "order": f"alternating rounds: {OFFERS}, {OFFERS_NO_CACHE}, {BARE}",
            "nocache": "offers.cache_seconds=0: no answer, variant or shopper cache (the access"
            " check may still come from its one-second cache); reported, no target",
            "database": {"backend": "postgresql", "schema": data.database.schema_name},
            "offers_request": "GET /partner/v1/offers?sku=…: linked member, address, card, "
            "scopes offers+checkout, one variant, signed offer token",
            "offers_response_bytes": body_bytes,
            "real_app_env_overrides": OAUTH_ENV,
            "bare": "GET /api/v1/products/{id}: one SELECT by primary key (asyncpg)",
        },
        "rounds": {name: [r.as_dict() for r in rs] for name, rs in rounds.items()},
        "median_requests_per_second": medians,
        "ratio_offers_over_bare": ratio,
        "ratio_offers_nocache_over_bare": ratio_no_cache,
        "target_ratio": TARGET_RATIO,
        "half_load": {name: r.as_dict() for name, r in half.items()},
        "offers_p99_ms_at_half_load": p99,
        "target_p99_ms": TARGET_P99_MS,
        "freshness_seconds": freshness,
        "freshness_limit_seconds": FRESHNESS_LIMIT_SECONDS,
        "errors": errors,
        "passed": ratio >= TARGET_RATIO and p99 < TARGET_P99_MS and fresh and errors == 0,
        "duration_seconds": round(time.monotonic() - started, 1),
    }


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The medians, ratios, latency at half load, freshness and the verdict."""
    table = Table(title="offers vs bare read (median of rounds; latency at half load)")
    for header in ("app", "req/s", "rounds", "p50 ms @½", "p99 ms @½"):
        table.add_column(header, justify="right")
    for name, value in report["median_requests_per_second"].items():
        per_round = ", ".join(f"{r['requests_per_second']:.0f}" for r in report["rounds"][name])
        latency = report["half_load"].get(name, {}).get("latency_ms", {})
        table.add_row(name, f"{value:.1f}", per_round, f"{latency.get('p50', 0):.2f}",
                      f"{latency.get('p99', 0):.2f}")  # fmt: skip
    console.print(table)
    verdict = "[green]PASS[/green]" if report["passed"] else "[red]FAIL[/red]"
    console.print(
        f"ratio offers/bare = [bold]{report['ratio_offers_over_bare']:.3f}[/bold] (target ≥ "
        f"{report['target_ratio']}); offers p99 at half load = "
        f"[bold]{report['offers_p99_ms_at_half_load']:.2f} ms[/bold] (target < "
        f"{report['target_p99_ms']:.0f}); freshness {report['freshness_seconds']} s (limit "
        f"{report['freshness_limit_seconds']}); errors {report['errors']} {verdict}"
    )
    console.print(
        f"ratio offers-nocache/bare = {report['ratio_offers_nocache_over_bare']:.3f} (every"
        " request composes and signs its offer; reported, no target)"
    )
