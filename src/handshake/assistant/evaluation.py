"""Retrieval quality: graded judgements from written criteria, and nDCG@10, recall@50 and MRR.

Judgements are derived from a query's criteria over catalog facts (never from a retriever's
output). A grade's criteria is a condition set, or a list of condition sets of which any may hold.
Every condition of a set must hold:

- ``category``: the product's category path is this one or below it;
- ``title_contains``: these whole words appear in the English or French title (a list: any);
- ``brand``: the brand, case-insensitive (a list: any);
- ``sku``: one of the product's variants has this SKU (a list: any);
- ``attributes_equal``: ``{key: value}``; a list attribute holds the value; a list value: any;
- ``attributes_contain``: ``{key: words}``; the attribute's text holds these whole words;
- ``attributes_at_least`` / ``attributes_at_most``: ``{key: number}`` on numeric attributes;
- ``option``: ``{key: value}``; some variant offers it (a list value: any);
- ``max_price_minor``: the lowest list price, in minor units, is at most this;
- ``not``: a condition set that must not hold.

Text is compared after :func:`normalise` (case, accents and punctuation do not matter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from statistics import fmean
from typing import Any, Literal, Protocol

from handshake.assistant.documents import Hit, ProductDocument, Vector
from handshake.assistant.embedding import Embedder, Vector2D
from handshake.assistant.product_index import SearchMode
from handshake.catalog.search_text import normalise

Grade = Literal["exact", "substitute", "complement"]
GRADES: tuple[Grade, ...] = ("exact", "substitute", "complement")  # best first
GAINS: Mapping[str, float] = {"exact": 1.0, "substitute": 0.1, "complement": 0.01}
MODES: tuple[SearchMode, ...] = ("bm25", "dense", "hybrid")
NDCG_DEPTH, RECALL_DEPTH = 10, 50
METRICS = ("ndcg@10", "recall@50", "mrr")
Judgements = Mapping[str, Mapping[str, str]]  # query id -> product handle -> grade


class CriteriaError(ValueError):
    """A query's criteria use an unknown condition or a malformed value."""


class SearchIndex(Protocol):
    """What the evaluation needs of a product index."""

    def search(self, query: str, *, mode: SearchMode = ..., limit: int = ...) -> list[Hit]:
        """Products for ``query``, best first."""
        ...


