"""Keeps the persisted search index in step with the catalog (run by the worker)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from handshake.assistant.documents import ProductDocument
from handshake.assistant.embedding import Embedder
from handshake.assistant.models import IndexEntry
from handshake.assistant.repository import AssistantRepository
from handshake.assistant.terms import passage_text
from handshake.catalog import search_source
from handshake.catalog.search_source import SearchableProduct
from handshake.db.uow import UnitOfWork
from handshake.kernel import clock

REFRESH_JOB = "assistant.refresh_index"
BATCH = 256


@dataclass(frozen=True)
class IndexRefresh:
    """What one refresh did."""

    indexed: int  # entries written (text or facts changed)
    embedded: int  # of which needed a new embedding
    unlisted: int  # products no longer sold
    facts_updated: int = 0  # entries whose prices or stock moved (sales, holds)


def document_of(product: SearchableProduct) -> ProductDocument:
    """The index's view of a catalog product."""
    return ProductDocument(
        product_id=product.product_id, handle=product.handle, brand=product.brand,
        category_path=product.category_path, category_names=product.category_names,
        title_en=product.title_en, title_fr=product.title_fr,
        description_en=product.description_en, description_fr=product.description_fr,
        attributes=product.attributes, options=product.options, skus=product.skus,
        min_price_minor=product.min_price_minor,
        min_member_price_minor=product.min_member_price_minor, available=product.available,
        variant_options=product.variant_options,
    )  # fmt: skip


def document_to_json(document: ProductDocument) -> dict[str, Any]:
    """A JSON-ready form of a document."""
    data = asdict(document)
    data["category_names"] = list(document.category_names)
    data["skus"] = list(document.skus)
    data["options"] = {key: list(values) for key, values in document.options.items()}
    data["variant_options"] = {sku: dict(o) for sku, o in document.variant_options.items()}
    return data


def document_from_json(data: dict[str, Any]) -> ProductDocument:
    """The document ``document_to_json`` wrote."""
    return ProductDocument(
        **{
            **data,
            "category_names": tuple(data["category_names"]),
            "skus": tuple(data["skus"]),
            "options": {key: tuple(values) for key, values in data["options"].items()},
        }
    )


def passage_digest(text: str, embedder_name: str) -> str:
    """What decides whether a stored vector is still right."""
    return hashlib.sha256(f"{embedder_name}\n{text}".encode()).hexdigest()


async def _changed_products(uow: UnitOfWork) -> tuple[list[str], list[str]]:
    """Products to (re)index and entries to unlist, comparing versions."""
    versions = await search_source.product_versions(uow=uow)
    async with uow:
        entries = await uow.repo(AssistantRepository).entry_versions()
    to_index = [
        v.product_id
        for v in versions
        if v.is_active and (v.product_id not in entries or entries[v.product_id][0] < v.updated_at
                            or not entries[v.product_id][1])
    ]  # fmt: skip
    active = {v.product_id for v in versions if v.is_active}
    to_unlist = [pid for pid, (_, listed) in entries.items() if listed and pid not in active]
    return to_index, to_unlist


async def refresh_index(
    *,
    uow: UnitOfWork,
    embedder: Embedder,
    embedder_name: str,
    product_ids: Collection[str] | None = None,
) -> IndexRefresh:
    """Index ``product_ids`` again (facts and text), or every product whose version moved."""
    if product_ids is None:
        to_index, to_unlist = await _changed_products(uow)
    else:
        to_index, to_unlist = list(dict.fromkeys(product_ids)), []
    indexed = embedded = 0
    for start in range(0, len(to_index), BATCH):
        batch = to_index[start : start + BATCH]
        products = await search_source.searchable_products(uow=uow, product_ids=batch)
        active = [p for p in products if p.is_active]
        to_unlist += [p.product_id for p in products if not p.is_active]
        embedded += await _write_entries(uow, active, embedder, embedder_name)
        indexed += len(active)
    unlisted = 0
    if to_unlist:
        async with uow:
            unlisted = await uow.repo(AssistantRepository).unlist(to_unlist, clock.now())
            await uow.commit()
    facts = await refresh_facts(uow=uow) if product_ids is None else 0
    return IndexRefresh(indexed=indexed, embedded=embedded, unlisted=unlisted, facts_updated=facts)


FACT_FIELDS = ("min_price_minor", "min_member_price_minor", "available")


async def refresh_facts(*, uow: UnitOfWork) -> int:
    """Bring stored prices and stock up to date (sales move stock without any product event)."""
    facts = await search_source.product_facts(uow=uow)
    changed, after = 0, ""
    while True:
        async with uow:
            repo = uow.repo(AssistantRepository)
            rows = await repo.listed_documents(after_id=after, limit=BATCH * 8)
            now = clock.now()
            for row in rows:
                fact = facts.get(row.product_id)
                current = {name: getattr(fact, name) for name in FACT_FIELDS} if fact else None
                if current is None or all(row.document.get(k) == v for k, v in current.items()):
                    continue
                await repo.replace_document(row.product_id, {**row.document, **current}, now)
                changed += 1
            await uow.commit()
        if not rows:
            return changed
        after = rows[-1].product_id


async def _write_entries(
    uow: UnitOfWork, products: Sequence[SearchableProduct], embedder: Embedder, name: str
) -> int:
    """Upsert entries for ``products``; embed only passages that changed. How many embedded."""
    if not products:
        return 0
    documents = [document_of(p) for p in products]
    passages = [passage_text(d) for d in documents]
    digests = [passage_digest(text, name) for text in passages]
    async with uow:
        existing = await uow.repo(AssistantRepository).entries([d.product_id for d in documents])
    stale = [
        i for i, d in enumerate(documents) if _needs_vector(existing.get(d.product_id), digests[i])
    ]
    # Catalogs repeat texts (a model in several sizes): reuse a vector already stored for the
    # same passage, and embed each remaining distinct passage once.
    async with uow:
        known = await uow.repo(AssistantRepository).vectors_by_digest({digests[i] for i in stale})
    distinct = list(dict.fromkeys(passages[i] for i in stale if digests[i] not in known))
    embedded = embedder.passages(distinct) if distinct else None
    by_text = {text: embedded[n] for n, text in enumerate(distinct)} if embedded is not None else {}
    new_vectors = {
        i: by_text[passages[i]]
        if passages[i] in by_text
        else np.frombuffer(known[digests[i]], dtype=np.float32)
        for i in stale
    }
    now = clock.now()
    async with uow:
        repo = uow.repo(AssistantRepository)
        current = await repo.entries([d.product_id for d in documents])
        for i, (document, product) in enumerate(zip(documents, products, strict=True)):
            entry = current.get(document.product_id)
            vector = new_vectors.get(i)
            if entry is None:
                if vector is None:  # written and removed meanwhile: embed next time
                    continue
                entry = IndexEntry(product_id=document.product_id)
                repo.add(entry)
            entry.document = document_to_json(document)
            entry.passage_digest, entry.embedder = digests[i], name
            if vector is not None:
                entry.vector = np.asarray(vector, dtype=np.float32).tobytes()
            entry.listed, entry.product_version, entry.indexed_at = True, product.updated_at, now
        await uow.commit()
    return len(distinct)


def _needs_vector(entry: IndexEntry | None, digest: str) -> bool:
    return entry is None or entry.passage_digest != digest
