"""Import rows: parsing CSV/JSON with line numbers, validating each row, GTIN check digits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handshake.catalog import cursors, search_text
from handshake.catalog.errors import InvalidCursor, InvalidImportFile
from handshake.catalog.gtin import check_digit, is_valid_gtin, normalise_gtin
from handshake.catalog.import_format import UnreadableRow, read_csv, read_file, read_json
from handshake.catalog.importing import RowError, validate_rows
from handshake.kernel.money import Money
from tests.catalog_helpers import row


@pytest.mark.parametrize(
    "value",
    ["4006381333931", "96385074", "036000291452", "10012345678902", "400-638 1333931"],
)
def test_valid_gtins(value: str) -> None:
    assert is_valid_gtin(value.replace("-", "").replace(" ", ""))
    assert normalise_gtin(value) == value.replace("-", "").replace(" ", "")


@pytest.mark.parametrize(
    "value",
    [
        "4006381333932",
        "1234567",
        "40063813339310",
        "abcdefghijklm",
        "４００６３８１３３３９３１",
        "",
    ],
)
def test_invalid_gtins(value: str) -> None:
    assert not is_valid_gtin(value)
    with pytest.raises(ValueError, match="check digit"):
        normalise_gtin(value)


@given(body=st.text(alphabet="0123456789", min_size=11, max_size=13))
def test_a_computed_check_digit_always_validates(body: str) -> None:
    gtin = body + str(check_digit(body))
    assert is_valid_gtin(gtin)
    wrong = body + str((check_digit(body) + 1) % 10)
    assert not is_valid_gtin(wrong)


def _errors(rows: list[Any]) -> list[tuple[int, str | None, str]]:
    _, errors = validate_rows(list(enumerate(rows, start=1)))
    return [(e.line, e.sku, e.reason) for e in errors]


def test_a_complete_row_validates_to_exact_money() -> None:
    valid, errors = validate_rows([(1, row())])
    assert errors == []
    [(line, parsed)] = valid
    assert (line, parsed.list_money(), parsed.member_money()) == (
        1, Money(12999, "EUR"), Money(11999, "EUR"),
    )  # fmt: skip
    assert (parsed.stock, parsed.options, parsed.title_fr) == (
        {"PAR1": 12, "LYS1": 0}, {"colour": "white"}, "Thermostat connecté Thermo X1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"handle": "Bad Handle"}, "handle: String should match pattern"),
        ({"sku": None}, "sku: Field required"),
        ({"list_price": "12.345"}, "12.345 has more decimals than EUR allows"),
        ({"list_price": "abc"}, "list_price: Input should be a valid decimal"),
        ({"member_price": "200"}, "member_price must not exceed list_price"),
        ({"list_price": "-1", "member_price": None}, "prices cannot be negative"),
        ({"currency": "eur"}, "currency: String should match pattern"),
        ({"gtin": "4006381333932"}, "gtin: not a valid GTIN"),
        ({"stock": {"PAR1": -1}}, "stock.PAR1: Input should be greater than or equal to 0"),
        ({"stock": {"par1": 1}}, "stock.par1.[key]: String should match pattern"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"image_url": "javascript:alert(1)"}, "image_url: must be an absolute http(s) URL"),
        ({"category": "Smart Home"}, "category: String should match pattern"),
        ({"title_en": ""}, "title_en: String should have at least 1 character"),
    ],
)
def test_each_bad_row_says_why(overrides: dict[str, Any], reason: str) -> None:
    values = row(**{k: v for k, v in overrides.items() if v is not None})
    for key, value in overrides.items():
        if value is None:
            values.pop(key)
    [(line, _sku, message)] = _errors([values])
    assert line == 1
    assert reason in message


def test_non_objects_and_repeated_skus_are_rejected_by_line() -> None:
    assert _errors([row(), [1, 2], row(), UnreadableRow("expected 3 cells, found 2")]) == [
        (2, None, "row must be an object"),
        (3, "ACM-X1-WHT", "SKU repeated (first at line 1)"),
        (4, None, "expected 3 cells, found 2"),
    ]


def test_csv_lines_count_the_header_blank_lines_and_multiline_cells() -> None:
    text = (
        "handle,sku,options.size,stock.PAR1,attributes\r\n"
        'a,SKU-A,M,3,"{""wifi"": true}"\r\n'
        "\r\n"
        'b,"SKU\nB",,,\r\n'
        "c,SKU-C,,\r\n"
        "d,SKU-D,,,{oops\r\n"
    )
    rows = read_csv(text.encode())
    assert [line for line, _ in rows] == [2, 4, 6, 7]
    assert rows[0][1] == {
        "handle": "a", "sku": "SKU-A", "options": {"size": "M"}, "stock": {"PAR1": "3"},
        "attributes": {"wifi": True},
    }  # fmt: skip
    assert rows[1][1] == {"handle": "b", "sku": "SKU\nB"}
    assert rows[2][1] == UnreadableRow("expected 5 cells, found 4")
    assert rows[3][1] == UnreadableRow("attributes: not valid JSON")


def test_json_rows_are_indexed_from_one() -> None:
    assert read_json(b'[{"sku": "A"}, 3]') == [(1, {"sku": "A"}), (2, 3)]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"{}", "x.json", "must be an array"),
        (b"[", "x.json", "Not valid JSON"),
        (b"", "x.csv", "no header"),
        (b"\xff\xfe", "x.csv", "UTF-8"),
        (b"a,a\n1,2\n", "x.csv", "repeats a column"),
        (b"a", "x.xlsx", "must end in .csv or .json"),
    ],
)
def test_unreadable_files(content: bytes, filename: str, message: str) -> None:
    with pytest.raises(InvalidImportFile, match=message):
        read_file(content, filename=filename)


def test_row_error_is_plain_data() -> None:
    assert RowError(3, "X", "bad") == RowError(line=3, sku="X", reason="bad")


def test_search_text_strips_accents_and_punctuation() -> None:
    assert search_text.normalise("Tête  THERMOSTATIQUE — Œuvre, Straße!") == (
        "tete thermostatique oeuvre strasse"
    )
    assert search_text.document(["Été", "ete", None, "ACM-X1"]) == " ete acm x1 "
    assert search_text.query_words("  l'été  ETE %_ ") == ["l", "ete"]


def test_cursor_round_trip_and_tampering() -> None:
    product_id = "prd_01JABCDEFGHJKMNPQRSTVWXYZ0"
    assert cursors.decode(cursors.encode(product_id)) == product_id
    for bad in ["", "!!!", "e30", cursors.encode("var_01JABCDEFGHJKMNPQRSTVWXYZ0"), "W10"]:
        with pytest.raises(InvalidCursor):
            cursors.decode(bad)
