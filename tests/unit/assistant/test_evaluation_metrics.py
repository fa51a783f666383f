"""Retrieval metrics on hand-computed rankings, and criteria judged over a tiny hand catalog."""

from __future__ import annotations

import math
from typing import Any

import pytest
from bench.assistant_eval import product_documents

from handshake.assistant.documents import Hit, ProductDocument
from handshake.assistant.evaluation import (
    CriteriaError,
    MemoisedQueries,
    evaluate,
    judge,
    ndcg_at,
    recall_at,
    reciprocal_rank,
)
from handshake.assistant.product_index import SearchMode

GRADES = {"a": "exact", "b": "substitute", "c": "complement", "d": "exact"}


def test_ndcg_uses_esci_gains_against_the_ideal_order_of_every_judged_product() -> None:
    dcg = 0.1 + 1 / math.log2(3) + 1 / math.log2(5)  # b, a, (x), d
    ideal = 1 + 1 / math.log2(3) + 0.1 / 2 + 0.01 / math.log2(5)  # a, d, b, c

    assert ndcg_at(["b", "a", "x", "d"], GRADES) == pytest.approx(dcg / ideal)
    assert round(ndcg_at(["b", "a", "x", "d"], GRADES), 4) == 0.6893


def test_ndcg_is_one_for_the_ideal_ranking_and_cut_at_k() -> None:
    assert ndcg_at(["a", "d", "b", "c"], GRADES) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], GRADES, k=1) == pytest.approx(0.1)
    assert ndcg_at(["x", "y"], GRADES) == 0.0
    assert ndcg_at(["a"], {}) == 0.0


def test_recall_counts_exact_and_substitute_products_only() -> None:
    assert recall_at(["b", "c", "a"], GRADES, k=2) == pytest.approx(1 / 3)
    assert recall_at(["b", "c", "a", "d"], GRADES) == 1.0
    assert recall_at(["c"], GRADES) == 0.0
    assert recall_at(["a"], {"c": "complement"}) == 0.0


def test_reciprocal_rank_is_of_the_first_exact_product() -> None:
    assert reciprocal_rank(["b", "x", "d", "a"], GRADES) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], GRADES) == 1.0
    assert reciprocal_rank(["b", "c"], GRADES) == 0.0


def _doc(handle: str, category: str, title_en: str, title_fr: str, **facts: Any) -> ProductDocument:
    return ProductDocument(
        product_id=handle,
        handle=handle,
        brand=facts.pop("brand", "Acme"),
        category_path=category,
        category_names=(),
        title_en=title_en,
        title_fr=title_fr,
        description_en="",
        description_fr="",
        **facts,
    )


CATALOG = [
    _doc(
        "heat-pump-thermostat",
        "smart-home/thermostats",
        "Thermia Eco Smart Thermostat",
        "Thermostat connecté Thermia Eco",
        brand="Thermia",
        attributes={
            "heating_compatibility": ["gas boilers", "heat pumps"],
            "connectivity": "Thread / Matter",
            "opentherm": True,
            "dimensions_mm": "86 × 86 × 21",
        },
        options={"colour": ("white", "black")},
        skus=("THE-TH0001-WHT", "THE-TH0001-BLK"),
        min_price_minor=12999,
    ),
    _doc(
        "boiler-thermostat",
        "smart-home/thermostats",
        "Calora Nova Smart Thermostat",
        "Thermostat connecté Calora Nova",
        brand="Calora",
        attributes={"heating_compatibility": ["gas boilers"], "connectivity": "Zigbee 3.0"},
        options={"colour": ("white",)},
        min_price_minor=9999,
    ),
    _doc(
        "climate-sensor",
        "smart-home/sensors",
        "Senzo Temperature & Humidity Sensor",
        "Capteur de température et d'humidité Senzo",
        attributes={"temperature_accuracy_c": 0.1, "display": False},
        min_price_minor=2999,
    ),
    _doc(
        "table-lamp",
        "lighting",
        "Lumio Mira Lamp",
        "Lampe Lumio Mira",
        attributes={"height_cm": 32, "material": "linen shade"},
    ),
    _doc(
        "solar-light",
        "outdoor",
        "Solis Sun Solar Garden Light",
        "Lampe solaire de jardin Solis Sun",
        attributes={"lumens": 400, "height_cm": "30–40"},
    ),
]


