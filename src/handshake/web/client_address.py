"""Who is calling, by network address, honouring ``http.trusted_proxies``.

``X-Forwarded-For`` is read right to left and only through proxies we trust: each trusted hop
vouches for the address before it, and the first untrusted address is the client. Anything a
client writes into the header itself sits further left and is never reached, so it cannot
choose its own address (and rate-limit bucket).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from fastapi import Request

from handshake.web.deps import app_services

Network = IPv4Network | IPv6Network
UNKNOWN_CLIENT = "unknown"
# An IPv6 client usually holds a whole /64, so a per-address key would give it 2**64 budgets.
IPV6_CLIENT_PREFIX = 64


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """Parse ``http.trusted_proxies`` (addresses or CIDR blocks); ValueError names a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            message = f"http.trusted_proxies: {entry!r} is not an IP address or network"
            raise ValueError(message) from exc
    return tuple(networks)


def _parse(value: str) -> IPv4Address | IPv6Address | None:
    text = value.strip()
    if text.startswith("["):  # "[2001:db8::1]:443"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.partition(":")[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: IPv4Address | IPv6Address | None, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted)


def resolve_client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str:
    """The client's address given the TCP peer and the ``X-Forwarded-For`` values in order."""
    hops = [part for value in forwarded_for for part in value.split(",") if part.strip()]
    chain = [*hops, peer or UNKNOWN_CLIENT]
    for hop in reversed(chain):
        address = _parse(hop)
        if not _is_trusted(address, trusted):
            return str(address) if address is not None else hop.strip()[:64]
    # Every hop is one of ours (a health check from the proxy itself): the leftmost it is.
    first = _parse(chain[0])
    return str(first) if first is not None else chain[0].strip()[:64]


def client_address(request: Request) -> str:
    """The address of the client that sent ``request``."""
    http = app_services(request).settings.http
    peer = request.client.host if request.client else None
    forwarded = request.headers.getlist("x-forwarded-for")
    return resolve_client_address(peer, forwarded, trusted_networks(tuple(http.trusted_proxies)))


def network_key(address: str) -> str:
    """The key limits count ``address`` under: itself, or its /64 network for IPv6."""
    parsed = _parse(address)
    if not isinstance(parsed, IPv6Address):
        return address
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))


def client_network_key(request: Request) -> str:
    """A rate-limit key for the client: its IPv4 address, or its IPv6 /64 network."""
    return network_key(client_address(request))
