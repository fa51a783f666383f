"""SSRF protection: refuse to deliver to addresses inside our own network.

The host of each webhook URL is resolved and every address it resolves to must be public (not
loopback, private, link-local, multicast, reserved or unspecified). Results are cached briefly so
a busy endpoint costs no DNS lookup per delivery. This check does not stop DNS rebinding between
the check and the connection; deployments that need that guarantee route webhooks through an
egress proxy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from handshake.settings import Settings

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 4096


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver, without blocking the loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_internal(address: IPAddress) -> bool:
    """Whether ``address`` points inside a private network or this machine."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class TargetGuard:
    """Answers whether a URL may receive webhooks; always yes when private targets are allowed."""

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve_host) -> None:
        self.allow_private = allow_private
        self._resolver = resolver
        self._cache: dict[tuple[str, int], tuple[float, str | None]] = {}

    async def problem(self, url: str) -> str | None:
        """Why ``url`` must not be called, or None when it may."""
        if self.allow_private:
            return None
        parts = urlsplit(url)
        host = parts.hostname
        if not host:
            return "the URL has no host"
        port = parts.port or (443 if parts.scheme == "https" else 80)
        cached = self._cache.get((host, port))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = await self._check(host, port)
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()
        self._cache[(host, port)] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    async def _check(self, host: str, port: int) -> str | None:
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                resolved = await self._resolver(host, port)
            except OSError as exc:
                return f"the host {host!r} cannot be resolved ({exc.strerror or exc})"
            # Scoped IPv6 addresses come back as "fe80::1%eth0".
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]
        if not addresses:
            return f"the host {host!r} has no address"
        for address in addresses:
            if is_internal(address):
                return f"the host {host!r} resolves to the internal address {address}"
        return None


def private_targets_allowed(settings: Settings) -> bool:
    """Whether calls may go to internal addresses (by default only in development/test)."""
    configured = settings.webhooks.allow_private_targets
    if configured is not None:
        return configured
    return settings.environment in {"development", "test"}
