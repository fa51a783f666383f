"""Structured logging set-up: JSON in production, readable console in development."""

from __future__ import annotations

import logging
import sys

import structlog

from handshake.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Route stdlib and structlog records through one structlog pipeline."""
    as_json = settings.log.json_output
    if as_json is None:
        as_json = not settings.is_development
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(settings.log.level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=settings.log.level.upper(), stream=sys.stderr, format="%(message)s")
