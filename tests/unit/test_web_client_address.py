"""The client's address behind proxies: only trusted hops may speak for the client."""

from __future__ import annotations

import pytest

from handshake.web.client_address import network_key, resolve_client_address, trusted_networks

LOAD_BALANCERS = trusted_networks(("10.0.0.0/8", "192.0.2.1"))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() -> None:
    assert resolve_client_address("198.51.100.7", ["203.0.113.9"], ()) == "198.51.100.7"


def test_a_trusted_proxy_speaks_for_the_address_before_it() -> None:
    address = resolve_client_address("10.1.2.3", ["198.51.100.7"], LOAD_BALANCERS)
    assert address == "198.51.100.7"


def test_addresses_a_client_writes_itself_are_never_reached() -> None:
    # The client sent "X-Forwarded-For: 203.0.113.9"; the proxy appended what it saw.
    address = resolve_client_address("10.1.2.3", ["203.0.113.9, 198.51.100.7"], LOAD_BALANCERS)
    assert address == "198.51.100.7"


def test_chains_of_trusted_proxies_and_repeated_headers_are_walked_right_to_left() -> None:
    forwarded = ["203.0.113.9, 198.51.100.7", "192.0.2.1"]
    assert resolve_client_address("10.1.2.3", forwarded, LOAD_BALANCERS) == "198.51.100.7"


def test_ports_and_brackets_are_dropped() -> None:
    assert resolve_client_address("10.0.0.1", ["198.51.100.7:5123"], LOAD_BALANCERS) == (
        "198.51.100.7"
    )
    assert resolve_client_address("10.0.0.1", ["[2001:db8::7]:443"], LOAD_BALANCERS) == (
        "2001:db8::7"
    )


def test_only_trusted_hops_means_the_leftmost() -> None:
    assert resolve_client_address("10.0.0.1", ["10.0.0.2"], LOAD_BALANCERS) == "10.0.0.2"
    assert resolve_client_address("10.0.0.1", [], LOAD_BALANCERS) == "10.0.0.1"


def test_no_peer_and_unparsable_hops() -> None:
    assert resolve_client_address(None, [], ()) == "unknown"
    assert resolve_client_address("testclient", [], ()) == "testclient"
    assert resolve_client_address("10.0.0.1", ["bogus"], LOAD_BALANCERS) == "bogus"


def test_ipv6_clients_are_counted_per_64_network() -> None:
    assert network_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert network_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert network_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert network_key("198.51.100.7") == "198.51.100.7"
    assert network_key("unknown") == "unknown"


def test_a_bad_trusted_proxy_entry_is_named() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300'"):
        trusted_networks(("10.0.0.300",))
