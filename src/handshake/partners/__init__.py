"""The partners domain."""
