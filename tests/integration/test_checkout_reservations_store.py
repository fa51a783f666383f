"""Checkout stock reservations expire on SQLite and PostgreSQL: once, on time, never if ordered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from handshake.bootstrap import Container
from handshake.checkout import service
from handshake.checkout.models import Order, StockReservation
from handshake.db.uow import Repository
from handshake.jobs import service as jobs
from handshake.jobs.models import JobStatus
from handshake.jobs.worker import Worker
from handshake.kernel import clock
from handshake.payments.models import Payment
from tests.checkout_helpers import (
    SESSIONS,
    checkout_shopper,
    complete,
    create_session,
    prepared_catalog,
    stock_levels,
)
from tests.linking_helpers import FROZEN_START
from tests.offers_helpers import LOW_SKU, MEMBER_SKU, LinkedShopper

RESERVATION = timedelta(minutes=10)  # checkout.reservation_minutes
SECOND = timedelta(seconds=1)
X1_FREE = {"PAR1": (12, 0), "LYS1": (0, 0)}
X1_TWO_HELD = {"PAR1": (12, 2), "LYS1": (0, 0)}


class _Rows(Repository):
    """Reservations of a session and row counts, read like the services read them."""

    async def reservations(self, session_id: str) -> list[StockReservation]:
        """The session's reservations, oldest first."""
        rows = await self.session.scalars(
            select(StockReservation)
            .where(StockReservation.session_id == session_id)
            .order_by(StockReservation.created_at, StockReservation.id)
        )
        return list(rows.all())

    async def count(self, entity: type[Any]) -> int:
        """Rows of ``entity``."""
        return int(
            (await self.session.execute(select(func.count()).select_from(entity))).scalar_one()
        )


async def statuses(container: Container, session_id: str) -> list[str]:
    """The statuses of the session's reservations, oldest first."""
    uow = container.read_uow()
    async with uow:
        return [r.status for r in await uow.repo(_Rows).reservations(session_id)]


async def count(container: Container, entity: type[Any]) -> int:
    """Rows of ``entity`` now."""
    uow = container.read_uow()
    async with uow:
        return await uow.repo(_Rows).count(entity)


async def open_session(
    client: httpx.AsyncClient, linked: LinkedShopper, sku: str = MEMBER_SKU, quantity: int = 2
) -> dict[str, Any]:
    """A new session holding ``quantity`` × ``sku`` (must be held)."""
    created = await create_session(client, linked, [(sku, quantity)])
    assert created.status_code == 201, created.text
    session: dict[str, Any] = created.json()
    assert [line["reserved"] for line in session["line_items"]] == [True]
    return session


async def expire(container: Container, session_id: str) -> int:
    """Run the session's expiry now; how many reservations it released."""
    return await service.expire_session_reservations(uow=container.uow(), session_id=session_id)


async def sweep(container: Container) -> int:
    """Run the worker's sweep now; how many reservations it released."""
    return await service.expire_due_reservations(uow=container.uow())


def worker(container: Container) -> Worker:
    """A worker running the container's registered jobs (the expiry job among them)."""
    return Worker(
        uow_factory=container.uow,
        registry=container.jobs,
        settings=container.settings.jobs,
        worker_id="test-worker",
    )


