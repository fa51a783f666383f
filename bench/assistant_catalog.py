"""Generated catalogs of any size for the assistant benchmark, deterministic for a seed.

Products come from the demo's hand-written blueprints (categories, kinds of product, series,
specifications in English and French) combined with many generated brand names. A *line* is a
(kind, brand, series) with its titles and first description sentence: every product of a line
shares the text the index embeds (``passage_text``: titles, brand, category, first sentences),
as real catalogs do when one model comes in many references. What differs from product to
product lives in the rest of the description, the attributes (model number, warranty…), the
options, SKUs, prices and stock, so keyword (BM25) texts still differ.

A catalog of ``products`` has ``min(products, max_passages)`` lines, each a run of consecutive
products: a 1,000-product catalog is all distinct passages, a 100,000-product one has at most
``max_passages`` distinct texts. Also here:
scripted conversations built from a catalog's kinds, brands and prices, and two ways to load it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from handshake.assistant.documents import ProductDocument
from handshake.assistant.terms import passage_text
from handshake.catalog import search_text
from handshake.catalog import service as catalog
from handshake.catalog.categories import ancestors, default_name
from handshake.catalog.import_format import ImportRow
from handshake.catalog.models import Category, Product, ProductStatus, Stock, Variant
from handshake.demo.blueprints import CategoryBlueprint, Kind, Spec
from handshake.demo.catalog_data import CATEGORIES, slugify, variant_rows
from handshake.demo.loader import ensure_warehouses
from handshake.kernel import clock
from handshake.kernel.ids import new_id

if TYPE_CHECKING:
    from handshake.bootstrap import Container

CATALOG_SEED = 20250109
SCRIPT_SEED = 90210
MAX_PASSAGES = 3000
IMPORT_BATCH = 500
INSERT_CHUNK = 5000
GTIN_PREFIX = "379"  # outside the demo's range, so both can share a database
# Enough brands per category that (kind, brand, series) combinations outnumber the lines by this.
COMBINATION_SLACK = 1.4
_PREFIXES = (
    "Bel", "Cor", "Dal", "Fen", "Gar", "Hol", "Jun", "Kal", "Lor", "Mer", "Nov", "Orb", "Pax",
    "Quen", "Ril", "Sol", "Tor", "Ulm", "Ves", "Wyn", "Zel", "Aster", "Brio", "Cyr", "Dorn",
    "Elv", "Fjor", "Grae", "Isk", "Lun",
)  # fmt: skip
_SUFFIXES = (
    "ara", "ex", "ino", "ora", "vik", "tek", "ona", "iva", "ium", "eno", "ada", "ix", "elle",
    "uro", "asta",
)  # fmt: skip


@dataclass(frozen=True)
class Line:
    """What products of one line share: category, kind, brand and series."""

    category: CategoryBlueprint
    kind: Kind
    brand: str
    series: str
    spec: Spec  # the line's own specification; its model (battery size) is in the titles


@dataclass(frozen=True)
class Need:
    """A kind of product shoppers ask for, in both languages, with its catalog facts."""

    noun_en: str
    noun_fr: str
    category: str
    price_range: tuple[int, int]  # list price bounds in cents
    brands: tuple[str, ...]  # brands selling this kind in this catalog


@dataclass(frozen=True)
class GeneratedCatalog:
    """Import rows (one per variant, grouped by handle) and what shoppers can ask for."""

    rows: list[dict[str, Any]]
    products: int
    lines: int
    needs: tuple[Need, ...]


def brand_names(total: int, *, seed: int = CATALOG_SEED) -> list[str]:
    """``total`` distinct invented brand names (two syllables), never a demo brand."""
    taken = {brand for category in CATEGORIES for brand in category.brands}
    names = [p + s for p in _PREFIXES for s in _SUFFIXES if p + s not in taken]
    if total > len(names):
        raise ValueError(f"at most {len(names)} generated brands, asked for {total}")
    random.Random(seed).shuffle(names)
    return names[:total]


def _brands_per_category(lines: int) -> int:
    combinations_per_brand = sum(len(k.series) for c in CATEGORIES for k in c.kinds)
    return max(4, math.ceil(COMBINATION_SLACK * lines / combinations_per_brand))


def _category_brands(lines: int, seed: int) -> dict[str, tuple[str, ...]]:
    """Each category's brands: the demo's, then invented ones up to the needed number."""
    per_category = _brands_per_category(lines)
    invented = iter(brand_names(per_category * len(CATEGORIES), seed=seed))
    brands = {}
    for category in CATEGORIES:
        extra = per_category - len(category.brands)
        brands[category.slug] = (*category.brands, *(next(invented) for _ in range(extra)))
    return brands


def product_lines(lines: int, *, seed: int = CATALOG_SEED) -> list[Line]:
    """``lines`` distinct (kind, brand, series) lines, kinds interleaved so all show up early."""
    rng = random.Random(seed)
    brands = _category_brands(lines, seed)
    per_kind: list[list[tuple[CategoryBlueprint, Kind, str, str]]] = []
    for category in CATEGORIES:
        for kind in category.kinds:
            combos = [(category, kind, b, s) for b in brands[category.slug] for s in kind.series]
            rng.shuffle(combos)
            per_kind.append(combos)
    longest = max(len(combos) for combos in per_kind)
    ordered = [combos[i] for i in range(longest) for combos in per_kind if i < len(combos)]
    if lines > len(ordered):
        raise ValueError(f"at most {len(ordered)} lines, asked for {lines}")
    return [
        Line(category, kind, brand, series, kind.spec(random.Random(seed * 7919 + number)))
        for number, (category, kind, brand, series) in enumerate(ordered[:lines])
    ]


def _titles(line: Line) -> tuple[str, str]:
    name = f"{line.brand} {line.series}" + (f" {line.spec.model}" if line.spec.model else "")
    return f"{name} {line.kind.noun_en}", f"{line.kind.noun_fr} {name}"


def _brand_code(brand: str) -> str:
    return slugify(brand).replace("-", "")[:3].upper()


def _product(rng: random.Random, line: Line, number: int) -> dict[str, Any]:
    """The product fields of one product of ``line`` (repeated on each of its variant rows)."""
    kind, intro = line.kind, {"brand": line.brand, "series": line.series}
    # A line with a model in its titles (a battery size) keeps its own specification.
    spec = line.spec if line.spec.model else kind.spec(rng)
    model = f"{kind.code}{number:06d}"
    warranty = rng.choice((1, 2, 2, 2, 3, 5))
    years_fr = f"{warranty} an" + ("s" if warranty > 1 else "")
    title_en, title_fr = _titles(line)
    return {
        "handle": f"{slugify(title_en)}-{model.lower()}",
        "category": line.category.slug,
        "category_name_en": line.category.name_en,
        "category_name_fr": line.category.name_fr,
        "brand": line.brand,
        "title_en": title_en,
        "title_fr": title_fr,
        "description_en": " ".join([kind.intro_en.format(**intro), *spec.en,
                                    f"Model {model}, {warranty}-year warranty."]),
        "description_fr": " ".join([kind.intro_fr.format(**intro), *spec.fr,
                                    f"Modèle {model}, garantie {years_fr}."]),
        "image_url": f"/static/demo/{line.category.image}.svg",
        "attributes": {**spec.attributes, "model_number": model, "warranty_years": warranty},
    }  # fmt: skip


def _variant_rows(
    rng: random.Random, line: Line, product: dict[str, Any], gtins: Iterator[int]
) -> list[dict[str, Any]]:
    base = f"{_brand_code(line.brand)}-{product['attributes']['model_number']}"
    return variant_rows(
        rng, line.kind, product, sku_of=lambda choice: f"{base}-{choice.code}", gtins=gtins
    )


def _needs(lines: Sequence[Line]) -> tuple[Need, ...]:
    by_kind: dict[str, list[Line]] = {}
    for line in lines:
        by_kind.setdefault(line.kind.code, []).append(line)
    return tuple(
        Need(group[0].kind.noun_en, group[0].kind.noun_fr, group[0].category.slug,
             group[0].kind.price_range, tuple(dict.fromkeys(line.brand for line in group)))
        for group in by_kind.values()
    )  # fmt: skip


def catalog_needs(
    products: int, *, seed: int = CATALOG_SEED, max_passages: int = MAX_PASSAGES
) -> tuple[Need, ...]:
    """What shoppers can ask ``generate_catalog`` with the same arguments for, without rows."""
    return _needs(product_lines(min(products, max_passages), seed=seed))


def generate_catalog(
    products: int, *, seed: int = CATALOG_SEED, max_passages: int = MAX_PASSAGES
) -> GeneratedCatalog:
    """A catalog of exactly ``products`` products; the same arguments give the same rows."""
    if products < 1 or max_passages < 1:
        raise ValueError("products and max_passages must be positive")
    lines = product_lines(min(products, max_passages), seed=seed)
    rng = random.Random(seed)
    gtins = count(1)
    rows: list[dict[str, Any]] = []
    for number in range(products):
        # A line's products are consecutive, as a merchant's file lists one model's references
        # together: indexing dedupes passages within a batch of products, not across batches.
        line = lines[number * len(lines) // products]
        product = _product(rng, line, number)
        rows += _variant_rows(rng, line, product, gtins)
    return GeneratedCatalog(rows, products, len(lines), _needs(lines))


def passage_of(row: Mapping[str, Any]) -> str:
    """The text the index would embed for the product of ``row`` (its category, no ancestors)."""
    names = tuple(n for n in (row.get("category_name_en"), row.get("category_name_fr")) if n)
    document = ProductDocument(
        product_id=row["handle"], handle=row["handle"], brand=row["brand"],
        category_path=row.get("category") or "", category_names=names,
        title_en=row["title_en"], title_fr=row.get("title_fr") or row["title_en"],
        description_en=row.get("description_en", ""),
        description_fr=row.get("description_fr", ""),
    )  # fmt: skip
    return passage_text(document)


def distinct_passages(rows: Iterable[Mapping[str, Any]]) -> int:
    """How many distinct passages the products of ``rows`` have (what indexing embeds)."""
    first_rows = {row["handle"]: row for row in rows}
    return len({passage_of(row) for row in first_rows.values()})


@dataclass(frozen=True)
class Turn:
    """A scripted message, and the keyword search a shop page would run for the same need."""

    kind: str
    message: str
    need: str
    max_price_minor: int | None


def conversation_script(need: Need, language: str, rng: random.Random) -> list[Turn]:
    """Five turns about ``need``: search, price limit, compare, question, cheapest."""
    brand = rng.choice(need.brands) if rng.random() < 0.3 else None
    low, high = need.price_range
    cap_minor = max(500, round((low + (high - low) * rng.uniform(0.3, 0.7)) / 100) * 100)
    cap = cap_minor // 100
    if language == "fr":
        noun = need.noun_fr.lower()
        wanted = f"{noun} {brand}" if brand else noun
        said = (f"je cherche {wanted}", f"moins de {cap} €", "compare les deux premiers",
                "quelle est la garantie du premier ?", f"{noun} au meilleur prix")  # fmt: skip
    else:
        noun = need.noun_en.lower()
        wanted = f"{brand} {noun}" if brand else noun
        said = (f"I'm looking for a {wanted}", f"under {cap} €", "compare the first two",
                "what is the warranty of the first?", f"what is the cheapest {noun}?")  # fmt: skip
    kinds = ("search", "refine", "compare", "question", "cheapest")
    return [
        Turn(kind, message, wanted, None if kind == "search" else cap_minor)
        for kind, message in zip(kinds, said, strict=True)
    ]


def conversation_scripts(
    needs: Sequence[Need], conversations: int, *, seed: int = SCRIPT_SEED
) -> list[tuple[str, list[Turn]]]:
    """``conversations`` scripts, every kind of product in turn, English and French alternating."""
    rng = random.Random(seed)
    order = list(needs)
    rng.shuffle(order)
    found = []
    for number in range(conversations):
        language = "en" if number % 2 == 0 else "fr"
        found.append((language, conversation_script(order[number % len(order)], language, rng)))
    return found


async def import_catalog(container: Container, rows: Sequence[Mapping[str, Any]]) -> None:
    """Warehouses, then ``rows`` through the catalog's import service (what merchants use)."""
    await ensure_warehouses(container)
    report = await catalog.import_rows(uow=container.uow(), rows=rows, batch_size=IMPORT_BATCH)
    if report.errors:
        raise RuntimeError(f"{report.failed} rows rejected; first: {report.errors[0]}")


