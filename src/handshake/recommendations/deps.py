"""FastAPI dependencies of recommendations: the merchant's rules, built once per application."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from handshake.recommendations import service
from handshake.web.deps import built_once


async def recommendation_rules(request: Request) -> service.RecommendationRules:
    """The application's recommendation rules."""
    return built_once(request, "recommendation_rules", service.rules_from_settings)


Rules = Annotated[service.RecommendationRules, Depends(recommendation_rules)]
