"""Pure rules of the Agentic Commerce Protocol adapter: versions, errors, paths, baskets."""

from __future__ import annotations

import json

import pytest

from handshake.agentic.errors import MissingApiVersion, SessionNotCancelable, UnsupportedApiVersion
from handshake.agentic.protocol import (
    check_api_version,
    domain_error_response,
    error_body,
    json_path,
)
from handshake.agentic.service import basket_of
from handshake.checkout.service import CatalogItem
from handshake.idempotency.errors import IdempotencyInFlight
from handshake.payments.errors import PaymentAuthenticationRequired


def test_the_pinned_version_is_accepted_with_surrounding_spaces() -> None:
    assert check_api_version(" 2026-04-17 ") == "2026-04-17"


@pytest.mark.parametrize(
    ("value", "error"),
    [(None, MissingApiVersion), ("", MissingApiVersion), ("2025-09-29", UnsupportedApiVersion)],
)
def test_a_missing_or_other_version_is_refused_with_the_supported_ones(
    value: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        check_api_version(value)
    response = domain_error_response(raised.value)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert json.loads(bytes(response.body))["supported_versions"] == ["2026-04-17"]


def test_error_types_follow_the_status() -> None:
    assert error_body(422, "x", "m")["type"] == "invalid_request"
    assert error_body(500, "x", "m")["type"] == "processing_error"
    assert error_body(503, "x", "m", "$.a") == {
        "type": "service_unavailable", "code": "x", "message": "m", "param": "$.a",
    }  # fmt: skip


def test_protocol_names_and_statuses_replace_ours() -> None:
    three_ds = domain_error_response(PaymentAuthenticationRequired("issuer asks"))
    assert json.loads(bytes(three_ds.body))["code"] == "requires_3ds"
    closed = domain_error_response(SessionNotCancelable("done"))
    assert closed.status_code == 405
    busy = domain_error_response(IdempotencyInFlight("running", retry_after_seconds=3))
    assert (busy.status_code, busy.headers["Retry-After"]) == (409, "3")


def test_pydantic_locations_become_jsonpaths() -> None:
    assert json_path(("body", "line_items", 0, "id")) == "$.line_items[0].id"
    assert json_path(("body",)) == "$"


def test_repeated_items_add_up_and_keep_the_last_expected_price() -> None:
    basket = basket_of([("A", 1, None), ("B", 2, 500), ("A", 1, 700)])
    assert basket.items == (CatalogItem("A", 2), CatalogItem("B", 2))
    assert basket.expected_prices == {"B": 500, "A": 700}
