"""The assistant's search as the video suggestions' matcher (handed to the video domain).

Candidates of each caption come from the hybrid index (BM25 over stemmed, accent-free terms,
typos corrected, plus embeddings), so plurals, spelling variants and the other language's
title still find the product; each candidate's name coverage is then counted on the same
stemmed terms, which keeps the confidence comparable with the plain text matcher's.
"""

from __future__ import annotations

from collections.abc import Sequence

from handshake.assistant.documents import ProductDocument
from handshake.assistant.live_index import live_index_of
from handshake.assistant.terms import terms
from handshake.db.uow import UnitOfWork
from handshake.settings import AssistantSettings
from handshake.video.tag_suggestions import NameMatch, name_coverage, product_names

CANDIDATES = 8


def _names(doc: ProductDocument) -> list[list[str]]:
    return product_names([terms(doc.title_en), terms(doc.title_fr)], terms(doc.brand))


class AssistantCaptionMatcher:
    """Reads captions with the assistant's in-memory product index."""

    def __init__(self, settings: AssistantSettings) -> None:
        self.settings = settings

    async def match(
        self, uow: UnitOfWork, passages: Sequence[str], language: str
    ) -> list[list[NameMatch]]:
        """Candidates of every passage from the hybrid search, by stemmed name coverage."""
        del language  # the index holds both languages' titles
        live = live_index_of(uow, self.settings.embedder)
        await live.ensure_fresh(uow, max_age_seconds=self.settings.index_sync_seconds)
        found: list[list[NameMatch]] = []
        for passage in passages:
            said = set(terms(passage))
            candidates = []
            for hit in live.index.search(
                passage, limit=CANDIDATES, depth=self.settings.search_depth
            ):
                doc = live.index.get(hit.product_id)
                if doc is None:
                    continue
                names = _names(doc)
                coverage, words = max(
                    (name_coverage(said, name) for name in names),
                    key=lambda pair: pair[0], default=(0.0, ()),
                )  # fmt: skip
                if coverage > 0:
                    every = frozenset(w for name in names for w in name)
                    candidates.append(NameMatch(doc.product_id, coverage, words, every))
            found.append(candidates)
        return found
