"""Reciprocal rank fusion: merging rankings whose scores are not comparable."""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Ids by the sum of 1/(k + rank) over the rankings (rank 1-based), best first.

    Ties keep the order in which ids were first met, earlier rankings first.
    """
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (k + rank)
    # sorted() is stable, so equal scores stay in first-met order.
    return sorted(fused.items(), key=lambda item: -item[1])
