"""Attribution through the worker on SQLite and PostgreSQL: late events credit orders again
(a shopper's click or view, an anonymous click whose id an order carries), and a placed order
queues one catch-up job per 5-second bucket, which the worker runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from handshake.attribution import attributing
from handshake.bootstrap import Container
from handshake.db.uow import Repository
from handshake.jobs.models import Job
from handshake.kernel import clock
from tests.attribution_helpers import make_worker
from tests.attribution_order_helpers import (
    LAMP,
    PLAIN,
    THERMO,
    Shopper,
    ago,
    at,
    attribution_catalog,
    catch_up,
    credited,
    insight,
    new_shopper,
    partner_order,
    store_order,
    touches,
)
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LinkedShopper

NEW_CUSTOMER_DAYS = 10
CANNIBALISATION_DAYS = 5
BOTH = ("last_click", "view_through")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Every test starts at FROZEN_START and moves the clock itself."""
    with clock.frozen_at(FROZEN_START):
        yield


@pytest.fixture
async def shopper(app: object, container: Container) -> Shopper:
    """The catalog, and one shopper linked to two apps."""
    await attribution_catalog(container)
    return await new_shopper(app, container)


# Late events: the worker storing them credits the orders again.


async def post_events(
    client: httpx.AsyncClient, headers: dict[str, str], events: list[dict[str, object]]
) -> dict[str, object]:
    """``POST /partner/v1/events``; the 202 report."""
    answer = await client.post("/partner/v1/events", json={"events": events}, headers=headers)
    assert answer.status_code == 202, answer.text
    report: dict[str, object] = answer.json()
    return report


def api_event(event_id: str, kind: str, moment: datetime, **fields: str) -> dict[str, object]:
    """An event of the events API about THERMO."""
    return {"event_id": event_id, "type": kind, "occurred_at": moment.isoformat(), "sku": THERMO,
            **fields}  # fmt: skip


async def test_a_late_click_stored_by_the_worker_credits_the_attributed_order_again(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    order = await partner_order(client, shopper.b, [(THERMO, 1)])
    await catch_up(container)
    app_touch = at(credited(shopper.b, "placement", "placement", None, channel="video"), now)
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, app_touch)
    learnt = await insight(container, order["id"])

    clock.advance(timedelta(minutes=2))
    await post_events(client, shopper.a.headers, [
        api_event("late-click", "click", now - ago(hours=1), campaign_id="late"),
    ])  # fmt: skip
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, app_touch)
    await make_worker(container).run_until_idle()

    expected = at(credited(shopper.a, "click", "shopper", "late-click", campaign_id="late"),
                  now - ago(hours=1), now.date())  # fmt: skip
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)
    again = await insight(container, order["id"])
    assert again is not None
    assert learnt is not None
    assert replace(again, attributed_at=learnt.attributed_at) == learnt


