"""Offer tokens (Ed25519 compact JWS): signing, every way verification refuses, and the keyring."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from joserfc import jws
from joserfc.jwk import OKPKey

from handshake.kernel.errors import DomainError
from handshake.offers.errors import (
    OfferTokenExpired,
    OfferTokenInvalid,
    OfferTokenWrongPartner,
    OfferTokenWrongShopper,
)
from handshake.offers.models import OfferSigningKey
from handshake.offers.signing_keys import (
    Keyring,
    build_keyring,
    new_signing_key,
    public_jwk,
    unwrap,
    wrapping_key,
)
from handshake.offers.tokens import OfferClaims, sign_offer, token_kid, verify_offer

NOW = datetime(2029, 3, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=600)
WRAPPER = wrapping_key("unit-test-secret-0123456789abcdef")
OTHER_WRAPPER = wrapping_key("another-secret-0123456789abcdef012")
PARTNER = "ptn_social"
SUBJECT = "sub_pairwise"


def claims(**overrides: Any) -> OfferClaims:
    values: dict[str, Any] = {
        "token_id": "oft_1", "issuer": "https://shop.example", "partner_id": PARTNER,
        "subject": SUBJECT, "variant_id": "var_1", "sku": "ACM-X1-WHT",
        "unit_price_minor": 11999, "currency": "EUR", "member_price": True,
        "placement_id": "feed", "campaign_id": "spring", "creative_id": None,
        "issued_at": NOW, "expires_at": NOW + TTL,
    }  # fmt: skip
    values.update(overrides)
    return OfferClaims(**values)


def fresh_key(wrapper: Fernet = WRAPPER) -> tuple[OfferSigningKey, OKPKey]:
    return new_signing_key(wrapper)


def keyring_of(*rows: OfferSigningKey, now: datetime = NOW) -> Keyring:
    return build_keyring(list(rows), WRAPPER, now=now, loaded_at=now.timestamp())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def segments(token: str) -> list[str]:
    return token.split(".")


def signed(header: dict[str, Any], payload: Any, key: OKPKey) -> str:
    """A compact JWS over arbitrary header and payload, signed with ``key``."""
    body = json.dumps(payload).encode()
    return jws.serialize_compact(header, body, key, algorithms=["Ed25519"])


def verify(token: str, keyring: Keyring, **overrides: Any) -> OfferClaims:
    options: dict[str, Any] = {"partner_id": PARTNER, "now": NOW, "subject": SUBJECT}
    options.update(overrides)
    return verify_offer(token, keyring, **options)


def refused(error: type[DomainError], token: str, keyring: Keyring, **overrides: Any) -> str:
    with pytest.raises(error) as caught:
        verify(token, keyring, **overrides)
    return caught.value.code


@pytest.fixture
def key() -> tuple[OfferSigningKey, Keyring]:
    row, _ = fresh_key()
    return row, keyring_of(row)


# --- round trip ----------------------------------------------------------------------------


def test_a_signed_token_verifies_to_the_same_claims(key: tuple[OfferSigningKey, Keyring]) -> None:
    row, keyring = key

    token = sign_offer(claims(), keyring)

    assert verify(token, keyring) == claims()
    assert verify(token, keyring, subject=None) == claims()
    assert token_kid(token) == row.kid
    header, payload, _ = segments(token)
    assert json.loads(unb64(header)) == {"alg": "Ed25519", "kid": row.kid, "typ": "offer+jws"}
    assert json.loads(unb64(payload)) == {
        "iss": "https://shop.example", "aud": PARTNER, "sub": SUBJECT, "jti": "oft_1",
        "iat": int(NOW.timestamp()), "exp": int((NOW + TTL).timestamp()),
        "variant_id": "var_1", "sku": "ACM-X1-WHT", "unit_price_minor": 11999,
        "currency": "EUR", "member_price": True, "placement_id": "feed",
        "campaign_id": "spring", "creative_id": None,
    }  # fmt: skip


# --- tampering and forged headers ----------------------------------------------------------


def test_a_flipped_payload_character_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    header, payload, signature = segments(sign_offer(claims(), key[1]))
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]

    code = refused(OfferTokenInvalid, f"{header}.{flipped}.{signature}", key[1])

    assert code == "offer_token_invalid"


def test_a_lowered_price_in_the_payload_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    header, payload, signature = segments(sign_offer(claims(), key[1]))
    cheaper = {**json.loads(unb64(payload)), "unit_price_minor": 1}
    forged = f"{header}.{b64(json.dumps(cheaper).encode())}.{signature}"

    assert refused(OfferTokenInvalid, forged, key[1]) == "offer_token_invalid"


def test_a_flipped_signature_character_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    header, payload, signature = segments(sign_offer(claims(), key[1]))
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B")
    flipped += signature[middle + 1 :]

    assert refused(OfferTokenInvalid, f"{header}.{payload}.{flipped}", key[1])


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "HS256", "typ": "offer+jws"},
        {"alg": "none", "typ": "offer+jws"},
        {"alg": "EdDSA", "typ": "offer+jws"},
    ],
    ids=["hs256", "none", "eddsa"],
)
def test_another_algorithm_in_the_header_is_refused(
    key: tuple[OfferSigningKey, Keyring], header: dict[str, str]
) -> None:
    row, keyring = key
    _, payload, signature = segments(sign_offer(claims(), keyring))
    forged = f"{b64(json.dumps({**header, 'kid': row.kid}).encode())}.{payload}.{signature}"

    with pytest.raises(OfferTokenInvalid):
        token_kid(forged)
    assert refused(OfferTokenInvalid, forged, keyring)


def test_a_header_without_kid_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    assert key[1].signer is not None
    token = signed({"alg": "Ed25519", "typ": "offer+jws"}, claims().as_payload(), key[1].signer)

    assert refused(OfferTokenInvalid, token, key[1])


@pytest.mark.parametrize("garbage", ["", "not-a-jws", "a.b", "é.é.é"])
def test_something_that_is_not_a_compact_jws_is_refused(
    key: tuple[OfferSigningKey, Keyring], garbage: str
) -> None:
    with pytest.raises(OfferTokenInvalid):
        token_kid(garbage)
    assert refused(OfferTokenInvalid, garbage, key[1])


def test_a_kid_the_keyring_does_not_know_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    stranger, _ = fresh_key()
    token = sign_offer(claims(), keyring_of(stranger))

    assert refused(OfferTokenInvalid, token, key[1])


def test_another_key_pair_claiming_the_same_kid_is_refused(
    key: tuple[OfferSigningKey, Keyring],
) -> None:
    row, keyring = key
    impostor = OKPKey.generate_key("Ed25519", parameters={"kid": row.kid}, private=True)
    token = sign_offer(claims(), Keyring(signer=impostor))

    assert token_kid(token) == row.kid
    assert refused(OfferTokenInvalid, token, keyring)


@pytest.mark.parametrize("typ", ["JWT", None])
def test_a_token_of_another_type_is_refused(
    key: tuple[OfferSigningKey, Keyring], typ: str | None
) -> None:
    row, keyring = key
    assert keyring.signer is not None
    header = {"alg": "Ed25519", "kid": row.kid, **({"typ": typ} if typ else {})}

    token = signed(header, claims().as_payload(), keyring.signer)

    assert refused(OfferTokenInvalid, token, keyring)


@pytest.mark.parametrize(
    "payload",
    [
        {k: v for k, v in claims().as_payload().items() if k != "sku"},
        {k: v for k, v in claims().as_payload().items() if k != "exp"},
        {**claims().as_payload(), "unit_price_minor": "11999"},
        {**claims().as_payload(), "unit_price_minor": True},
        {**claims().as_payload(), "sub": ""},
        {**claims().as_payload(), "campaign_id": 7},
        [claims().as_payload()],
    ],
    ids=["no-sku", "no-exp", "price-text", "price-bool", "empty-sub", "campaign-int", "list"],
)
def test_missing_or_malformed_claims_are_refused(
    key: tuple[OfferSigningKey, Keyring], payload: Any
) -> None:
    row, keyring = key
    assert keyring.signer is not None
    token = signed({"alg": "Ed25519", "kid": row.kid, "typ": "offer+jws"}, payload, keyring.signer)

    assert refused(OfferTokenInvalid, token, keyring) == "offer_token_invalid"


# --- lifetime, partner, shopper ------------------------------------------------------------


def test_a_token_expires_at_exp(key: tuple[OfferSigningKey, Keyring]) -> None:
    token = sign_offer(claims(), key[1])
    last_second = NOW + TTL - timedelta(seconds=1)

    assert verify(token, key[1], now=last_second) == claims()
    with pytest.raises(OfferTokenExpired) as caught:
        verify(token, key[1], now=NOW + TTL)
    assert caught.value.code == "offer_token_expired"
    assert caught.value.extra == {"expired_at": (NOW + TTL).isoformat()}


def test_a_token_issued_in_the_future_is_refused_beyond_the_skew(
    key: tuple[OfferSigningKey, Keyring],
) -> None:
    token = sign_offer(claims(), key[1])

    assert verify(token, key[1], now=NOW - timedelta(seconds=5)) == claims()
    assert refused(OfferTokenInvalid, token, key[1], now=NOW - timedelta(seconds=6))


def test_another_partners_token_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    token = sign_offer(claims(), key[1])

    code = refused(OfferTokenWrongPartner, token, key[1], partner_id="ptn_other")

    assert code == "offer_token_wrong_partner"


def test_another_shoppers_token_is_refused(key: tuple[OfferSigningKey, Keyring]) -> None:
    token = sign_offer(claims(), key[1])

    code = refused(OfferTokenWrongShopper, token, key[1], subject="sub_someone_else")

    assert code == "offer_token_wrong_shopper"


# --- keys and keyrings ---------------------------------------------------------------------


def test_a_new_key_stores_its_public_half_in_clear_and_its_private_half_wrapped() -> None:
    row, private = fresh_key()

    assert row.kid.startswith("ofk_")
    assert row.algorithm == "Ed25519"
    assert row.public_jwk == {
        "kty": "OKP", "crv": "Ed25519", "x": private.as_dict(private=False)["x"],
        "kid": row.kid, "alg": "Ed25519", "use": "sig",
    }  # fmt: skip
    assert public_jwk(private) == row.public_jwk
    assert "PRIVATE KEY" not in row.wrapped_private_key
    assert str(private.as_dict(private=True)["d"]) not in row.wrapped_private_key
    unwrapped = unwrap(row, WRAPPER)
    assert unwrapped is not None
    assert unwrapped.as_dict(private=True) == private.as_dict(private=True)
    assert unwrap(row, OTHER_WRAPPER) is None


def test_signs_at_and_verifies_at_follow_retirement_and_expiry() -> None:
    row, _ = fresh_key()
    assert (row.signs_at(NOW), row.verifies_at(NOW)) == (True, True)

    row.retired_at, row.expires_at = NOW, NOW + TTL

    assert row.signs_at(NOW - timedelta(microseconds=1)) is True
    assert row.signs_at(NOW) is False
    assert row.verifies_at(NOW + TTL - timedelta(microseconds=1)) is True
    assert row.verifies_at(NOW + TTL) is False


def test_the_keyring_signs_with_the_newest_key_and_verifies_every_live_one() -> None:
    older, _ = fresh_key()
    newer, _ = fresh_key()
    expired, _ = fresh_key()
    expired.retired_at, expired.expires_at = NOW - TTL, NOW
    assert older.kid < newer.kid

    keyring = keyring_of(newer, expired, older)

    assert keyring.signer_kid == newer.kid
    assert sorted(keyring.verifiers) == sorted([older.kid, newer.kid])
    assert keyring.loaded_at == NOW.timestamp()


def test_a_retired_newest_key_leaves_signing_to_an_unretired_one() -> None:
    older, _ = fresh_key()
    newer, _ = fresh_key()
    newer.retired_at, newer.expires_at = NOW, NOW + TTL

    keyring = keyring_of(older, newer)

    assert keyring.signer_kid == older.kid
    assert sorted(keyring.verifiers) == sorted([older.kid, newer.kid])


def test_a_key_wrapped_under_another_secret_cannot_sign_but_still_verifies() -> None:
    foreign, foreign_private = fresh_key(OTHER_WRAPPER)
    token = sign_offer(claims(), Keyring(signer=foreign_private))

    keyring = keyring_of(foreign)

    assert keyring.signer is None
    assert keyring.signer_kid is None
    assert list(keyring.verifiers) == [foreign.kid]
    assert verify(token, keyring) == claims()


def test_the_newest_key_we_can_unwrap_signs() -> None:
    ours, _ = fresh_key()
    foreign, _ = fresh_key(OTHER_WRAPPER)
    assert ours.kid < foreign.kid

    keyring = keyring_of(ours, foreign)

    assert keyring.signer_kid == ours.kid
    token = sign_offer(replace(claims(), token_id="oft_2"), keyring)
    assert token_kid(token) == ours.kid
    assert verify(token, keyring).token_id == "oft_2"