async def bulk_insert_catalog(container: Container, rows: Sequence[Mapping[str, Any]]) -> None:
    """Warehouses, then ``rows`` written straight into the catalog tables (SQLAlchemy core).

    The import service validates and upserts row by row through the ORM, about 40 products/s
    on SQLite here: 100,000 products would take most of an hour. This writes what an import
    would (ids, categories with ancestors, search text, variants, stock) with no events.
    """
    await ensure_warehouses(container)
    warehouses = {
        w.warehouse.code: w.warehouse.id
        for w in await catalog.list_warehouses(uow=container.read_uow())
    }
    parsed = [ImportRow.model_validate(row) for row in rows]
    categories = _category_rows(parsed)
    category_ids = {c["path"]: c["id"] for c in categories}
    names = {c["path"]: (c["name_en"], c["name_fr"]) for c in categories}
    products, variants, stock = _table_rows(parsed, category_ids, names, warehouses)
    async with container.engine.begin() as connection:
        await connection.execute(insert(Category), categories)
        for table, values in ((Product, products), (Variant, variants), (Stock, stock)):
            for start in range(0, len(values), INSERT_CHUNK):
                chunk = values[start : start + INSERT_CHUNK]
                await connection.execute(insert(table), chunk)


def _category_rows(rows: Sequence[ImportRow]) -> list[dict[str, Any]]:
    named = {r.category: (r.category_name_en, r.category_name_fr) for r in rows if r.category}
    paths = sorted({a for path in named for a in ancestors(path)}, key=len)
    ids = {path: new_id("cat") for path in paths}
    now = clock.now()
    return [
        {"id": ids[path], "path": path,
         "parent_id": ids[path.rsplit("/", 1)[0]] if "/" in path else None,
         "name_en": named.get(path, (None, None))[0] or default_name(path),
         "name_fr": named.get(path, (None, None))[1] or default_name(path), "created_at": now}
        for path in paths
    ]  # fmt: skip


