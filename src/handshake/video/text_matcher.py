"""The suggestions' matcher without the assistant: product names against caption words.

Names are the catalog's titles (English and French) with and without the brand, split into
accent-free words. A word found in more than a fifth of the names ("smart", "pack") is
``common``: it does not make a product a candidate on its own, but counts in its name's
coverage like any other word (a name is fully said only when all its words are).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from handshake.catalog.search_source import SearchableProduct, product_versions, searchable_products
from handshake.catalog.search_text import normalise
from handshake.db.uow import UnitOfWork
from handshake.video.tag_suggestions import NameMatch, name_coverage, product_names

COMMON_SHARE = 0.2


def words_of(text: str) -> list[str]:
    """Accent-free lowercase words of ``text``."""
    return normalise(text).split()


@dataclass(frozen=True)
class _Names:
    product_id: str
    names: tuple[tuple[str, ...], ...]


def _names(product: SearchableProduct) -> _Names:
    titles = [words_of(product.title_en), words_of(product.title_fr)]
    names = product_names(titles, words_of(product.brand))
    return _Names(product.product_id, tuple(tuple(n) for n in names))


class CatalogTextMatcher:
    """Matches passages against every active product's names (read once per ``match``)."""

    async def _catalog(self, uow_factory: UnitOfWork) -> list[_Names]:
        active = [v.product_id for v in await product_versions(uow=uow_factory) if v.is_active]
        products = await searchable_products(uow=uow_factory, product_ids=active)
        return [_names(p) for p in products]

    async def match(
        self, uow: UnitOfWork, passages: Sequence[str], language: str
    ) -> list[list[NameMatch]]:
        """Candidates of every passage: products sharing a word with it, by name coverage."""
        del language  # both languages' titles are read
        catalog = await self._catalog(uow)
        frequency: Counter[str] = Counter()
        postings: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(catalog):
            words = {w for name in entry.names for w in name}
            frequency.update(words)
            for word in words:
                postings[word].add(index)
        common = frozenset(w for w, n in frequency.items() if n > COMMON_SHARE * len(catalog))
        return [self._candidates(p, catalog, postings, common) for p in passages]

    @staticmethod
    def _candidates(
        passage: str, catalog: list[_Names], postings: dict[str, set[int]], common: frozenset[str]
    ) -> list[NameMatch]:
        said = set(words_of(passage))
        rows = set().union(*(postings.get(w, set()) for w in said if w not in common))
        found = []
        for row in sorted(rows):
            entry = catalog[row]
            coverage, words = max(
                (name_coverage(said, name) for name in entry.names),
                key=lambda pair: pair[0],
            )
            if coverage > 0:
                every = frozenset(w for name in entry.names for w in name)
                found.append(NameMatch(entry.product_id, coverage, words, every))
        return found
