"""The assistant's search index follows the catalog through jobs, on SQLite and PostgreSQL.

Catalog changes queue a refresh; the worker embeds only what changed and stores it; another
process loads the stored entries without embedding anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from handshake.assistant import service as assistant
from handshake.assistant.constraints import Constraints
from handshake.assistant.embedding import HashingEmbedder, Vector2D
from handshake.assistant.indexing import REFRESH_JOB
from handshake.assistant.live_index import LiveIndex
from handshake.assistant.product_index import ProductIndex
from handshake.bootstrap import Container
from handshake.catalog import service as catalog
from handshake.catalog.models import ProductStatus
from handshake.jobs import service as jobs
from handshake.jobs.models import JobStatus
from handshake.jobs.worker import Worker
from handshake.kernel import clock
from handshake.kernel.money import Money
from tests.assistant_helpers import KITCHEN_ROWS, kitchen_shop
from tests.catalog_helpers import import_ok, make_warehouses


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the passages it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def passages(self, texts: Sequence[str]) -> Vector2D:
        self.embedded += len(texts)
        return super().passages(texts)


def _worker(container: Container) -> Worker:
    return Worker(
        uow_factory=container.uow, registry=container.jobs, settings=container.settings.jobs,
        worker_id="w-index",
    )  # fmt: skip


async def _fresh(container: Container) -> LiveIndex:
    live = LiveIndex(ProductIndex(CountingEmbedder()), "hashing")
    await live.ensure_fresh(container.read_uow(), max_age_seconds=0)
    return live


async def _pending_refreshes(container: Container) -> int:
    pending = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING, limit=500)
    return sum(1 for job in pending if job.name == REFRESH_JOB)


async def test_catalog_import_queues_refreshes_the_worker_indexes(container: Container) -> None:
    await make_warehouses(container)
    with clock.frozen_at(clock.now()):
        await import_ok(container, KITCHEN_ROWS)
        queued = await _pending_refreshes(container)
        assert queued >= 1
        # Nothing runs before the coalescing window is over.
        assert len((await _fresh(container)).index) == 0
        clock.advance(timedelta(seconds=10))
        await _worker(container).run_until_idle()
    live = await _fresh(container)
    assert len(live.index) == len({row["handle"] for row in KITCHEN_ROWS})


async def test_price_change_and_archive_reach_the_index_without_reembedding(
    container: Container,
) -> None:
    ids = await kitchen_shop(container)
    first = await _fresh(container)
    assert first.index.get(ids["vaporo-glass"]).min_price_minor == 4500  # type: ignore[union-attr]
    variant = await catalog.get_variant(uow=container.read_uow(), reference="VAP-GLASS")
    with clock.frozen_at(clock.now()):
        await catalog.set_prices(
            uow=container.uow(), variant_id=variant.variant.id,
            list_price=Money(2000, "EUR"), member_price=None,
        )  # fmt: skip
        await catalog.set_product_status(
            uow=container.uow(), product_id=ids["brewell-smart"], status=ProductStatus.ARCHIVED
        )
        clock.advance(timedelta(seconds=10))
        await _worker(container).run_until_idle()
    result = await assistant.refresh_search_index(
        uow=container.uow(), settings=container.settings.assistant
    )
    assert (result.indexed, result.embedded, result.unlisted) == (0, 0, 0)  # all done by jobs
    await first.ensure_fresh(container.read_uow(), max_age_seconds=0)
    assert first.index.get(ids["vaporo-glass"]).min_price_minor == 2000  # type: ignore[union-attr]
    assert first.index.get(ids["brewell-smart"]) is None
    cheap = first.index.search("", constraints=Constraints(max_price_minor=2000), limit=5)
    assert [hit.product_id for hit in cheap] == [ids["vaporo-glass"]]


async def test_another_process_loads_the_stored_index_without_embedding(
    container: Container,
) -> None:
    ids = await kitchen_shop(container)
    live = await _fresh(container)
    embedder = live.index._embedder  # type: ignore[attr-defined]
    assert isinstance(embedder, CountingEmbedder)
    assert embedder.embedded == 0
    assert {live.index.get(pid).handle for pid in ids.values()} == set(ids)  # type: ignore[union-attr]
    hits = live.index.search("glass kettle", limit=2)
    assert {hit.product_id for hit in hits} == {ids["vaporo-glass"], ids["brewell-glass"]}


async def test_unchanged_catalog_embeds_nothing_on_a_second_refresh(container: Container) -> None:
    await kitchen_shop(container)
    again = await assistant.refresh_search_index(
        uow=container.uow(), settings=container.settings.assistant
    )
    assert (again.indexed, again.embedded, again.unlisted) == (0, 0, 0)


async def test_stock_moved_by_sales_reaches_the_index_at_the_reconcile_without_jobs(
    container: Container,
) -> None:
    ids = await kitchen_shop(container)
    queued = await _pending_refreshes(container)  # the import's, not yet due
    variant = await catalog.get_variant(uow=container.read_uow(), reference="VAP-GLASS")
    await catalog.adjust_stock(
        uow=container.uow(), variant_id=variant.variant.id, warehouse_code="PAR1", delta=-6,
        reason="sold",
    )  # fmt: skip
    assert await _pending_refreshes(container) == queued  # no job per stock move
    stale = await _fresh(container)
    assert stale.index.get(ids["vaporo-glass"]).available == 6  # type: ignore[union-attr]
    result = await assistant.refresh_search_index(
        uow=container.uow(), settings=container.settings.assistant
    )
    assert (result.indexed, result.embedded, result.facts_updated) == (0, 0, 1)
    await stale.ensure_fresh(container.read_uow(), max_age_seconds=0)
    assert stale.index.get(ids["vaporo-glass"]).available == 0  # type: ignore[union-attr]
    in_stock = stale.index.search("glass kettle", constraints=Constraints(in_stock=True))
    assert ids["vaporo-glass"] not in [hit.product_id for hit in in_stock]


async def test_a_passage_already_stored_is_reused_not_embedded_again(container: Container) -> None:
    await kitchen_shop(container)
    twin = {**KITCHEN_ROWS[0], "handle": "brewell-steel-bis", "sku": "BRW-STEEL-BIS"}
    await import_ok(container, [twin])  # same titles, brand, category and description
    again = await assistant.refresh_search_index(
        uow=container.uow(), settings=container.settings.assistant
    )
    assert (again.indexed, again.embedded) == (1, 0)
    live = await _fresh(container)
    hits = live.index.search("Brewell Steel kettle", limit=2)
    assert len({hit.product_id for hit in hits}) == 2