def _table_rows(
    rows: Sequence[ImportRow],
    category_ids: Mapping[str, str],
    category_names: Mapping[str, tuple[str, str]],
    warehouses: Mapping[str, str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Product, variant and stock rows, grouped by handle as the import groups them."""
    by_handle: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_handle.setdefault(row.handle, []).append(row)
    now = clock.now()
    products, variants, stock = [], [], []
    for handle, group in by_handle.items():
        first, product_id = group[0], new_id("prd")
        words: list[str | None] = [first.title_en, first.title_fr, first.brand]
        words += category_names.get(first.category or "", ("", ""))
        for row in group:
            variant_id = new_id("var")
            member = row.member_money()
            variants.append({
                "id": variant_id, "product_id": product_id, "sku": row.sku, "gtin": row.gtin,
                "options": dict(row.options), "currency": row.currency,
                "list_price_minor": row.list_money().minor,
                "member_price_minor": member.minor if member else None,
                "created_at": now, "updated_at": now,
            })  # fmt: skip
            stock += [{"variant_id": variant_id, "warehouse_id": warehouses[code],
                       "on_hand": on_hand, "reserved": 0, "updated_at": now}
                      for code, on_hand in row.stock.items()]  # fmt: skip
            words += [row.sku, row.gtin, *row.options.values()]
        products.append({
            "id": product_id, "handle": handle, "brand": first.brand,
            "category_id": category_ids.get(first.category or ""),
            "title_en": first.title_en, "title_fr": first.title_fr or first.title_en,
            "description_en": first.description_en, "description_fr": first.description_fr,
            "images": [first.image_url] if first.image_url else [],
            "attributes": dict(first.attributes), "status": ProductStatus.ACTIVE,
            "search_text": search_text.document(words), "created_at": now, "updated_at": now,
        })  # fmt: skip
    return products, variants, stock
