"""Okapi BM25: exact scores, incremental upserts and removals, allowed sets."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from handshake.assistant.bm25 import Bm25Index
from handshake.assistant.terms import terms


def _okapi(tf: int, df: int, count: int, length: int, average: float) -> float:
    idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
    return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / average))


@pytest.fixture
def index() -> Bm25Index:
    built = Bm25Index()
    built.upsert("a", ["red", "shoe"])
    built.upsert("b", ["blue", "shoe", "shoe"])
    built.upsert("c", ["red", "hat", "wool", "warm"])
    return built


def test_scores_are_okapi_bm25(index: Bm25Index) -> None:
    average = 9 / 3

    scores = index.scores(["red", "shoe"])

    assert scores == pytest.approx(
        {
            "a": _okapi(1, 2, 3, 2, average) + _okapi(1, 2, 3, 2, average),
            "b": _okapi(2, 2, 3, 3, average),
            "c": _okapi(1, 2, 3, 4, average),
        },
        rel=1e-6,
    )


def test_top_ranks_best_first_and_cuts_at_k(index: Bm25Index) -> None:
    assert [doc_id for doc_id, _ in index.top(["red", "shoe"], 5)] == ["a", "b", "c"]
    assert [doc_id for doc_id, _ in index.top(["red", "shoe"], 2)] == ["a", "b"]
    assert index.top(["red"], 0) == []
    assert index.top(["unknown"], 5) == []
    assert index.top([], 5) == []


def test_a_term_in_every_document_still_scores_positive() -> None:
    index = Bm25Index()
    index.upsert("a", ["kettle"])
    index.upsert("b", ["kettle"])

    assert index.scores(["kettle"]) == pytest.approx(
        {"a": _okapi(1, 2, 2, 1, 1.0), "b": _okapi(1, 2, 2, 1, 1.0)}
    )
    assert index.scores(["kettle"])["a"] > 0


def test_repeated_query_words_count_once(index: Bm25Index) -> None:
    assert index.scores(["shoe", "shoe"]) == index.scores(["shoe"])


def test_ties_keep_insertion_order() -> None:
    index = Bm25Index()
    for doc_id in ["z", "y", "x"]:
        index.upsert(doc_id, ["lamp"])

    assert [doc_id for doc_id, _ in index.top(["lamp"], 3)] == ["z", "y", "x"]


def test_upsert_of_an_existing_id_replaces_its_terms(index: Bm25Index) -> None:
    index.upsert("a", ["green", "boot"])

    assert len(index) == 3
    assert "a" not in index.scores(["red"])
    assert index.scores(["red"]) == pytest.approx({"c": _okapi(1, 1, 3, 4, 9 / 3)})
    assert [doc_id for doc_id, _ in index.top(["boot"], 5)] == ["a"]


def test_remove_forgets_the_document_and_its_statistics(index: Bm25Index) -> None:
    index.remove("a")
    index.remove("unknown")

    assert len(index) == 2
    assert index.scores(["red", "shoe"]) == pytest.approx(
        {"b": _okapi(2, 1, 2, 3, 7 / 2), "c": _okapi(1, 1, 2, 4, 7 / 2)}
    )


def test_allowed_ids_or_row_mask_restrict_results(index: Bm25Index) -> None:
    assert list(index.scores(["red", "shoe"], allowed={"b", "c", "nope"})) == ["b", "c"]
    assert index.top(["red"], 5, allowed=set()) == []

    mask = np.zeros(index.capacity, dtype=np.bool_)
    row = index.slot_of("c")
    assert row is not None
    mask[row] = True
    assert [doc_id for doc_id, _ in index.top(["red", "shoe"], 5, allowed=mask)] == ["c"]


def test_incremental_changes_score_like_a_fresh_build() -> None:
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(30)]
    live: dict[str, list[str]] = {}
    index = Bm25Index()
    for step in range(400):
        doc_id = f"d{rng.randrange(60)}"
        if step % 3 == 2:
            index.remove(doc_id)
            live.pop(doc_id, None)
        else:
            words = rng.choices(vocabulary, k=rng.randrange(1, 8))
            index.upsert(doc_id, words)
            live[doc_id] = words
        if step % 50 == 0:
            index.scores(["w1", "w2"])  # builds the query arrays mid-way, so staleness shows

    fresh = Bm25Index()
    for doc_id, words in live.items():
        fresh.upsert(doc_id, words)
    query = ["w1", "w2", "w3", "w29"]
    assert len(index) == len(live)
    assert index.scores(query) == pytest.approx(fresh.scores(query), rel=1e-5)


def test_mistyped_long_words_are_corrected_to_known_terms_one_edit_away() -> None:
    index = Bm25Index()
    index.upsert("lock", terms("serrure connectée"))
    index.upsert("thermo", terms("smart thermostat zigbee"))
    corrected = index.corrected(terms("thermostst serure zigbe wifi"))
    assert corrected == ["thermostat", "serrure", "zigbee", "wifi"]
    assert [doc for doc, _ in index.top(corrected, 5)] == ["thermo", "lock"]
    index.remove("lock")
    assert index.corrected(["serure"]) == ["serure"]  # a forgotten term is no correction
