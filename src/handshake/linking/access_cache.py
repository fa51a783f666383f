"""A short-lived in-process cache of authenticated partner access, for hot read endpoints.

``require_scopes`` checks every bearer token against the database. Offers are called for every ad
impression, so their route may reuse an answer for at most ``ttl_seconds`` (≤ 1 s), never past
the token's own expiry. Links ended, token families revoked, partners suspended and clients
revoked through this process drop the cache at once (bus events); a revocation that publishes no
event here (another process, RFC 7009 revocation of one access token) shows within the TTL.
Refusals are never cached, so a token that starts working does so at once.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from weakref import WeakKeyDictionary

from handshake.kernel import clock
from handshake.kernel.events import Event, EventBus
from handshake.kernel.single_flight import SingleFlight
from handshake.linking.events import LinkRevoked, TokenFamilyRevoked
from handshake.linking.token_ledger import PartnerAccess
from handshake.partners.events import ClientRevoked, PartnerSuspended

MAX_TTL_SECONDS = 1.0
INVALIDATING_EVENTS: tuple[type[Event], ...] = (
    LinkRevoked,
    TokenFamilyRevoked,
    PartnerSuspended,
    ClientRevoked,
)


class AccessCache:
    """Admitted accesses by token digest, each kept at most ``ttl_seconds``."""

    def __init__(self, *, ttl_seconds: float = MAX_TTL_SECONDS, max_entries: int = 10_000) -> None:
        self.ttl_seconds = min(max(ttl_seconds, 0.0), MAX_TTL_SECONDS)
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[str, tuple[float, PartnerAccess]] = OrderedDict()
        self._digest_of_token: dict[str, str] = {}
        # Bumped by every invalidation: a lookup that started before one must not store its
        # (possibly revoked) result afterwards.
        self.generation = 0
        # Lookups in progress by digest: when an entry expires under load, one query serves all.
        self.lookups: SingleFlight[str, PartnerAccess] = SingleFlight()

    def get(self, digest: str) -> PartnerAccess | None:
        """The cached access, or None when absent or expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= clock.now().timestamp():
            self._drop(digest)
            return None
        return entry[1]

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            self._digest_of_token.pop(entry[1].token_id, None)

    def put(self, digest: str, access: PartnerAccess, *, generation: int) -> None:
        """Keep ``access`` unless caching is off or something was invalidated meanwhile."""
        if self.ttl_seconds <= 0 or generation != self.generation:
            return
        expires = min(clock.now().timestamp() + self.ttl_seconds, access.expires_at.timestamp())
        self._entries[digest] = (expires, access)
        self._entries.move_to_end(digest)
        self._digest_of_token[access.token_id] = digest
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def mark_touched(self, token_id: str) -> None:
        """The link's use was recorded: the cached copy no longer asks for another write."""
        digest = self._digest_of_token.get(token_id)
        entry = self._entries.get(digest) if digest else None
        if digest and entry is not None:
            self._entries[digest] = (entry[0], dataclasses.replace(entry[1], touch_due=False))

    def clear(self, _event: Event | None = None) -> None:
        """Forget everything (bus handler of revocations and suspensions)."""
        self.generation += 1
        self._entries.clear()
        self._digest_of_token.clear()


_caches: WeakKeyDictionary[EventBus, AccessCache] = WeakKeyDictionary()


def cache_for(bus: EventBus) -> AccessCache:
    """The cache of the application owning ``bus``, subscribed to the events that end access."""
    cache = _caches.get(bus)
    if cache is None:
        cache = AccessCache()
        for event_type in INVALIDATING_EVENTS:
            bus.subscribe(event_type, cache.clear)
        _caches[bus] = cache
    return cache