def _judged(criteria: dict[str, Any]) -> dict[str, str]:
    return dict(judge(criteria, CATALOG))


def test_the_best_grade_wins_and_unmatched_products_are_irrelevant() -> None:
    thermostat = {"category": "smart-home/thermostats"}
    criteria = {
        "exact": {**thermostat, "attributes_contain": {"heating_compatibility": "heat pumps"}},
        "substitute": thermostat,
        "complement": {"category": "smart-home/sensors"},
    }

    assert _judged(criteria) == {
        "heat-pump-thermostat": "exact",
        "boiler-thermostat": "substitute",
        "climate-sensor": "complement",
    }


def test_category_matches_the_path_and_its_children_only() -> None:
    assert set(_judged({"exact": {"category": "smart-home"}})) == {
        "heat-pump-thermostat",
        "boiler-thermostat",
        "climate-sensor",
    }
    assert _judged({"exact": {"category": "smart"}}) == {}


def test_title_words_match_whole_words_in_either_language() -> None:
    assert _judged({"exact": {"title_contains": "Lamp"}}) == {"table-lamp": "exact"}
    assert _judged({"exact": {"title_contains": "lampe solaire"}}) == {"solar-light": "exact"}
    assert _judged({"exact": {"title_contains": "temperature & humidity"}}) == {
        "climate-sensor": "exact"
    }


def test_attribute_equality_contains_and_any_of() -> None:
    assert _judged({"exact": {"attributes_equal": {"opentherm": True}}}) == {
        "heat-pump-thermostat": "exact"
    }
    assert _judged({"exact": {"attributes_equal": {"display": True}}}) == {}
    assert set(_judged({"exact": {"attributes_equal": {"connectivity": ["zigbee 3.0", "x"]}}})) == {
        "boiler-thermostat"
    }
    assert set(_judged({"exact": {"attributes_contain": {"connectivity": "matter"}}})) == {
        "heat-pump-thermostat"
    }
    # Whole words: "matt" is not "matter".
    assert _judged({"exact": {"attributes_contain": {"connectivity": "matt"}}}) == {}


def test_numeric_bounds_apply_to_numeric_attributes_only() -> None:
    assert _judged({"exact": {"attributes_at_most": {"height_cm": 40}}}) == {"table-lamp": "exact"}
    assert _judged({"exact": {"attributes_at_least": {"lumens": 400}}}) == {"solar-light": "exact"}
    assert _judged({"exact": {"attributes_at_least": {"lumens": 401}}}) == {}
    assert _judged({"exact": {"attributes_at_most": {"opentherm": 1}}}) == {}


def test_brand_sku_option_price_and_not() -> None:
    assert set(_judged({"exact": {"brand": "calora"}})) == {"boiler-thermostat"}
    assert set(_judged({"exact": {"sku": "the-th0001-blk"}})) == {"heat-pump-thermostat"}
    assert set(_judged({"exact": {"option": {"colour": "Black"}}})) == {"heat-pump-thermostat"}
    assert set(_judged({"exact": {"category": "smart-home", "max_price_minor": 9999}})) == {
        "boiler-thermostat",
        "climate-sensor",
    }
    not_thermia = {"category": "smart-home/thermostats", "not": {"brand": "Thermia"}}
    assert set(_judged({"exact": not_thermia})) == {"boiler-thermostat"}


def test_a_list_of_condition_sets_matches_any_of_them() -> None:
    either = [{"title_contains": "lamp"}, {"brand": "Thermia"}]

    assert set(_judged({"exact": either})) == {"table-lamp", "heat-pump-thermostat"}


