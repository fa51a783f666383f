"""The ASGI application factory: routers of every domain, problems, middleware, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import structlog
from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

import handshake
from handshake.assistant import service as assistant
from handshake.bootstrap import Container, build_container, domain_packages
from handshake.entrypoints.observability import configure_logging
from handshake.jobs import service as jobs_service
from handshake.jobs.metrics import JOB_QUEUE_DEPTH
from handshake.jobs.worker import Worker, worker_concurrency
from handshake.settings import Settings, get_settings
from handshake.web.client_address import trusted_networks
from handshake.web.csrf import CsrfMiddleware
from handshake.web.middleware import RequestContextMiddleware
from handshake.web.problems import install_problem_handlers, problem_response
from handshake.web.templating import WEB_PACKAGE, Templates, package_dir
from handshake.web.throttling import build_rate_limiter

ROUTER_MODULES = ("api", "views")
DEMO_PACKAGE = "handshake.demo"
log = structlog.get_logger(__name__)

# Called server to server by OAuth clients, which authenticate with client credentials in the
# body and never with the shopper's cookies: there is no ambient credential to forge.
CSRF_EXEMPT_PATHS = frozenset({"/oauth/token", "/oauth/revoke", "/oauth/introspect"})


def _include_domain_routers(app: FastAPI) -> None:
    for package in domain_packages():
        for module_name in ROUTER_MODULES:
            try:
                module = importlib.import_module(f"{package}.{module_name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{module_name}":
                    raise
                continue
            app.include_router(module.router)


def _mount_static(app: FastAPI) -> None:
    for package in [WEB_PACKAGE, *domain_packages(), DEMO_PACKAGE]:
        if importlib.util.find_spec(package) is None:
            continue
        folder = package_dir(package) / "static"
        if folder.is_dir():
            short = package.rsplit(".", 1)[-1]
            app.mount(f"/static/{short}", StaticFiles(directory=folder), name=f"static-{short}")


VENDOR = "/static/web/vendor"


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from vendored files: deployments may have no internet."""
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title=title,
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/web/favicon.svg",
        )  # fmt: skip

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json", title=title,
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url="/static/web/favicon.svg", with_google_fonts=False,
        )  # fmt: skip


def _add_platform_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["platform"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": handshake.__version__}

    @app.get(
        "/readyz",
        tags=["platform"],
        summary="Readiness: the database answers",
        responses={503: {"description": "Database unreachable"}},
    )
    async def readyz(request: Request) -> Response:
        container: Container = request.app.state.services
        try:
            async with asyncio.timeout(3):
                async with container.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as exc:
            return problem_response(
                status=503,
                code="database_unavailable",
                title="Not ready",
                detail=f"The database does not answer: {type(exc).__name__}.",
                instance="/readyz",
            )
        return JSONResponse({"status": "ready", "database": container.engine.dialect.name})

    @app.get("/metrics", tags=["platform"], summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        container: Container = request.app.state.services
        with suppress(Exception):  # metrics must render even when the database is down
            depth = await jobs_service.queue_depth(uow=container.read_uow())
            for status, count in depth.items():
                JOB_QUEUE_DEPTH.labels(status=status).set(count)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _warm_assistant(services: Container, settings: Settings) -> None:
    """Load the assistant's search index; a failure is logged, the first search retries."""
    try:
        await assistant.warm_search_index(uow=services.read_uow(), settings=settings.assistant)
    except Exception:
        log.exception("assistant_index_warm_up_failed")


def create_app(
    settings: Settings | None = None,
    *,
    container: Container | None = None,
    run_worker: bool | None = None,
) -> FastAPI:
    """Build the application; pass ``container`` to share one (tests), else one is built."""
    settings = container.settings if container else (settings or get_settings())
    settings.check_startup()
    configure_logging(settings)
    services = container or build_container(settings)
    trusted_networks(tuple(settings.http.trusted_proxies))  # a typo fails start-up, not requests
    rate_limiter = build_rate_limiter(settings.rate_limit)
    embedded_worker = settings.jobs.embedded_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = None
        if embedded_worker:
            worker = Worker(
                uow_factory=services.uow,
                registry=services.jobs,
                settings=settings.jobs,
                concurrency=worker_concurrency(settings),
                maintenance=services.maintenance(),
            )
            task = asyncio.create_task(worker.run_forever(stop))
        # The assistant's index loads in the background, so the first shopper does not wait.
        warm = asyncio.create_task(_warm_assistant(services, settings))
        try:
            yield
        finally:
            stop.set()
            warm.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warm
            if task is not None:
                await task
            await rate_limiter.aclose()
            if container is None:
                await services.dispose()

    app = FastAPI(
        title="handshake",
        version=handshake.__version__,
        description="Linked-account commerce: offers, in-app checkout and consented data sharing.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.settings = settings
    app.state.templates = Templates(domain_packages())
    app.state.rate_limiter = rate_limiter  # one per app, closed by the lifespan
    install_problem_handlers(app)
    _add_platform_routes(app)
    _add_api_docs(app)
    _include_domain_routers(app)
    _mount_static(app)
    app.add_middleware(
        CsrfMiddleware,
        secret=settings.security.secret_key.get_secret_value().encode(),
        session_cookie=settings.security.session_cookie,
        secure=settings.cookie_secure,
        exempt_paths=CSRF_EXEMPT_PATHS,
    )
    app.add_middleware(RequestContextMiddleware)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory handshake.entrypoints.http:app_from_environment``."""
    return create_app()