class MemoisedQueries:
    """An embedder that embeds each distinct query once: dense and hybrid both ask for it."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._queries: dict[str, Vector] = {}

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        return self._embedder.dimensions

    def passages(self, texts: Sequence[str]) -> Vector2D:
        """One row per document text (not memoised: each is embedded once anyway)."""
        return self._embedder.passages(texts)

    def query(self, text: str) -> Vector:
        """The vector of ``text``, embedded on first use."""
        if text not in self._queries:
            self._queries[text] = self._embedder.query(text)
        return self._queries[text]


# -- metrics ------------------------------------------------------------------------------------


def _dcg(gains: Iterable[float]) -> float:
    return sum(gain / math.log2(position + 1) for position, gain in enumerate(gains, start=1))


def ndcg_at(ranked_ids: Sequence[str], grades: Mapping[str, str], k: int = NDCG_DEPTH) -> float:
    """nDCG@k with ESCI gains; the ideal ranking orders every judged product by gain."""
    ideal = _dcg(sorted((GAINS[grade] for grade in grades.values()), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    gained = _dcg(GAINS.get(grades.get(product_id, ""), 0.0) for product_id in ranked_ids[:k])
    return gained / ideal


def recall_at(ranked_ids: Sequence[str], grades: Mapping[str, str], k: int = RECALL_DEPTH) -> float:
    """Share of the exact and substitute products found in the first ``k``."""
    wanted = {pid for pid, grade in grades.items() if grade in ("exact", "substitute")}
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranked_ids[:k])) / len(wanted)


def reciprocal_rank(ranked_ids: Sequence[str], grades: Mapping[str, str]) -> float:
    """1 / the rank of the first exact product, 0 when none is ranked."""
    for rank, product_id in enumerate(ranked_ids, start=1):
        if grades.get(product_id) == "exact":
            return 1.0 / rank
    return 0.0


# -- judging ------------------------------------------------------------------------------------


def _any_of(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _words_in(words: str, text: str) -> bool:
    # Whole words only: "lamp" must not match "lampe", "smart lock" not "smart padlock".
    wanted = normalise(words)
    return bool(wanted) and f" {wanted} " in f" {normalise(text)} "


def _equal(actual: object, expected: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(actual) == float(expected)
    return normalise(str(actual)) == normalise(str(expected))


def _attribute_equal(actual: object, expected: object) -> bool:
    values = actual if isinstance(actual, list | tuple) else [actual]
    return any(_equal(value, wanted) for value in values for wanted in _any_of(expected))


def _attribute_contains(actual: object, words: object) -> bool:
    values = actual if isinstance(actual, list | tuple) else [actual]
    return any(_words_in(str(w), str(value)) for value in values for w in _any_of(words))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _at_least(actual: object, bound: object) -> bool:
    number, limit = _number(actual), _number(bound)
    return number is not None and limit is not None and number >= limit


def _at_most(actual: object, bound: object) -> bool:
    number, limit = _number(actual), _number(bound)
    return number is not None and limit is not None and number <= limit


def _attributes(
    test: Callable[[object, object], bool],
) -> Callable[[ProductDocument, Any], bool]:
    def check(product: ProductDocument, wanted: Any) -> bool:
        if not isinstance(wanted, Mapping) or not wanted:
            raise CriteriaError(f"attribute conditions need a non-empty mapping, not {wanted!r}")
        attributes = product.attributes
        return all(key in attributes and test(attributes[key], v) for key, v in wanted.items())

    return check


def _category(product: ProductDocument, path: Any) -> bool:
    return any(
        product.category_path == p or product.category_path.startswith(f"{p}/")
        for p in _any_of(path)
    )


def _title(product: ProductDocument, words: Any) -> bool:
    titles = (product.title_en, product.title_fr)
    return any(_words_in(str(w), title) for w in _any_of(words) for title in titles)


def _brand(product: ProductDocument, brand: Any) -> bool:
    return any(normalise(product.brand) == normalise(str(b)) for b in _any_of(brand))


def _sku(product: ProductDocument, sku: Any) -> bool:
    skus = {s.upper() for s in product.skus}
    return any(str(s).upper() in skus for s in _any_of(sku))


def _option(product: ProductDocument, wanted: Any) -> bool:
    if not isinstance(wanted, Mapping) or not wanted:
        raise CriteriaError(f"option conditions need a non-empty mapping, not {wanted!r}")
    return all(
        key in product.options and _attribute_equal(list(product.options[key]), value)
        for key, value in wanted.items()
    )


def _max_price(product: ProductDocument, price_minor: Any) -> bool:
    if isinstance(price_minor, bool) or not isinstance(price_minor, int):
        raise CriteriaError(f"max_price_minor needs an integer, not {price_minor!r}")
    return product.min_price_minor <= price_minor


def _not(product: ProductDocument, conditions: Any) -> bool:
    return not _holds(conditions, product)


_CONDITIONS: Mapping[str, Callable[[ProductDocument, Any], bool]] = {
    "category": _category,
    "title_contains": _title,
    "brand": _brand,
    "sku": _sku,
    "attributes_equal": _attributes(_attribute_equal),
    "attributes_contain": _attributes(_attribute_contains),
    "attributes_at_least": _attributes(_at_least),
    "attributes_at_most": _attributes(_at_most),
    "option": _option,
    "max_price_minor": _max_price,
    "not": _not,
}


def _holds(conditions: Any, product: ProductDocument) -> bool:
    if isinstance(conditions, list):
        return any(_holds(alternative, product) for alternative in conditions)
    if not isinstance(conditions, Mapping) or not conditions:
        # An empty set would match the whole catalog: always a mistake in the labels.
        raise CriteriaError(f"a condition set must be a non-empty mapping, not {conditions!r}")
    unknown = set(conditions) - set(_CONDITIONS)
    if unknown:
        raise CriteriaError(f"unknown conditions: {sorted(unknown)}")
    return all(_CONDITIONS[name](product, value) for name, value in conditions.items())


def judge(criteria: Mapping[str, Any], products: Iterable[ProductDocument]) -> dict[str, Grade]:
    """Each product's grade (by handle) under ``criteria``; irrelevant products are left out."""
    unknown = set(criteria) - set(GRADES)
    if unknown:
        raise CriteriaError(f"unknown grades: {sorted(unknown)}")
    judged: dict[str, Grade] = {}
    for product in products:
        for grade in GRADES:
            if grade in criteria and _holds(criteria[grade], product):
                judged[product.handle] = grade  # the best grade wins: GRADES is best first
                break
    return judged


# -- running ------------------------------------------------------------------------------------


def score_query(ranked_ids: Sequence[str], grades: Mapping[str, str]) -> dict[str, float]:
    """The three metrics of one ranked list."""
    return {
        "ndcg@10": ndcg_at(ranked_ids, grades),
        "recall@50": recall_at(ranked_ids, grades),
        "mrr": reciprocal_rank(ranked_ids, grades),
    }


def evaluate_queries(
    index: SearchIndex,
    queries: Sequence[Mapping[str, Any]],
    judgements: Judgements,
    modes: Sequence[SearchMode] = MODES,
) -> list[dict[str, Any]]:
    """One row per query and mode: id, lang, mode, metrics and the first ranked products."""
    rows = []
    for mode in modes:
        for query in queries:
            hits = index.search(str(query["query"]), mode=mode, limit=RECALL_DEPTH)
            ranked = [hit.product_id for hit in hits]
            grades = judgements[query["id"]]
            rows.append(
                {"id": query["id"], "lang": query["lang"], "mode": mode, "top": ranked[:NDCG_DEPTH]}
                | score_query(ranked, grades)
            )
    return rows


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean metrics per mode, overall (``ndcg@10``) and per language (``ndcg@10/fr``)."""
    summary: dict[str, dict[str, float]] = {}
    for mode in dict.fromkeys(row["mode"] for row in rows):
        of_mode = [row for row in rows if row["mode"] == mode]
        means = {metric: fmean(row[metric] for row in of_mode) for metric in METRICS}
        for lang in sorted({row["lang"] for row in of_mode}):
            of_lang = [row for row in of_mode if row["lang"] == lang]
            means |= {f"{m}/{lang}": fmean(row[m] for row in of_lang) for m in METRICS}
        summary[mode] = means
    return summary


def evaluate(
    index: SearchIndex,
    queries: Sequence[Mapping[str, Any]],
    judgements: Judgements,
    modes: Sequence[SearchMode] = MODES,
) -> dict[str, dict[str, float]]:
    """Mean nDCG@10, recall@50 and MRR per mode, overall and per language."""
    return summarise(evaluate_queries(index, queries, judgements, modes))