@pytest.mark.parametrize(
    "criteria",
    [
        {"exact": {}},
        {"exact": {"colour": "white"}},
        {"perfect": {"brand": "Calora"}},
        {"exact": {"attributes_equal": {}}},
        {"exact": {"max_price_minor": "99.99"}},
    ],
)
def test_malformed_criteria_are_refused(criteria: dict[str, Any]) -> None:
    with pytest.raises(CriteriaError):
        judge(criteria, CATALOG)


class RankedIndex:
    """A fake index answering each (mode, query) with a fixed ranking."""

    def __init__(self, rankings: dict[tuple[str, str], list[str]]) -> None:
        self.rankings = rankings

    def search(self, query: str, *, mode: SearchMode = "hybrid", limit: int = 50) -> list[Hit]:
        return [Hit(pid, 0.0) for pid in self.rankings[(mode, query)][:limit]]


def test_evaluate_averages_per_mode_overall_and_per_language() -> None:
    queries = [
        {"id": "q1", "lang": "en", "query": "thermostat"},
        {"id": "q2", "lang": "fr", "query": "lampe"},
    ]
    judgements = {"q1": {"t": "exact"}, "q2": {"l": "exact", "s": "substitute"}}
    index = RankedIndex(
        {
            ("bm25", "thermostat"): ["t"],
            ("bm25", "lampe"): ["x", "l"],
            ("dense", "thermostat"): ["x"],
            ("dense", "lampe"): ["l", "s"],
        }
    )

    summary = evaluate(index, queries, judgements, modes=("bm25", "dense"))

    assert summary["bm25"]["mrr"] == pytest.approx(0.75)
    assert summary["bm25"]["mrr/en"] == 1.0
    assert summary["bm25"]["mrr/fr"] == 0.5
    assert summary["bm25"]["recall@50/fr"] == 0.5
    assert summary["dense"]["ndcg@10/en"] == 0.0
    assert summary["dense"]["ndcg@10/fr"] == pytest.approx(1.0)
    assert summary["dense"]["recall@50"] == pytest.approx(0.5)


class CountingEmbedder:
    dimensions = 2

    def __init__(self) -> None:
        self.queries: list[str] = []

    def passages(self, texts: Any) -> Any:
        raise AssertionError("not used")

    def query(self, text: str) -> Any:
        self.queries.append(text)
        return len(text)


def test_memoised_queries_embed_each_text_once() -> None:
    inner = CountingEmbedder()
    memo = MemoisedQueries(inner)

    assert [memo.query("a"), memo.query("bb"), memo.query("a")] == [1, 2, 1]
    assert inner.queries == ["a", "bb"]
    assert memo.dimensions == 2


def test_the_eval_builds_one_document_per_handle_from_variant_rows() -> None:
    base = {
        "handle": "lumio-mira-lamp",
        "category": "lighting",
        "category_name_en": "Lighting",
        "category_name_fr": "Éclairage",
        "brand": "Lumio",
        "title_en": "Lumio Mira Lamp",
        "title_fr": "Lampe Lumio Mira",
        "description_en": "Soft light.",
        "description_fr": "Lumière douce.",
        "attributes": {"height_cm": 32},
        "currency": "EUR",
    }
    rows = [
        {**base, "sku": "LUM-LP1-WHT", "options": {"colour": "white"}, "list_price": "59.99",
         "stock": {"PAR1": 3, "LYS1": 1}},
        {**base, "sku": "LUM-LP1-BLK", "options": {"colour": "black"}, "list_price": "54.99",
         "member_price": "49.99", "stock": {"PAR1": 0, "LYS1": 2}},
        {**base, "sku": "LUM-LP1-WH2", "options": {"colour": "white"}, "list_price": "61.99",
         "stock": {}},
    ]  # fmt: skip

    [doc] = product_documents(rows)

    assert (doc.product_id, doc.handle) == ("lumio-mira-lamp", "lumio-mira-lamp")
    assert doc.options == {"colour": ("white", "black")}
    assert doc.skus == ("LUM-LP1-WHT", "LUM-LP1-BLK", "LUM-LP1-WH2")
    assert (doc.min_price_minor, doc.min_member_price_minor, doc.available) == (5499, 4999, 6)
    assert doc.category_names == ("Lighting", "Éclairage")
