"""A power cut loses Redis's last second of stock moves: the counters are rebuilt from the
record before the next sale, and no unit is sold twice."""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import RedisSettings, Settings
from tests.support.clients import Client, cheap_auth, guests_of, sign_up
from tests.support.power_cut import (
    POWER_CUT_OPTIONS,
    answered_after_restart,
    aof_seconds,
    counters_in,
    cut_aof_before,
    kill_redis,
    next_second,
)
from tests.support.redis_server import running_redis
from tests.support.shopping import buy, paid_order, pay, place_order, sold_in_record
from tests.support.world import LiveShop, open_live_shop

STOCK = 5


@pytest.fixture
def redis_folder() -> Iterator[Path]:
    """A short folder for a private redis-server (unix socket paths are short)."""
    with tempfile.TemporaryDirectory(prefix="livesale-cut-", dir="/tmp") as folder:
        yield Path(folder)


async def _try_to_buy(buyer: Client, shop: LiveShop) -> int:
    """Buy now one unit and pay for it; the Buy now status (201 when a unit was had)."""
    request_id = uuid.uuid4().hex  # the same for each retry: a hold taken once
    bought = await answered_after_restart(lambda: buy(buyer, shop, request_id=request_id))
    if bought.status != 201:
        return bought.status
    checkout = (await bought.json())["checkout"]
    placed = await answered_after_restart(lambda: place_order(buyer, checkout["id"]))
    assert placed.status == 201, await placed.text()
    payment_id = (await placed.json())["payment"]["payment_id"]
    paid = await answered_after_restart(lambda: pay(buyer, payment_id))
    assert (await paid.json())["order"]["status"] == "paid"
    return 201


async def test_power_cut_rebuilds_stock_before_selling_again(
    settings: Settings, redis_folder: Path
) -> None:
    with running_redis(redis_folder, options=POWER_CUT_OPTIONS) as sock:
        settings = dataclasses.replace(
            cheap_auth(settings), redis=RedisSettings(url=f"unix://{sock}")
        )
        server = TestServer(create_app(settings))
        await server.start_server()
        alice: Client = TestClient(server)
        try:
            await sign_up(alice, "alice@example.com", display_name="Alice")
            shop = await open_live_shop(alice, stock=STOCK)
            async with guests_of(server) as buyers:
                await paid_order(await buyers("Early"), shop.show_id, [(shop.variant_id, 2)])
                late = await buyers("Late")
                # The late sale is Redis's last second of writes: the one a power cut loses.
                cut = await next_second()
                await paid_order(late, shop.show_id, [(shop.variant_id, 2)])
                assert await counters_in(sock, shop.variant_id) == (1, 0, 4)
                kill_redis(sock)
                report = cut_aof_before(redis_folder, cut)
                assert max(aof_seconds(redis_folder)) < cut, report

                with running_redis(redis_folder, options=POWER_CUT_OPTIONS):
                    # What the cut left: the late sale's hold and commit are gone from Redis,
                    # while the record keeps its paid order.
                    assert await counters_in(sock, shop.variant_id) == (3, 0, 2)
                    assert await sold_in_record(alice, shop.variant_id) == 4

                    statuses = [
                        await _try_to_buy(await buyers(f"After{n}"), shop) for n in range(3)
                    ]

                    # One unit was left for sale, so one buyer gets it and two are told so.
                    assert statuses == [201, 409, 409]
                    assert await sold_in_record(alice, shop.variant_id) == STOCK
                    assert await counters_in(sock, shop.variant_id) == (0, 0, STOCK)
        finally:
            await alice.close()
            await server.close()