async def test_a_late_view_gives_an_unattributed_store_order_its_view_through(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    now = clock.now()
    order = await store_order(app, container, shopper.a.login, LAMP)
    await catch_up(container)
    assert await touches(container, order) == {}

    await post_events(client, shopper.a.headers, [
        api_event("late-view", "view", now - ago(hours=3)),
        api_event("after", "click", now + ago(minutes=1)),  # after the order: credits nothing
    ])  # fmt: skip
    await make_worker(container).run_until_idle()

    view = at(credited(shopper.a, "view", "shopper", "late-view"), now - ago(hours=3))
    assert await touches(container, order) == {"view_through": view}


async def test_a_late_anonymous_click_whose_id_the_order_carries_credits_it_again(
    client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    """The partner's ad server reports the click with its own token (no shopper); the order
    carrying the click id was attributed before the worker stored the click."""
    now = clock.now()
    anonymous = await client_token(client, shopper.a)
    report = await post_events(client, anonymous, [
        api_event("anon-click", "click", now - ago(minutes=3), campaign_id="spring"),
    ])  # fmt: skip
    [issued] = report["clicks"]  # type: ignore[misc]
    order = await partner_order(client, shopper.a, [(THERMO, 1)], click_id=issued["click_id"])
    await catch_up(container)
    app_touch = at(credited(shopper.a, "placement", "placement", None), now)
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, app_touch)

    await make_worker(container).run_until_idle()

    expected = at(credited(shopper.a, "click", "click_id", "anon-click", campaign_id="spring"),
                  now - ago(minutes=3))  # fmt: skip
    assert await touches(container, order["id"]) == dict.fromkeys(BOTH, expected)


async def client_token(client: httpx.AsyncClient, linked: LinkedShopper) -> dict[str, str]:
    """Bearer headers of a client-credentials token of ``linked``'s app (no shopper)."""
    from tests.linking_helpers import bearer
    from tests.offers_helpers import client_credentials_token

    return bearer(await client_credentials_token(client, linked.app))


# The trigger: a placed order has the worker attribute it within seconds.


class JobReader(Repository):
    """Reads the attribution jobs queued."""

    async def attribution_jobs(self) -> list[tuple[str, datetime, str | None]]:
        """(status, run after, dedupe key) of every attribution job, oldest first."""
        rows = await self.session.scalars(
            select(Job).where(Job.name == attributing.ATTRIBUTE_JOB).order_by(Job.run_after)
        )
        return [(j.status, clock.ensure_utc(j.run_after), j.dedupe_key) for j in rows.all()]


async def attribution_jobs(container: Container) -> list[tuple[str, datetime, str | None]]:
    """Every attribution job now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(JobReader).attribution_jobs()


def bucket(moment: datetime, status: str = "pending") -> tuple[str, datetime, str]:
    """The job of the 5-second bucket ending at ``moment``."""
    return status, moment, f"{attributing.ATTRIBUTE_JOB}:{int(moment.timestamp())}"


async def test_placed_orders_queue_one_attribution_job_per_5_seconds_which_the_worker_runs(
    app: object, client: httpx.AsyncClient, container: Container, shopper: Shopper
) -> None:
    start = clock.now()  # a bucket starts: FROZEN_START is a whole minute
    assert start.timestamp() % 5 == 0
    first = await partner_order(client, shopper.a, [(THERMO, 1)])
    clock.advance(timedelta(seconds=4, microseconds=999_999))
    second = await store_order(app, container, shopper.a.login, LAMP)
    assert await attribution_jobs(container) == [bucket(start + timedelta(seconds=5))]
    clock.advance(timedelta(microseconds=1))  # the next bucket
    third = await partner_order(client, shopper.a, [(PLAIN, 1)])
    assert await attribution_jobs(container) == [
        bucket(start + timedelta(seconds=5)), bucket(start + timedelta(seconds=10)),
    ]  # fmt: skip
    assert [await insight(container, o) for o in (first["id"], second, third["id"])] == [None] * 3

    await make_worker(container).run_until_idle()  # at start + 5 s: the first job is due

    assert await attribution_jobs(container) == [
        bucket(start + timedelta(seconds=5), "succeeded"), bucket(start + timedelta(seconds=10)),
    ]  # fmt: skip
    assert set(await touches(container, first["id"])) == set(BOTH)
    assert await touches(container, second) == {}
    assert await insight(container, second) is not None
    assert set(await touches(container, third["id"])) == set(BOTH)
    clock.advance(timedelta(seconds=5))
    await make_worker(container).run_until_idle()
    assert [status for status, *_ in await attribution_jobs(container)] == ["succeeded"] * 2


async def test_scheduling_twice_in_a_bucket_queues_one_job(container: Container) -> None:
    first = await attributing.schedule_catch_up(uow=container.uow())
    clock.advance(timedelta(seconds=2))
    again = await attributing.schedule_catch_up(uow=container.uow())
    clock.advance(timedelta(seconds=3))
    later = await attributing.schedule_catch_up(uow=container.uow(), bucket_seconds=60)

    assert first is not None
    assert again is None
    assert later is not None
    assert await attribution_jobs(container) == [
        bucket(FROZEN_START + timedelta(seconds=5)), bucket(FROZEN_START + timedelta(seconds=60)),
    ]  # fmt: skip
