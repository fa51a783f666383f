"""The demo catalog generator: deterministic, valid import rows, real French, valid GTINs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from handshake.catalog.gtin import is_valid_gtin
from handshake.catalog.import_format import ImportRow
from handshake.demo.catalog_data import CATEGORIES, catalog_rows, charm_price, member_price
from handshake.demo.gtin import gtin13
from handshake.demo.images import STATIC_DIR, image_files

ROWS = catalog_rows()


def by_product() -> dict[str, list[dict[str, object]]]:
    grouped: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in ROWS:
        grouped[str(row["handle"])].append(row)
    return grouped


def test_same_seed_gives_identical_rows_and_another_seed_differs() -> None:
    assert catalog_rows() == ROWS
    assert catalog_rows(seed=7) != ROWS


def test_every_row_passes_the_catalog_import_schema() -> None:
    for row in ROWS:
        parsed = ImportRow.model_validate(row)
        assert parsed.currency == "EUR"
        assert set(parsed.stock) == {"PAR1", "LYS1"}


def test_at_least_300_products_over_smart_home_and_other_categories() -> None:
    products = by_product()
    assert len(products) == 311
    categories = Counter(str(rows[0]["category"]) for rows in products.values())
    assert set(categories) == {c.slug for c in CATEGORIES}
    for slug in ("thermostats", "sensors", "locks", "filters", "batteries"):
        assert categories[f"smart-home/{slug}"] >= 27
    assert {"lighting", "audio", "kitchen", "home-office", "outdoor"} <= set(categories)


def test_products_have_one_to_four_variants_sharing_product_fields() -> None:
    for handle, rows in by_product().items():
        assert 1 <= len(rows) <= 4, handle
        titles = {(r["title_en"], r["title_fr"], r["description_fr"]) for r in rows}
        assert len(titles) == 1, handle
        assert len({tuple(r["options"].items()) for r in rows}) == len(rows)  # type: ignore[attr-defined]


def test_skus_handles_and_gtins_are_unique_and_gtins_valid() -> None:
    assert len({r["sku"] for r in ROWS}) == len(ROWS)
    assert len({r["gtin"] for r in ROWS}) == len(ROWS)
    assert all(is_valid_gtin(str(r["gtin"])) and len(str(r["gtin"])) == 13 for r in ROWS)


def test_french_text_differs_from_english_and_uses_accents() -> None:
    for rows in by_product().values():
        row = rows[0]
        assert row["title_fr"] != row["title_en"]
        assert row["description_fr"] != row["description_en"]
    french = " ".join(str(r["description_fr"]) for r in ROWS)
    assert all(letter in french for letter in "éèàç")
    assert {str(r["category_name_fr"]) for r in ROWS} >= {"Éclairage", "Serrures connectées"}


def test_prices_member_prices_and_stock_spread() -> None:
    with_member = [r for r in ROWS if "member_price" in r]
    assert 0.2 * len(ROWS) < len(with_member) < 0.5 * len(ROWS)
    for row in with_member:
        assert Decimal(str(row["member_price"])) < Decimal(str(row["list_price"]))
    assert all(str(r["list_price"]).endswith(".99") for r in ROWS)
    stocks = [r["stock"] for r in ROWS]
    out = [s for s in stocks if s == {"PAR1": 0, "LYS1": 0}]
    low = [s for s in stocks if 0 < sum(s.values()) < 5]  # type: ignore[attr-defined]
    assert len(out) >= 20
    assert len(low) >= 20


def test_specs_are_realistic_attributes() -> None:
    thermostat = next(r for r in ROWS if str(r["handle"]).endswith("smart-thermostat"))
    attributes = thermostat["attributes"]
    assert isinstance(attributes, dict)
    assert {"heating_compatibility", "connectivity", "power_supply", "dimensions_mm"} <= set(
        attributes
    )


@pytest.mark.parametrize(
    ("body", "expected"), [("400638133393", "4006381333931"), ("376000100138", "3760001001389")]
)
def test_gtin13_appends_the_gs1_check_digit(body: str, expected: str) -> None:
    assert gtin13(body) == expected
    with pytest.raises(ValueError, match="12 digits"):
        gtin13("12345")


def test_price_points() -> None:
    assert charm_price(12950) == 12999
    assert charm_price(12999) == 12999
    assert charm_price(13000) == 13099
    assert member_price(12999) == 11699
    assert member_price(999) == 899


def test_images_are_checked_in_self_contained_and_referenced() -> None:
    files = image_files(CATEGORIES)
    assert len(files) == len(CATEGORIES)
    for name, svg in files.items():
        assert (STATIC_DIR / name).read_text(encoding="utf-8") == svg, f"regenerate {name}"
        ET.fromstring(svg)  # noqa: S314 - our own generated SVG; proves it is well-formed
        for external in ("href", "url(", "@font-face", "http://www.w3.org/1999/xlink"):
            assert external not in svg
    referenced = {str(r["image_url"]) for r in ROWS}
    assert referenced == {f"/static/demo/{name}" for name in files}
