"""Jinja2 environment over the web shell's and every domain's ``templates/`` folders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from handshake.web.i18n import LOCALE_COOKIE, SUPPORTED_LOCALES, Catalogs, negotiate_locale

WEB_PACKAGE = "handshake.web"


def package_dir(package: str) -> Path:
    """Filesystem folder of an importable package."""
    return Path(str(resources.files(package)))


def locale_url(request: Request, locale: str) -> str:
    """This page's path and query with ``lang`` set to ``locale`` (other parameters kept)."""
    url = request.url.include_query_params(lang=locale)
    return f"{url.path}?{url.query}"


class Templates:
    """Renders pages with the request's locale, CSRF token and current user in context."""

    def __init__(self, packages: Iterable[str]) -> None:
        folders = []
        self.catalogs = Catalogs()
        for package in [WEB_PACKAGE, *packages]:
            root = package_dir(package)
            if (root / "templates").is_dir():
                folders.append(str(root / "templates"))
            if (root / "locales").is_dir():
                self.catalogs.load_dir(root / "locales")
        environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(folders)]),
            autoescape=select_autoescape(["html", "xml"]),
            extensions=["jinja2.ext.i18n"],
        )
        self.jinja = Jinja2Templates(env=environment)

    def locale_for(self, request: Request) -> str:
        """The negotiated locale of ``request``."""
        return negotiate_locale(
            query=request.query_params.get("lang"),
            cookie=request.cookies.get(LOCALE_COOKIE),
            accept_language=request.headers.get("accept-language"),
        )

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render template ``name``; ``_()`` in templates translates to the request's locale."""
        locale = self.locale_for(request)

        def translate(message: str, **values: Any) -> str:
            text = self.catalogs.gettext(locale, message)
            return text % values if values else text

        full: dict[str, Any] = {
            "locale": locale,
            "csrf_token": request.scope.get("state", {}).get("csrf_token", ""),
            "_": translate,
            "gettext": translate,
            "ngettext": lambda one, many, n: translate(one if n == 1 else many),
            "lang_urls": {code: locale_url(request, code) for code in SUPPORTED_LOCALES},
            **(context or {}),
        }
        response = self.jinja.TemplateResponse(request, name, full, status_code=status_code)
        if request.query_params.get("lang") == locale:
            response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 86400, samesite="lax")
        return response


def templates_of(request: Request) -> Templates:
    """The application's :class:`Templates`."""
    templates: Templates = request.app.state.templates
    return templates