async def test_expiry_releases_stock_once_after_reservation_minutes(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Not before its time; then the units go back once, however often expiry runs."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        session = await open_session(client, linked)
        assert session["reserved_until"] == "2029-03-01T09:10:00Z"
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        clock.advance(RESERVATION - SECOND)
        assert await expire(container, session["id"]) == 0
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        clock.advance(2 * SECOND)
        assert await expire(container, session["id"]) == 1
        assert await expire(container, session["id"]) == 0
        assert await sweep(container) == 0
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        assert await statuses(container, session["id"]) == ["released"]
        shown = await client.get(f"{SESSIONS}/{session['id']}", headers=linked.headers)
    body = shown.json()
    assert (body["status"], body["ready_for_payment"]) == ("open", False)
    assert body["blockers"] == ["out_of_stock"]
    assert [line["reserved"] for line in body["line_items"]] == [False]


async def test_session_queues_its_expiry_job_with_a_delay(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """checkout.expire_reservations waits in the jobs table until just after the expiry."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = await open_session(client, linked)
        pending = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.PENDING)
        queued = [j for j in pending if j.name == service.EXPIRE_JOB]
        assert [(j.payload, j.attempts) for j in queued] == [({"session_id": session["id"]}, 0)]
        assert clock.ensure_utc(queued[0].run_after) == FROZEN_START + RESERVATION + SECOND
        assert queued[0].dedupe_key == (
            f"{service.EXPIRE_JOB}:{session['id']}:{int((FROZEN_START + RESERVATION).timestamp())}"
        )
        clock.advance(RESERVATION - SECOND)
        await worker(container).run_until_idle()
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        clock.advance(2 * SECOND)
        await worker(container).run_until_idle()
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        done = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.SUCCEEDED)
    assert [j.id for j in done if j.name == service.EXPIRE_JOB] == [queued[0].id]


async def test_sweep_releases_only_overdue_reservations(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """expire_due_reservations takes back what is overdue, leaves what is not, and only once."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        early = await open_session(client, linked)
        clock.advance(timedelta(minutes=6))
        late = await open_session(client, linked, LOW_SKU, 1)
        clock.advance(timedelta(minutes=5))  # early is 1 minute overdue, late has 5 left
        assert await sweep(container) == 1
        assert await sweep(container) == 0
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        assert await stock_levels(container, LOW_SKU) == {"PAR1": (3, 1)}
        assert await statuses(container, late["id"]) == ["held"]
        clock.advance(timedelta(minutes=6))
        assert await sweep(container) == 1
        assert await stock_levels(container, LOW_SKU) == {"PAR1": (3, 0)}
        assert await statuses(container, early["id"]) == ["released"]
        assert await statuses(container, late["id"]) == ["released"]


async def test_cancelled_session_is_not_released_again_by_expiry(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Cancelling gave the units back already: expiry must not take another buyer's units."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        first = await open_session(client, linked)
        cancel = await client.post(f"{SESSIONS}/{first['id']}/cancel", headers=linked.headers)
        assert cancel.status_code == 200, cancel.text
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        clock.advance(timedelta(minutes=5))
        await open_session(client, await checkout_shopper(app, container), MEMBER_SKU, 3)
        clock.advance(timedelta(minutes=6))  # the first one's expiry passed, not the other's
        assert await expire(container, first["id"]) == 0
        assert await sweep(container) == 0
        await worker(container).run_until_idle()
        assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (12, 3), "LYS1": (0, 0)}
        assert await statuses(container, first["id"]) == ["released"]


async def test_completed_session_is_never_released_by_expiry(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Ordered units stay out of available stock after every expiry time has passed."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = await open_session(client, linked)
        done = await complete(client, linked, session)
        assert done.status_code == 201, done.text
        clock.advance(RESERVATION + timedelta(minutes=1))
        assert await expire(container, session["id"]) == 0
        assert await sweep(container) == 0
        await worker(container).run_until_idle()
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        assert await statuses(container, session["id"]) == ["ordered"]
        dead = await jobs.list_jobs(uow=container.read_uow(), status=JobStatus.DEAD)
    assert dead == []


async def test_completion_after_expiry_holds_the_stock_again(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Units still free are held again; the order is placed and ships exactly those."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = await open_session(client, linked)
        clock.advance(RESERVATION + timedelta(minutes=1))
        assert await expire(container, session["id"]) == 1
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        done = await complete(client, linked, session)
        assert done.status_code == 201, done.text
        order = done.json()["order"]
        assert (order["status"], order["totals"]["total_minor"]) == ("paid", 25998)
        assert [(i["sku"], i["quantity"]) for i in order["items"]] == [(MEMBER_SKU, 2)]
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        assert await statuses(container, session["id"]) == ["released", "ordered"]
        clock.advance(RESERVATION + timedelta(minutes=1))
        assert await sweep(container) == 0
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        await service.ship_order(
            uow=container.uow(), order_id=order["id"], carrier="UPS", tracking_number="1Z9",
            actor="system",
        )  # fmt: skip
        assert await stock_levels(container, MEMBER_SKU) == {"PAR1": (10, 0), "LYS1": (0, 0)}
        assert await statuses(container, session["id"]) == ["released", "shipped"]


async def test_completion_after_expiry_refused_when_stock_was_taken(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """Someone else holds the freed units: 409 out_of_stock, no order, no payment, no theft."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        alice = await checkout_shopper(app, container)
        session = await open_session(client, alice, LOW_SKU, 3)
        clock.advance(RESERVATION + timedelta(minutes=1))
        assert await expire(container, session["id"]) == 1
        bob = await checkout_shopper(app, container)
        taken = await open_session(client, bob, LOW_SKU, 3)
        refused = await complete(client, alice, session)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "out_of_stock"
        assert (await count(container, Order), await count(container, Payment)) == (0, 0)
        assert await stock_levels(container, LOW_SKU) == {"PAR1": (3, 3)}
        assert await statuses(container, taken["id"]) == ["held"]
        assert await statuses(container, session["id"]) == ["released"]
        shown = await client.get(f"{SESSIONS}/{session['id']}", headers=alice.headers)
    body = shown.json()
    assert (body["status"], body["ready_for_payment"]) == ("open", False)
    assert "out_of_stock" in body["blockers"]  # nothing left to ship from: not deliverable too
    assert [line["reserved"] for line in body["line_items"]] == [False]


async def test_changed_session_outlives_its_first_expiry(
    app: object, container: Container, client: httpx.AsyncClient
) -> None:
    """A change pushes the hold back: the first expiry job finds nothing due; the new one does."""
    with clock.frozen_at(FROZEN_START):
        await prepared_catalog(container)
        linked = await checkout_shopper(app, container)
        session = await open_session(client, linked)
        clock.advance(timedelta(minutes=8))
        changed = await client.patch(
            f"{SESSIONS}/{session['id']}", json={"delivery_option": "express"},
            headers=linked.headers,
        )  # fmt: skip
        assert changed.status_code == 200, changed.text
        assert changed.json()["reserved_until"] == "2029-03-01T09:18:00Z"
        clock.advance(timedelta(minutes=3))  # past the first expiry, not the new one
        await worker(container).run_until_idle()
        assert await expire(container, session["id"]) == 0
        assert await stock_levels(container, MEMBER_SKU) == X1_TWO_HELD
        assert await statuses(container, session["id"]) == ["held"]
        clock.advance(timedelta(minutes=7, seconds=1))
        await worker(container).run_until_idle()
        assert await stock_levels(container, MEMBER_SKU) == X1_FREE
        assert await statuses(container, session["id"]) == ["released"]
