"""Webhooks: signed deliveries of partner events (Standard Webhooks), retries, replay."""
