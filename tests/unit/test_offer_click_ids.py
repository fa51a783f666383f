"""Click ids: deterministic per (partner, event), bound to the partner, refused when altered."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from handshake.offers.click_ids import (
    MAX_LENGTH,
    ClickReference,
    _mac,
    derive_click_secret,
    new_click_id,
    verify_click_id,
)

SECRET = derive_click_secret("test-secret-key-0123456789abcdef0123456789")
SHAPE = re.compile(r"^clk_[a-z2-7]{26}\.[a-z2-7]{16}$")


def click(partner_id: str = "ptn_a", event_id: str = "evt-1") -> str:
    return new_click_id(secret=SECRET, partner_id=partner_id, event_id=event_id)


def altered(text: str, index: int) -> str:
    """``text`` with the character at ``index`` replaced by another of the base32 alphabet."""
    return text[:index] + ("b" if text[index] != "b" else "c") + text[index + 1 :]


def test_a_click_id_is_deterministic_per_partner_and_event() -> None:
    first = click()

    assert SHAPE.match(first)
    assert len(first) == 47 <= MAX_LENGTH
    assert click() == first
    assert click(event_id="evt-2") != first
    assert click(partner_id="ptn_b") != first
    assert click(partner_id="ptn_b").split(".")[0] != first.split(".")[0]


def test_the_secret_is_derived_and_text_or_bytes_give_the_same() -> None:
    raw = "test-secret-key-0123456789abcdef0123456789"

    assert derive_click_secret(raw) == derive_click_secret(raw.encode()) == SECRET
    assert len(SECRET) == 32
    assert raw.encode() != SECRET
    assert derive_click_secret("another secret") != SECRET


def test_a_click_id_verifies_for_its_own_partner() -> None:
    click_id = click()
    key = click_id.removeprefix("clk_").split(".")[0]

    reference = verify_click_id(click_id, secret=SECRET, partner_id="ptn_a")

    assert reference == ClickReference(click_id=click_id, partner_id="ptn_a", key=key)


def test_a_click_id_of_another_partner_is_refused() -> None:
    assert verify_click_id(click(), secret=SECRET, partner_id="ptn_b") is None


def test_a_click_id_under_another_secret_is_refused() -> None:
    other = derive_click_secret("another secret")

    assert verify_click_id(click(), secret=other, partner_id="ptn_a") is None


def test_an_altered_key_or_mac_is_refused() -> None:
    click_id = click()
    dot = click_id.index(".")

    assert verify_click_id(altered(click_id, 4), secret=SECRET, partner_id="ptn_a") is None
    assert verify_click_id(altered(click_id, dot - 1), secret=SECRET, partner_id="ptn_a") is None
    assert verify_click_id(altered(click_id, dot + 1), secret=SECRET, partner_id="ptn_a") is None
    assert verify_click_id(altered(click_id, -1), secret=SECRET, partner_id="ptn_a") is None


def test_a_mac_moved_to_another_key_is_refused() -> None:
    own_key = click().split(".")[0]
    other_mac = click(event_id="evt-2").split(".")[1]

    assert verify_click_id(f"{own_key}.{other_mac}", secret=SECRET, partner_id="ptn_a") is None


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: "clx_" + c[4:],
        lambda c: c[4:],
        lambda c: c.upper(),
        lambda c: "clk_" + c[4:].upper(),
        lambda c: c.replace(".", ""),
        lambda c: c.split(".")[0] + ".",
        lambda c: "clk_." + c.split(".")[1],
        lambda c: c + "a" * (MAX_LENGTH + 1 - len(c)),
        lambda c: c + "=",
        lambda c: c.replace(".", ".."),
    ],
    ids=[
        "prefix", "no-prefix", "uppercase", "uppercase-body", "no-dot", "no-mac", "no-key",
        "too-long", "padding", "two-dots",
    ],
)  # fmt: skip
def test_malformed_click_ids_are_refused(forge: Callable[[str], str]) -> None:
    forged = forge(click())
    assert forged != click()

    assert verify_click_id(forged, secret=SECRET, partner_id="ptn_a") is None


def test_the_length_limit_holds_even_for_a_genuine_mac() -> None:
    # Build ids whose MAC is genuine (the private helper signs any key) at and past the limit.
    longest_key = "a" * (MAX_LENGTH - len("clk_") - 1 - 16)
    at_limit = f"clk_{longest_key}.{_mac(SECRET, 'ptn_a', longest_key)}"
    past_limit = f"clk_{longest_key}a.{_mac(SECRET, 'ptn_a', longest_key + 'a')}"

    assert len(at_limit) == MAX_LENGTH
    assert verify_click_id(at_limit, secret=SECRET, partner_id="ptn_a") == ClickReference(
        click_id=at_limit, partner_id="ptn_a", key=longest_key
    )
    assert len(past_limit) == MAX_LENGTH + 1
    assert verify_click_id(past_limit, secret=SECRET, partner_id="ptn_a") is None
