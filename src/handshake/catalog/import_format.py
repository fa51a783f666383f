"""The catalog import format: one row per variant, from CSV or JSON, validated with Pydantic.

CSV uses the same names as JSON with dotted columns for nested maps (``options.colour``,
``stock.PAR1``) and ``attributes`` as a JSON string; empty cells count as absent. Each row is
returned with its line: the CSV line where the record starts (header = line 1) or the 1-based
index in the JSON array.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from handshake.catalog.errors import InvalidImportFile
from handshake.catalog.gtin import normalise_gtin
from handshake.kernel.money import Money, MoneyError

HANDLE_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
CATEGORY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$"
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
WAREHOUSE_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]{0,15}$"
_DOTTED_MAPS = ("options", "stock")


@dataclass(frozen=True)
class UnreadableRow:
    """A CSV record that could not even be turned into a row (the reason says why)."""

    reason: str


Text200 = Annotated[str, Field(min_length=1, max_length=200)]
NonNegative = Annotated[int, Field(ge=0, le=10_000_000)]


class ImportRow(BaseModel):
    """One variant of the import file, with its product's fields repeated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    handle: str = Field(max_length=120, pattern=HANDLE_PATTERN)
    category: str | None = Field(default=None, max_length=255, pattern=CATEGORY_PATTERN)
    category_name_en: str | None = Field(default=None, max_length=120)
    category_name_fr: str | None = Field(default=None, max_length=120)
    brand: str = Field(min_length=1, max_length=120)
    title_en: Text200
    title_fr: Text200 | None = None
    description_en: str = Field(default="", max_length=5000)
    description_fr: str = Field(default="", max_length=5000)
    image_url: str | None = Field(default=None, max_length=2000)
    attributes: dict[str, Any] = Field(default_factory=dict)
    sku: str = Field(pattern=SKU_PATTERN)
    gtin: str | None = None
    options: dict[str, Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=dict
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    list_price: Decimal = Field(allow_inf_nan=False)
    member_price: Decimal | None = Field(default=None, allow_inf_nan=False)
    stock: dict[Annotated[str, Field(pattern=WAREHOUSE_CODE_PATTERN)], NonNegative] = Field(
        default_factory=dict
    )

    @field_validator("gtin")
    @classmethod
    def _gtin(cls, value: str | None) -> str | None:
        return None if value is None else normalise_gtin(value)

    @field_validator("image_url")
    @classmethod
    def _image_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(/[^/]|https?://)", value):
            raise ValueError("must be an absolute http(s) URL or a path starting with /")
        return value

    @model_validator(mode="after")
    def _prices(self) -> ImportRow:
        list_price = self.list_money()  # raises ValueError with the reason
        member = self.member_money()
        if list_price.minor < 0 or (member is not None and member.minor < 0):
            raise ValueError("prices cannot be negative")
        if member is not None and member.minor > list_price.minor:
            raise ValueError("member_price must not exceed list_price")
        return self

    def list_money(self) -> Money:
        """The list price as Money."""
        return _money(self.list_price, self.currency)

    def member_money(self) -> Money | None:
        """The member price as Money, if any."""
        return None if self.member_price is None else _money(self.member_price, self.currency)


def _money(amount: Decimal, currency: str) -> Money:
    try:
        return Money.parse(amount, currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def validation_reason(error: ValidationError) -> str:
    """A one-line reason listing each invalid field and why."""
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


def read_json(content: bytes | str) -> list[tuple[int, Any]]:
    """(1-based index, element) of a JSON array of row objects."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidImportFile(f"Not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise InvalidImportFile("A JSON import must be an array of row objects.")
    return list(enumerate(data, start=1))


def read_csv(content: bytes | str) -> list[tuple[int, Any]]:
    """(line where the record starts, row dict) of a CSV file with a header line."""
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    except UnicodeDecodeError:
        raise InvalidImportFile("A CSV import must be UTF-8 text.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InvalidImportFile("The CSV file has no header line.") from None
    if len(set(header)) != len(header):
        raise InvalidImportFile("The CSV header repeats a column.")
    rows: list[tuple[int, Any]] = []
    previous_end = reader.line_num
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            rows.append((start, _csv_row(header, record)))
    except csv.Error as exc:
        raise InvalidImportFile(f"CSV line {reader.line_num}: {exc}") from None
    return rows


def _csv_row(header: list[str], record: list[str]) -> dict[str, Any] | UnreadableRow:
    if len(record) != len(header):
        return UnreadableRow(f"expected {len(header)} cells, found {len(record)}")
    row: dict[str, Any] = {}
    for name, cell in zip(header, record, strict=True):
        value = cell.strip()
        if not value:
            continue
        group, dot, key = name.partition(".")
        if dot and group in _DOTTED_MAPS:
            row.setdefault(group, {})[key] = value
        elif name == "attributes":
            try:
                row["attributes"] = json.loads(value)
            except ValueError:
                return UnreadableRow("attributes: not valid JSON")
        else:
            row[name] = value
    return row


def read_file(content: bytes | str, *, filename: str) -> list[tuple[int, Any]]:
    """Rows of a ``.csv`` or ``.json`` file (by extension)."""
    lowered = filename.lower()
    if lowered.endswith(".json"):
        return read_json(content)
    if lowered.endswith(".csv"):
        return read_csv(content)
    raise InvalidImportFile("The import file must end in .csv or .json.")
