"""Pure rules of the partners domain: scope registry, URL rules, credential formats."""

from __future__ import annotations

import base64
import hashlib

import pytest

from handshake.partners import credentials, endpoint_urls, event_types, scopes
from handshake.partners.errors import InvalidRedirectUri, InvalidWebhookUrl
from handshake.partners.kinds import PartnerKind


def test_scopes_for_each_kind() -> None:
    shopping = ["profile", "offers", "checkout", "orders"]
    assert scopes.scopes_for_kind(PartnerKind.SOCIAL) == shopping
    assert scopes.scopes_for_kind(PartnerKind.VIDEO) == shopping
    assert scopes.scopes_for_kind(PartnerKind.ASSISTANT) == shopping
    assert scopes.scopes_for_kind(PartnerKind.DEVICE_MAKER) == [
        "profile",
        "devices.command",
        "devices.query",
        "devices.stream",
    ]


def test_scope_wording_in_both_languages() -> None:
    profile = scopes.SCOPES["profile"]
    assert profile.describe("en") == "your name and membership status"
    assert profile.describe("fr-FR") == "votre nom et votre statut de membre"
    assert profile.describe("de") == "your name and membership status"
    checkout = scopes.SCOPES["checkout"].describe("en")
    assert checkout == "buy with your saved address and card — every purchase still needs your tap"
    for scope in scopes.SCOPES.values():
        assert scope.en
        assert scope.fr
        assert scope.en != scope.fr
        assert scope.kinds


def test_scope_filters_name_unknown_and_refused_scopes() -> None:
    assert scopes.unknown_scopes(["profile", "admin", "offers"]) == ["admin"]
    assert scopes.scopes_not_allowed(PartnerKind.SOCIAL, ["profile", "devices.stream"]) == [
        "devices.stream"
    ]
    assert scopes.scopes_not_allowed(PartnerKind.DEVICE_MAKER, ["checkout", "profile"]) == [
        "checkout"
    ]
    assert scopes.get_scope("nope") is None


@pytest.mark.parametrize(
    ("uri", "public"),
    [
        ("https://partner.example/callback", False),
        ("https://partner.example:8443/cb?app=1", False),
        ("http://127.0.0.1:8765/callback", False),
        ("http://localhost:3000/cb", False),
        ("http://[::1]:9000/cb", True),
        ("com.example.app:/oauth2redirect", True),
    ],
)
def test_acceptable_redirect_uris(uri: str, public: bool) -> None:
    assert endpoint_urls.validate_redirect_uri(uri, public_client=public) == uri


@pytest.mark.parametrize(
    ("uri", "public", "reason"),
    [
        ("http://partner.example/cb", False, "https is required"),
        ("http://10.0.0.5/cb", False, "https is required"),
        ("https://partner.example/cb#frag", False, "fragment"),
        ("https://partner.example/cb#", False, "fragment"),
        ("/relative/callback", False, "absolute"),
        ("partner.example/cb", False, "absolute"),
        ("https:///no-host", False, "no host"),
        ("https://user:pw@partner.example/cb", False, "user names"),
        ("https://*.partner.example/cb", False, "wildcards"),
        ("https://partner.example:99999/cb", False, "port"),
        ("https://[::1/cb", False, "cannot be parsed"),
        ("https://partner.example/c b", False, "spaces"),
        ("com.example.app:/cb", False, "not allowed"),
        ("myapp://cb", True, "reversed domain"),
        ("javascript:alert(1)", True, "not allowed"),
        ("", False, "1 to"),
    ],
)
def test_rejected_redirect_uris(uri: str, public: bool, reason: str) -> None:
    with pytest.raises(InvalidRedirectUri) as caught:
        endpoint_urls.validate_redirect_uri(uri, public_client=public)
    assert caught.value.code == "invalid_redirect_uri"
    assert reason in caught.value.extra["reason"]


def test_redirect_uri_list_is_deduplicated_and_capped() -> None:
    uris = ["https://a.example/cb", "https://a.example/cb", "https://b.example/cb"]
    assert endpoint_urls.validate_redirect_uris(uris, public_client=False) == [
        "https://a.example/cb",
        "https://b.example/cb",
    ]
    many = [f"https://a.example/cb{i}" for i in range(21)]
    with pytest.raises(InvalidRedirectUri):
        endpoint_urls.validate_redirect_uris(many, public_client=False)


def test_webhook_urls_follow_web_rules_without_private_schemes() -> None:
    assert endpoint_urls.validate_webhook_url("https://hooks.example/in") == (
        "https://hooks.example/in"
    )
    assert endpoint_urls.validate_webhook_url("http://127.0.0.1:9000/in")
    for bad in ["http://hooks.example/in", "com.example.app:/in", "https://h.example/#x"]:
        with pytest.raises(InvalidWebhookUrl):
            endpoint_urls.validate_webhook_url(bad)


def test_client_secret_format_hash_and_constant_time_check() -> None:
    secret = credentials.new_client_secret()
    assert secret.startswith("hss_")
    assert len(secret) == 4 + 43
    assert secret != credentials.new_client_secret()
    stored = credentials.hash_client_secret(secret)
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert credentials.client_secret_matches(secret, stored) is True
    assert credentials.client_secret_matches(secret + "x", stored) is False
    assert credentials.client_secret_matches(secret, None) is False
    assert credentials.secret_hint(secret) == secret[:8] + "…"


def test_webhook_secret_is_standard_webhooks_format() -> None:
    secret = credentials.new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


def test_event_type_registry_can_be_extended() -> None:
    assert event_types.unknown_event_types(["order.created", "example.registered"]) == [
        "example.registered"
    ]
    with pytest.raises(ValueError, match="bad webhook event type"):
        event_types.register_event_type("no-dots here")
    event_types.register_event_type("example.registered")
    try:
        event_types.register_event_type("example.registered")
        assert event_types.WEBHOOK_EVENT_TYPES.count("example.registered") == 1
        assert event_types.unknown_event_types(["example.registered"]) == []
    finally:
        event_types.WEBHOOK_EVENT_TYPES.remove("example.registered")
