"""ACP's Merchant-Signature and body, the headers of an ACP delivery, and the endpoint rules."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from handshake.partners import registration_rules as rules
from handshake.partners.errors import (
    EventTypesNotForScheme,
    InvalidSigningSecret,
    UnknownSignatureScheme,
)
from handshake.partners.models import SignatureScheme
from handshake.webhooks import acp_signature
from handshake.webhooks.sender import OutgoingWebhook, signed_headers

SECRET = "acp_shared_secret_0123456789"  # a test value
OTHER = "acp_other_secret_9876543210"  # a test value
T = 1_776_400_000
BODY = b'{"type":"order_create","data":{"id":"ord_1","status":"created"}}'
AT = datetime.fromtimestamp(T, tz=UTC)


def _independent(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256(secret, f"{t}.{body}") computed here, not by the module under test."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_sign_is_hmac_sha256_of_timestamp_dot_body_in_lower_case_hex() -> None:
    signature = acp_signature.sign(SECRET, T, BODY)
    assert signature == _independent(SECRET, T, BODY)
    assert len(signature) == 64
    assert signature == signature.lower()
    assert acp_signature.sign(SECRET, T, BODY.decode()) == signature
    # A fixed vector: HMAC-SHA256(key="key", msg="1.{}").
    known = "1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
    assert acp_signature.sign("key", 1, b"{}") == known == _independent("key", 1, b"{}")


def test_header_has_one_timestamp_and_one_v1_per_secret() -> None:
    assert acp_signature.signature_header([SECRET], T, BODY) == (
        f"t={T},v1={_independent(SECRET, T, BODY)}"
    )
    rotating = acp_signature.signature_header([SECRET, OTHER], T, BODY)
    assert rotating == (
        f"t={T},v1={_independent(SECRET, T, BODY)},v1={_independent(OTHER, T, BODY)}"
    )
    assert acp_signature.verify(rotating, BODY, [OTHER], now=T)  # a receiver on the old one
    assert acp_signature.verify(rotating, BODY, [SECRET], now=T)  # a receiver on the new one


def test_verify_accepts_300_seconds_of_skew_and_no_more() -> None:
    header = acp_signature.signature_header([SECRET], T, BODY)
    for skew in (0, 300, -300):
        assert acp_signature.verify(header, BODY, [SECRET], now=T + skew)
    for skew in (301, -301):
        assert not acp_signature.verify(header, BODY, [SECRET], now=T + skew)
    assert acp_signature.verify(header, BODY, [SECRET], now=AT + timedelta(seconds=299))
    assert not acp_signature.verify(header, BODY, [SECRET], now=T + 60, tolerance=30)


def test_verify_refuses_tampered_bodies_wrong_secrets_and_malformed_headers() -> None:
    header = acp_signature.signature_header([SECRET], T, BODY)
    assert not acp_signature.verify(header, BODY.replace(b"ord_1", b"ord_2"), [SECRET], now=T)
    assert not acp_signature.verify(header, BODY, [OTHER], now=T)
    assert not acp_signature.verify(header, BODY, [], now=T)
    moved = header.replace(f"t={T}", f"t={T + 1}")  # the timestamp is signed too
    assert not acp_signature.verify(moved, BODY, [SECRET], now=T)
    good = _independent(SECRET, T, BODY)
    for broken in (
        "",
        f"v1={good}",
        f"t={T}",
        f"t={T},t={T},v1={good}",
        f"t=abc,v1={good}",
        f"t=\u00b2,v1={good}",
        f"t={T};v1={good}",
        f"t={T},v1={good.upper()}",
        f"t={T},v1=é{good[1:]}",
    ):
        assert not acp_signature.verify(broken, BODY, [SECRET], now=T), broken
    assert acp_signature.verify(f" t={T} , v1=00 , v1={good}", BODY, [SECRET], now=T)


def test_event_body_is_compact_type_and_data_the_same_every_time() -> None:
    stored = json.dumps(
        {"type": "acp.order_update", "timestamp": "2026-04-17T10:00:00.000Z",
         "data": {"id": "ord_1", "note": "café", "lines": [{"q": 2}]}},
    )  # fmt: skip
    body = acp_signature.event_body("acp.order_update", stored)
    assert body == '{"type":"order_update","data":{"id":"ord_1","note":"café","lines":[{"q":2}]}}'
    assert acp_signature.event_body("acp.order_update", stored) == body


def test_acp_delivery_headers_carry_merchant_signature_and_webhook_id() -> None:
    body = BODY.decode()
    message = OutgoingWebhook(
        message_id="msg_1", url="https://agent.example/agentic_checkout/webhooks/order_events",
        body=body, secrets=(SECRET, OTHER), scheme=SignatureScheme.ACP,
    )  # fmt: skip
    headers = signed_headers(message, timestamp=AT)
    assert headers == {
        "content-type": "application/json",
        "webhook-id": "msg_1",
        "Merchant-Signature": (
            f"t={T},v1={_independent(SECRET, T, BODY)},v1={_independent(OTHER, T, BODY)}"
        ),
    }


def test_standard_webhooks_headers_are_unchanged() -> None:
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    message = OutgoingWebhook(message_id="msg_1", url="https://x.example/h", body="{}",
                              secrets=(secret,))  # fmt: skip
    headers = signed_headers(message, timestamp=AT)
    assert headers == {
        "content-type": "application/json",
        "webhook-id": "msg_1",
        "webhook-timestamp": str(T),
        "webhook-signature": Webhook(secret).sign("msg_1", AT, "{}"),
    }


@pytest.mark.parametrize(
    ("scheme", "types", "wrong"),
    [
        (SignatureScheme.ACP, ["acp.order_create", "order.created"], "order.created"),
        (
            SignatureScheme.STANDARD_WEBHOOKS,
            ["order.created", "acp.order_update"],
            "acp.order_update",
        ),
    ],
)
def test_event_types_must_fit_the_scheme(
    scheme: SignatureScheme, types: list[str], wrong: str
) -> None:
    with pytest.raises(EventTypesNotForScheme) as caught:
        rules.check_event_types(types, scheme)
    assert caught.value.code == "event_types_not_for_scheme"
    assert caught.value.extra["event_type"] == wrong
    assert rules.check_event_types(types[:1] * 2, scheme) == types[:1]


def test_scheme_names_and_given_secrets_are_checked() -> None:
    assert rules.parse_signature_scheme("acp") is SignatureScheme.ACP
    with pytest.raises(UnknownSignatureScheme) as unknown:
        rules.parse_signature_scheme("stripe")
    assert unknown.value.code == "unknown_signature_scheme"
    assert rules.check_given_secret(SignatureScheme.ACP, None) is None
    assert rules.check_given_secret(SignatureScheme.ACP, "x" * 16) == "x" * 16
    assert rules.check_given_secret(SignatureScheme.ACP, "~" * 100) == "~" * 100
    for bad in ("x" * 15, "x" * 101, " " + "x" * 20, "x" * 20 + "\n", "é" * 20, "a\tb" * 8):
        with pytest.raises(InvalidSigningSecret) as caught:
            rules.check_given_secret(SignatureScheme.ACP, bad)
        assert caught.value.code == "invalid_signing_secret"
    with pytest.raises(InvalidSigningSecret):
        rules.check_given_secret(SignatureScheme.STANDARD_WEBHOOKS, "x" * 20)
