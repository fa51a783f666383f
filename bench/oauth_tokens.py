"""OAuth throughput: the token endpoint (refresh grant, rotating) and introspection, against a
bare FastAPI endpoint doing one indexed read of the same token table; same run, same database.

Token families are minted through the real flow over HTTP (sign-up, authorize, consent, code
exchange with PKCE); each load worker then chains its own family, refresh after refresh.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from rich.console import Console
from rich.table import Table

from bench.form_load import run_form_load
from bench.load import LoadResult
from bench.prepare import BenchData, loader_settings
from bench.product_read import REAL_FACTORY, real_app_env
from bench.results import machine_info, median, utc_timestamp
from bench.servers import uvicorn_server

NAME = "oauth_tokens"
BARE_FACTORY = "bench.token_bare_app:app_from_environment"
REDIRECT_URI = "https://bench.example/callback"
REFRESH, INTROSPECT, BARE = "refresh", "introspect", "bare"
# The measured app behaves as in production, except: plain HTTP on loopback (no TLS proxy here)
# and no rate limit, which would otherwise cap the token endpoint far below what it can serve.
OAUTH_ENV = {
    "HANDSHAKE_LINKING__ALLOW_INSECURE_TRANSPORT": "true",
    "HANDSHAKE_SECURITY__COOKIE_SECURE": "false",
    "HANDSHAKE_RATE_LIMIT__ENABLED": "false",
}


@dataclass(frozen=True)
class Options:
    """How long and how hard to measure."""

    rounds: int = 3
    seconds: float = 6.0
    warmup_seconds: float = 2.0
    connections: int = 16


@dataclass
class Families:
    """One OAuth client and, per load worker, its current token pair."""

    client_id: str
    client_secret: str
    access: list[str] = field(default_factory=list)
    refresh: list[str] = field(default_factory=list)

    def basic(self) -> dict[str, str]:
        """HTTP Basic client authentication."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def _register_client(data: BenchData) -> tuple[str, str]:
    from handshake.bootstrap import build_container
    from handshake.partners import service as partners

    container = build_container(loader_settings(data.database))
    try:
        _, issued = await partners.register_partner(
            uow=container.uow(),
            name=f"Bench app {secrets.token_hex(3)}",
            kind="social",
            contact_email="bench@bench.example",
            redirect_uris=[REDIRECT_URI],
            scopes=["profile", "offers"],
        )
    finally:
        await container.dispose()
    assert issued.client_secret is not None
    return issued.client_id, issued.client_secret


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize(browser: httpx.Client, client_id: str, challenge: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "profile offers",
        "state": "bench",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    answer = browser.get("/oauth/authorize", params=params)
    if answer.status_code == 200:  # first time: the consent page
        form = {**params, "decision": "allow", "csrf_token": browser.cookies["hs_csrf"]}
        answer = browser.post("/oauth/authorize", data=form)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"authorize -> {answer.status_code}: {answer.text[:300]}")
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


def mint_families(base_url: str, client_id: str, secret: str, count: int) -> Families:
    """Sign up a shopper and link the client ``count`` times (one token family each)."""
    families = Families(client_id=client_id, client_secret=secret)
    with httpx.Client(base_url=base_url, timeout=10.0) as browser:
        email = f"bench-{secrets.token_hex(4)}@bench.example"
        signup = browser.post(
            "/api/v1/auth/signup",
            json={"email": email, "password": "Bench-password-2024!", "name": "Bench"},
        )
        if signup.status_code != 201:
            raise RuntimeError(f"signup -> {signup.status_code}: {signup.text[:300]}")
        for _ in range(count):
            verifier, challenge = _pkce()
            code = _authorize(browser, client_id, challenge)
            form = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            }
            token = browser.post("/oauth/token", data=form, headers=families.basic())
            if token.status_code != 200:
                raise RuntimeError(f"token -> {token.status_code}: {token.text[:300]}")
            families.access.append(token.json()["access_token"])
            families.refresh.append(token.json()["refresh_token"])
    return families


def _refresh_load(url: str, families: Families, seconds: float) -> LoadResult:
    def build(i: int) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": families.refresh[i]}

    def check(i: int, response: httpx.Response) -> bool:
        if response.status_code != 200:
            return False
        families.refresh[i] = response.json()["refresh_token"]  # rotation: chain the new one
        return True

    return run_form_load(
        url,
        seconds=seconds,
        connections=len(families.refresh),
        build=build,
        check=check,
        headers=families.basic(),
    )


