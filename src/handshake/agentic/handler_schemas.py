"""JSON Schemas of our payment handler, served so agents can check what they send (pure)."""

from __future__ import annotations

from typing import Any

CONFIG_PATH = "/acp/schemas/delegated-card-config.json"
INSTRUMENT_PATH = "/acp/schemas/vault-token-instrument.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def config_schema(public_url: str) -> dict[str, Any]:
    """The handler's ``config``: where to delegate a card, and for which merchant."""
    return {
        "$schema": DRAFT, "$id": f"{public_url}{CONFIG_PATH}", "type": "object",
        "required": ["merchant_id", "delegate_payment_url"],
        "properties": {
            "merchant_id": {"type": "string", "description": "allowance.merchant_id to use"},
            "delegate_payment_url": {"type": "string", "format": "uri"},
        },
    }  # fmt: skip


def instrument_schema(public_url: str) -> dict[str, Any]:
    """The instrument /complete takes: a card as a delegated vault token (``vt_…``)."""
    return {
        "$schema": DRAFT, "$id": f"{public_url}{INSTRUMENT_PATH}", "type": "object",
        "required": ["type", "credential"],
        "properties": {
            "type": {"const": "card"},
            "credential": {
                "type": "object", "required": ["type", "token"],
                "properties": {
                    "type": {"enum": ["vault_token", "spt"]},
                    "token": {"type": "string", "pattern": "^vt_"},
                },
            },
        },
    }  # fmt: skip
