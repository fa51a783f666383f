"""Idempotency keys: a retried request is answered once, whatever the network did."""
