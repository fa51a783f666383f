"""Request bodies are compared as canonical JSON (RFC 8785), per the ACP idempotency rules."""

from __future__ import annotations

import pytest

from handshake.idempotency.errors import IdempotencyKeyRequired
from handshake.idempotency.service import fingerprint, keyed_request
from handshake.web.problems import STATUS_BY_CATEGORY


def test_key_order_and_number_spelling_do_not_matter() -> None:
    assert fingerprint({"a": 1.0, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": None}, {}),  # null clears a field: not the same as absent
        ({"a": [1, 2]}, {"a": [2, 1]}),  # arrays are ordered
        ({"a": "1"}, {"a": 1}),
    ],
)
def test_different_bodies_have_different_fingerprints(first: object, second: object) -> None:
    assert fingerprint(first) != fingerprint(second)


@pytest.mark.parametrize("key", [None, "", "x" * 256, "bad\nkey"])
def test_a_missing_or_unusable_key_is_a_400(key: str | None) -> None:
    with pytest.raises(IdempotencyKeyRequired) as caught:
        keyed_request(scope="ptn_1:/partner/v1/x", key=key, body={})

    assert caught.value.code == "idempotency_key_required"
    assert STATUS_BY_CATEGORY[caught.value.category] == 400


def test_a_keyed_request_carries_scope_key_and_fingerprint() -> None:
    request = keyed_request(scope="ptn_1:/p", key="k-1", body={"q": 2})

    assert (request.scope, request.key, request.fingerprint) == (
        "ptn_1:/p",
        "k-1",
        fingerprint({"q": 2}),
    )
