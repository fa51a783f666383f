"""Use cases of recommendations (the rules themselves are pure: ``rules``)."""

from __future__ import annotations

from handshake.recommendations.policy import RecommendationRules as RecommendationRules
from handshake.recommendations.policy import rules_from_settings as rules_from_settings
from handshake.recommendations.rules import RuleCode as RuleCode
from handshake.recommendations.suggestions import Basis as Basis
from handshake.recommendations.suggestions import SuggestedProduct as SuggestedProduct
from handshake.recommendations.suggestions import Suggestion as Suggestion
from handshake.recommendations.suggestions import suggest_for_shopper as suggest_for_shopper
