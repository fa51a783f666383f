"""The catalog's vocabulary for reading requests, rebuilt only when the index changed."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from handshake.assistant.catalog_tools import fresh_index
from handshake.assistant.live_index import LiveIndex
from handshake.assistant.request_parsing import CatalogVocabulary

if TYPE_CHECKING:
    from handshake.assistant.tools import ToolContext

_cache: WeakKeyDictionary[LiveIndex, tuple[int, CatalogVocabulary]] = WeakKeyDictionary()


async def vocabulary_of(context: ToolContext) -> CatalogVocabulary:
    """Brands, categories and option values of the catalog the index holds now."""
    await fresh_index(context)
    live = context.live
    cached = _cache.get(live)
    if cached is not None and cached[0] == live.version:
        return cached[1]
    index = live.index
    vocabulary = CatalogVocabulary(
        brands=tuple(index.brands()),
        categories=index.categories(),
        option_values={key: tuple(sorted(v)) for key, v in index.option_values().items()},
        currency=context.checkout_policy.currency,
    )
    _cache[live] = (live.version, vocabulary)
    return vocabulary