def _introspect_load(url: str, families: Families, seconds: float) -> LoadResult:
    def check(_: int, response: httpx.Response) -> bool:
        return response.status_code == 200 and response.json().get("active") is True

    return run_form_load(
        url,
        seconds=seconds,
        connections=len(families.access),
        build=lambda i: {"token": families.access[i], "token_type_hint": "access_token"},
        check=check,
        headers=families.basic(),
    )


def _bare_load(url: str, families: Families, seconds: float) -> LoadResult:
    return run_form_load(
        url,
        seconds=seconds,
        connections=len(families.access),
        build=lambda i: {"token": families.access[i]},
        check=lambda _, response: response.status_code == 200,
    )


def _measure(
    urls: dict[str, str], families: Families, options: Options, console: Console
) -> dict[str, list[LoadResult]]:
    loads = {REFRESH: _refresh_load, INTROSPECT: _introspect_load, BARE: _bare_load}
    for name, load in loads.items():
        load(urls[name], families, options.warmup_seconds)
        console.print(f"  warmed up {name}")
    rounds: dict[str, list[LoadResult]] = {name: [] for name in loads}
    for number in range(1, options.rounds + 1):
        for name, load in loads.items():
            result = load(urls[name], families, options.seconds)
            rounds[name].append(result)
            console.print(
                f"  round {number}/{options.rounds} {name:>10}: "
                f"{result.requests_per_second:8.1f} req/s  "
                f"p50 {result.latency_ms.get('p50', 0):.2f} ms  errors {result.errors}"
            )
    return rounds


def run(data: BenchData, options: Options, console: Console) -> dict[str, Any]:
    """Serve the real and bare apps, mint families, measure alternately, build the report."""
    started = time.monotonic()
    client_id, secret = asyncio.run(_register_client(data))
    bare_env = {
        "BENCH_BARE_DSN": data.database.url,
        "BENCH_BARE_SCHEMA": data.database.schema_name or "",
    }
    with (
        uvicorn_server("real", REAL_FACTORY, real_app_env(data) | OAUTH_ENV) as real,
        uvicorn_server(BARE, BARE_FACTORY, bare_env) as bare,
    ):
        families = mint_families(real.base_url, client_id, secret, options.connections)
        console.print(f"  minted {options.connections} token families through the real flow")
        urls = {
            REFRESH: real.base_url + "/oauth/token",
            INTROSPECT: real.base_url + "/oauth/introspect",
            BARE: bare.base_url + "/read",
        }
        rounds = _measure(urls, families, options, console)
    medians = {name: median([r.requests_per_second for r in rs]) for name, rs in rounds.items()}
    ratios = {
        name: round(medians[name] / medians[BARE], 4) if medians[BARE] else 0.0
        for name in (REFRESH, INTROSPECT)
    }
    errors = sum(r.errors for rs in rounds.values() for r in rs)
    return {
        "benchmark": NAME,
        "timestamp": utc_timestamp(),
        "machine": machine_info(),
        "settings": {
            **asdict(options),
            "load_generator": "bench.form_load (asyncio + httpx, closed loop, one worker per "
            "token family)",
            "order": f"alternating rounds: {REFRESH}, {INTROSPECT}, {BARE}",
            "real_app_env_overrides": OAUTH_ENV,
            "bare": "POST /read: parse form, sha256, one SELECT by unique index (asyncpg)",
        },
        "rounds": {name: [r.as_dict() for r in rs] for name, rs in rounds.items()},
        "median_requests_per_second": medians,
        "ratio_refresh_over_bare": ratios[REFRESH],
        "ratio_introspect_over_bare": ratios[INTROSPECT],
        "errors": errors,
        "passed": errors == 0,
        "duration_seconds": round(time.monotonic() - started, 1),
    }


def print_summary(report: dict[str, Any], console: Console) -> None:
    """The medians and both ratios."""
    table = Table(title="OAuth throughput (median of rounds)")
    table.add_column("endpoint")
    table.add_column("req/s", justify="right")
    table.add_column("rounds", justify="right")
    for name, value in report["median_requests_per_second"].items():
        per_round = ", ".join(f"{r['requests_per_second']:.0f}" for r in report["rounds"][name])
        table.add_row(name, f"{value:.1f}", per_round)
    console.print(table)
    console.print(
        f"ratio refresh/bare = [bold]{report['ratio_refresh_over_bare']:.3f}[/bold], "
        f"introspect/bare = [bold]{report['ratio_introspect_over_bare']:.3f}[/bold] "
        f"(no target set); errors: {report['errors']}"
    )
