"""Recommendations store nothing: suggestions are computed from consented signals on each ask."""
