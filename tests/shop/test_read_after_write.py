"""A read that starts after a write committed sees it, however many reads run meanwhile.

Reads share one SQLite connection. While a statement on it is still open
(executed, its rows not yet fetched), every other statement on that
connection reads the same old snapshot; under a crowd of concurrent reads
that snapshot could stay open and stale for good. Found by the chaos
scenario "paid after the hold expired": a buyer asked for their order just
after the payment's webhook was applied and was told it still waited for
payment (settlement reads the order the same way).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from livesale.composition.services import SERVICES
from livesale.domain.orders import OrderStatus
from livesale.storage.database import Database
from livesale.storage.orders import OrderRepository
from tests.support.clients import Client
from tests.support.shopping import buy, place_order
from tests.support.world import open_live_shop

Buyers = Callable[..., Awaitable[Client]]
READERS = 20
ROUNDS = 30
ORDERS = 15


async def _with_readers_running(
    read: Callable[[], Awaitable[object]], body: Awaitable[None]
) -> None:
    """Run `body` while READERS tasks read without pause."""
    stop = asyncio.Event()

    async def keep_reading() -> None:
        while not stop.is_set():
            await read()

    readers = [asyncio.create_task(keep_reading()) for _ in range(READERS)]
    try:
        await body
    finally:
        stop.set()
        await asyncio.gather(*readers)


async def test_fetchone_and_fetchall_see_the_last_commit(alice: Client) -> None:
    db: Database = alice.app[SERVICES].storage.database
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE probe (x INTEGER NOT NULL)")
        await conn.execute("INSERT INTO probe (x) VALUES (0)")
    stale: list[tuple[int, int, int]] = []

    async def rounds() -> None:
        for value in range(1, ROUNDS + 1):
            async with db.transaction() as conn:
                await conn.execute("UPDATE probe SET x = ?", (value,))
            one = await db.fetchone("SELECT x FROM probe")
            every = await db.fetchall("SELECT x FROM probe")
            assert one is not None
            if (one["x"], every[0]["x"]) != (value, value):
                stale.append((value, one["x"], every[0]["x"]))

    await _with_readers_running(lambda: db.fetchone("SELECT x FROM probe"), rounds())
    assert stale == []


async def test_an_order_read_after_it_moved_has_its_new_status(
    alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice, stock=ORDERS)
    repository = OrderRepository(alice.app[SERVICES].storage.database)
    # Two buyers: one guest may hold only shop.max_units_held_per_buyer units at once.
    pair = (await buyers("Mia"), await buyers("Noa"))
    order_ids = []
    for n in range(ORDERS):
        buyer = pair[n % 2]
        checkout = (await (await buy(buyer, shop)).json())["checkout"]
        order_ids.append((await (await place_order(buyer, checkout["id"])).json())["order"]["id"])
    stale: list[tuple[str, str]] = []

    async def pay_each() -> None:
        for order_id in order_ids:
            for status in (OrderStatus.PAID, OrderStatus.FULFILLED):
                await repository.move(order_id, status)
                order = await repository.get(order_id)
                assert order is not None
                if order.status is not status:
                    stale.append((order_id, order.status.value))

    await _with_readers_running(lambda: repository.get(order_ids[0]), pay_each())
    assert stale == []
