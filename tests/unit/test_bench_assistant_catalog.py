"""The assistant benchmark's catalog generator: deterministic, exact size, bounded passages."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from bench.assistant_catalog import (
    catalog_needs,
    conversation_scripts,
    distinct_passages,
    generate_catalog,
    passage_of,
)

from handshake.catalog.import_format import ImportRow

SIZE = 2000
CATALOG = generate_catalog(SIZE)
REPEATED = generate_catalog(SIZE, max_passages=300)


def test_same_arguments_give_identical_rows_and_another_seed_differs() -> None:
    assert generate_catalog(SIZE).rows == CATALOG.rows
    assert generate_catalog(SIZE, seed=7).rows != CATALOG.rows


def test_exactly_the_requested_number_of_products_each_with_one_to_four_variants() -> None:
    variants = Counter(row["handle"] for row in CATALOG.rows)
    assert CATALOG.products == SIZE
    assert len(variants) == SIZE
    assert set(variants.values()) <= {1, 2, 3, 4}
    assert len({row["sku"] for row in CATALOG.rows}) == len(CATALOG.rows)
    assert len({row["gtin"] for row in CATALOG.rows}) == len(CATALOG.rows)


def test_every_row_is_a_valid_import_row() -> None:
    for row in CATALOG.rows:
        assert ImportRow.model_validate(row).currency == "EUR"


def test_below_the_bound_every_product_has_its_own_passage() -> None:
    assert CATALOG.lines == SIZE
    assert distinct_passages(CATALOG.rows) == SIZE


def test_above_the_bound_passages_repeat_but_descriptions_and_attributes_differ() -> None:
    firsts = {row["handle"]: row for row in REPEATED.rows}.values()
    assert REPEATED.lines == 300
    assert distinct_passages(REPEATED.rows) == 300
    assert len({row["description_en"] for row in firsts}) == SIZE
    assert len({row["attributes"]["model_number"] for row in firsts}) == SIZE


def test_products_sharing_a_passage_are_consecutive() -> None:
    passages = [passage_of(row) for row in {row["handle"]: row for row in REPEATED.rows}.values()]
    runs = 1 + sum(1 for a, b in pairwise(passages) if a != b)
    assert runs == 300
    assert Counter(passages).most_common(1)[0][1] == 7  # 2,000 products over 300 lines


def test_categories_brands_and_kinds_vary() -> None:
    firsts = list({row["handle"]: row for row in CATALOG.rows}.values())
    assert len({row["category"] for row in firsts}) == 10
    # 26 brands per category (enough for 1.4 times 2,000 lines); 258 of the 260 got a line.
    assert len({row["brand"] for row in firsts}) == 258
    assert len(catalog_needs(SIZE)) == 28
    assert {row["title_fr"] != row["title_en"] for row in firsts} == {True}


def test_needs_come_from_the_catalog_and_scripts_alternate_languages() -> None:
    brands = {row["brand"] for row in CATALOG.rows}
    needs = catalog_needs(SIZE)
    assert needs == CATALOG.needs
    assert {brand for need in needs for brand in need.brands} == brands
    plan = conversation_scripts(needs, 4)
    assert plan == conversation_scripts(needs, 4)
    assert [language for language, _ in plan] == ["en", "fr", "en", "fr"]
    for _, turns in plan:
        kinds = [turn.kind for turn in turns]
        assert kinds == ["search", "refine", "compare", "question", "cheapest"]
        assert turns[0].max_price_minor is None
        assert {turn.max_price_minor for turn in turns[1:]} == {turns[1].max_price_minor}
