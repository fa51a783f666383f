"""Recommendations: product suggestions from consented device signals only, each with its reason."""
