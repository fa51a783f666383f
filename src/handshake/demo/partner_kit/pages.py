"""Rendering and serving of a partner app's pages: templates, the app's CSS, vendored htmx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

import handshake.web
from handshake.demo.partner_kit.sessions import AppSession, SessionBook

KIT_TEMPLATES = Path(__file__).parent / "templates"
KIT_STATIC = Path(__file__).parent / "static"
HTMX = Path(handshake.web.__file__).parent / "static" / "vendor" / "htmx" / "htmx.min.js"


def money(minor: Any, currency: str = "EUR") -> str:
    """``12999`` → ``129.99 EUR``."""
    if not isinstance(minor, int):
        return ""
    return f"{minor / 100:.2f} {currency}"


class Pages:
    """The app's templates (its own folder first, then the kit's base) and its sessions."""

    def __init__(
        self, app_dir: Path, sessions: SessionBook, brand: str, nav: str | None = None
    ) -> None:
        env = Environment(
            loader=FileSystemLoader([app_dir / "templates", KIT_TEMPLATES]),
            autoescape=select_autoescape(["html"]),
        )
        env.filters["money"] = money
        self.templates = Jinja2Templates(env=env)
        self.sessions, self.brand, self.static_dir = sessions, brand, app_dir / "static"
        self.nav = nav  # the template of the app's navigation links, shown on every page

    def render(
        self, request: Request, session: AppSession, name: str, context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        """A page with the session's CSRF token; a new session's cookie is set."""
        full = {"csrf_token": session.csrf_token, "brand": self.brand, "nav": self.nav, **context}
        response = self.templates.TemplateResponse(request, name, full, status_code=status_code)
        response.headers["Cache-Control"] = "no-store"
        return self.sessions.remember(session, response)

    def routes(self) -> list[Route | Mount]:
        """Static files: ``/static/app.css`` and friends, and ``/static/htmx.min.js``."""

        async def htmx(request: Request) -> Response:
            """The platform's vendored htmx, served by the app itself (no CDN)."""
            return FileResponse(HTMX, media_type="text/javascript")

        return [
            Route("/static/htmx.min.js", htmx),
            Mount("/static/kit", StaticFiles(directory=KIT_STATIC), name="kit"),
            Mount("/static", StaticFiles(directory=self.static_dir), name="static"),
        ]
