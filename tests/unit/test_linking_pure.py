"""Pure parts of linking: wording, receipts, credential formats, grant rules, lifetime bounds."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from handshake.linking import receipts, secrets_format, wording
from handshake.linking.models import Grant, GrantStatus, OAuthToken
from handshake.partners.kinds import PartnerKind
from handshake.partners.scopes import SCOPES
from handshake.settings import LinkingSettings

NOW = datetime(2031, 5, 2, 8, 30, tzinfo=UTC)


# RFC 7636 Appendix B: the 32 random octets, the verifier they encode, and its S256 challenge.
# (The RFC lists the octets in decimal: [116, 24, 223, 180, … 141, 121].)
RFC_7636_OCTETS = bytes.fromhex("7418dfb49799e0254ffa607dd8adbbba16d4254d69d6bff05b58055853848d79")
RFC_7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_challenge_matches_rfc_7636_appendix_b() -> None:
    assert base64.urlsafe_b64encode(RFC_7636_OCTETS).rstrip(b"=").decode() == RFC_7636_VERIFIER

    assert secrets_format.s256_challenge(RFC_7636_VERIFIER) == RFC_7636_CHALLENGE


def test_credentials_carry_their_prefix_and_256_random_bits() -> None:
    made = {
        secrets_format.new_access_token(),
        secrets_format.new_refresh_token(),
        secrets_format.new_code(),
    }

    assert sorted(token[:5] for token in made) == ["hsac_", "hsat_", "hsrt_"]
    assert {len(token) for token in made} == {5 + 43}
    assert secrets_format.new_code() not in made


def test_only_a_hex_sha256_digest_of_a_secret_is_stored() -> None:
    # FIPS 180-2's SHA-256 example ("abc").
    assert secrets_format.digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_pairwise_subject_is_stable_per_partner_and_differs_between_partners() -> None:
    key = b"k" * 32
    first = secrets_format.pairwise_subject(key=key, partner_id="ptn_a", shopper_id="shp_1")

    assert first == secrets_format.pairwise_subject(key=key, partner_id="ptn_a", shopper_id="shp_1")
    assert first != secrets_format.pairwise_subject(key=key, partner_id="ptn_b", shopper_id="shp_1")
    assert first != secrets_format.pairwise_subject(
        key=b"j" * 32, partner_id="ptn_a", shopper_id="shp_1"
    )
    assert first.startswith("sub_")
    assert "shp_1" not in first
    assert len(first) == 4 + 24


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (PartnerKind.SOCIAL, "shoppable_ads"),
        (PartnerKind.VIDEO, "shoppable_video"),
        (PartnerKind.ASSISTANT, "shopping_assistant"),
        (PartnerKind.DEVICE_MAKER, "device_control"),
    ],
)
def test_every_partner_kind_has_a_purpose_in_both_languages(kind: PartnerKind, code: str) -> None:
    assert wording.purpose_of(kind) == code
    english = wording.describe_purpose(kind, "en")
    french = wording.describe_purpose(kind, "fr-FR")
    assert english
    assert french
    assert english != french
    assert wording.describe_purpose(kind, "de") == english


def test_scope_kind_and_event_sentences_fall_back_to_their_code_when_unknown() -> None:
    assert wording.describe_scope("offers", "fr") == SCOPES["offers"].fr
    assert wording.describe_scope("no.such.scope", "en") == "no.such.scope"
    assert wording.describe_kind("device_maker", "fr") == "fabricant d'appareils"
    assert wording.describe_kind("spaceship", "en") == "spaceship"
    assert wording.describe_event("unlinked", "en") == "You unlinked the app."
    assert wording.describe_event("teleported", "fr") == "teleported"


def test_what_a_partner_never_gets_is_said_in_each_language() -> None:
    english = wording.never_shared(PartnerKind.ASSISTANT, "en")
    french = wording.never_shared(PartnerKind.ASSISTANT, "fr")

    assert english[0] == "your password, your e-mail address or your phone number"
    assert french[2] == "votre numéro de carte : le paiement reste chez la boutique"
    assert len(english) == len(french) == 4


def test_only_the_scopes_a_link_needs_cannot_be_unticked() -> None:
    assert [s for s in SCOPES if not wording.is_optional(s)] == [
        "profile",
        "offers",
        "devices.command",
    ]


def test_build_receipt_states_who_what_when_why_and_how_to_revoke() -> None:
    facts = receipts.ReceiptFacts(
        receipt_id="rcp_1",
        grant_id="lnk_1",
        shopper_id="shp_1",
        partner_id="ptn_1",
        partner_name="Pixfeed",
        partner_kind=PartnerKind.SOCIAL,
        scopes_granted=["profile", "offers", "checkout"],
        scopes_added=["checkout"],
        issued_at=NOW,
        expires_at=NOW + timedelta(days=365),
        controller_name="Boutique Dupont",
        controller_url="https://shop.example/",
        language="en",
    )

    assert receipts.build_receipt(facts) == {
        "version": "handshake-consent-receipt/1",
        "receipt_id": "rcp_1",
        "language": "en",
        "consent_timestamp": "2031-05-02T08:30:00+00:00",
        "collection_method": "consent page of the store during account linking (OAuth 2.0)",
        "pii_principal_id": "shp_1",
        "pii_controller": {"name": "Boutique Dupont", "url": "https://shop.example/"},
        "recipient": {"partner_id": "ptn_1", "name": "Pixfeed", "kind": "social"},
        "link_id": "lnk_1",
        "purpose": {
            "code": "shoppable_ads",
            "text": "show you the store's offers in the app, at your price, and let you buy there",
        },
        "scopes": [
            {
                "scope": "profile",
                "text": "your name and membership status",
                "added_by_this_approval": False,
            },
            {
                "scope": "offers",
                "text": "your prices, stock and delivery estimate to your address",
                "added_by_this_approval": False,
            },
            {
                "scope": "checkout",
                "text": (
                    "buy with your saved address and card — every purchase still needs your tap"
                ),
                "added_by_this_approval": True,
            },
        ],
        "not_shared": [
            "your password, your e-mail address or your phone number",
            "your postal address: the app only sees a delivery estimate",
            "your card number: payment stays with the store",
            "orders you placed elsewhere than in this app",
        ],
        "valid_until": "2032-05-01T08:30:00+00:00",
        "how_to_revoke": {
            "text": (
                "You can unlink this app at any time under My account → Linked apps; it then "
                "loses access immediately."
            ),
            "url": "https://shop.example/account/links/lnk_1",
            "api": "DELETE /api/v1/me/links/lnk_1",
        },
    }


def test_receipt_in_french_translates_every_sentence() -> None:
    facts = receipts.ReceiptFacts(
        receipt_id="rcp_1",
        grant_id="lnk_1",
        shopper_id="shp_1",
        partner_id="ptn_1",
        partner_name="Thermia",
        partner_kind=PartnerKind.DEVICE_MAKER,
        scopes_granted=["devices.command"],
        scopes_added=["devices.command"],
        issued_at=NOW,
        expires_at=NOW,
        controller_name="Boutique",
        controller_url="https://shop.example",
        language="fr",
    )

    document = receipts.build_receipt(facts)

    assert document["purpose"]["text"] == wording.describe_purpose(PartnerKind.DEVICE_MAKER, "fr")
    assert document["scopes"][0]["text"] == SCOPES["devices.command"].fr
    assert document["not_shared"] == wording.never_shared(PartnerKind.DEVICE_MAKER, "fr")
    assert document["how_to_revoke"]["text"] == wording.HOW_TO_REVOKE.fr


def _grant(**values: object) -> Grant:
    defaults: dict[str, object] = {
        "id": "lnk_1",
        "shopper_id": "shp_1",
        "partner_id": "ptn_1",
        "scopes": ["profile"],
        "purpose": "shoppable_ads",
        "status": GrantStatus.ACTIVE,
        "expires_at": NOW + timedelta(days=1),
    }
    return Grant(**{**defaults, **values})


def test_grant_expires_at_its_expiry_and_a_revoked_one_stays_revoked() -> None:
    grant = _grant()

    assert grant.effective_status(NOW) == GrantStatus.ACTIVE
    assert grant.effective_status(NOW + timedelta(days=1)) == GrantStatus.EXPIRED
    grant.revoke(by="partner", reason="revoked_by_partner", at=NOW)
    assert grant.effective_status(NOW + timedelta(days=2)) == GrantStatus.REVOKED
    assert not grant.is_usable(NOW)
    assert (grant.revoked_at, grant.revoked_by) == (NOW, "partner")


def test_grant_widens_only_by_scopes_it_lacks() -> None:
    grant = _grant(scopes=["profile", "offers"])

    assert grant.covers(["offers"])
    assert not grant.covers(["offers", "checkout"])
    assert grant.add_scopes(["offers", "checkout"], at=NOW) == ["checkout"]
    assert grant.scopes == ["profile", "offers", "checkout"]
    assert grant.amended_at == NOW
    assert grant.add_scopes(["profile"], at=NOW + timedelta(hours=1)) == []
    assert grant.amended_at == NOW


def test_rotated_or_revoked_refresh_token_is_dead_even_before_expiry() -> None:
    token = OAuthToken(
        refresh_hash="h",
        expires_at=NOW + timedelta(hours=1),
        refresh_expires_at=NOW + timedelta(days=30),
    )

    assert token.refresh_is_live(NOW)
    assert token.access_is_live(NOW)
    token.rotated_at = NOW
    assert not token.refresh_is_live(NOW)
    assert token.access_is_live(NOW)
    token.revoked_at = NOW
    assert not token.access_is_live(NOW)


@pytest.mark.parametrize(
    "field",
    [{"access_token_seconds": 3601}, {"authorization_code_seconds": 61}],
    ids=["access-over-an-hour", "code-over-a-minute"],
)
def test_token_and_code_lifetimes_cannot_be_configured_longer_than_the_issue_allows(
    field: dict[str, int],
) -> None:
    with pytest.raises(ValidationError):
        LinkingSettings(**field)  # type: ignore[arg-type]
    defaults = LinkingSettings()
    assert (defaults.access_token_seconds, defaults.authorization_code_seconds) == (3600, 60)
