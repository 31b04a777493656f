"""The stock check: counters that drifted from the record are found and repaired; a sale in
flight is not mistaken for drift; a new Redis server sells nothing until it is checked."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import RedisSettings, Settings
from livesale.domain.checkout import hold_id_for
from livesale.shop.stock_audit import LOCK_NAME, CheckResult
from livesale.storage.locks import RedisLocks
from livesale.storage.stock_keys import CHECKED_KEY, variant_key
from tests.support.clients import Buyers, Client, assert_error, cheap_auth, guests_of, sign_up
from tests.support.polling import poll
from tests.support.power_cut import answered_after_restart, counters_in
from tests.support.redis_server import pooled_redis, running_redis
from tests.support.shopping import buy, levels, paid_order, place_order
from tests.support.world import LiveShop, open_live_shop

DRIFT = "livesale_shop_stock_drift_units"
REPAIRS = "livesale_shop_stock_repairs_total"


def sample(name: str, **labels: str) -> float:
    """A metric's value now (0 before its first change)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def _held_checkout(buyer: Client, shop: LiveShop, quantity: int) -> dict[str, object]:
    response = await buy(buyer, shop, quantity=quantity)
    assert response.status == 201, await response.text()
    checkout: dict[str, object] = (await response.json())["checkout"]
    return checkout


async def test_check_repairs_counters_that_drifted_and_keeps_live_holds(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await paid_order(await buyers("Mia"), shop.show_id, [(shop.variant_id, 2)])
    await _held_checkout(await buyers("Zoe"), shop, 1)
    audit = alice.app[SERVICES].shop.stock_audit
    assert await levels(alice, shop.variant_id) == (7, 1, 2)
    assert await audit.check_once() == CheckResult(drift_units=0, repaired=0, unsettled=0)

    # Lost writes: the counters forget the sale and the hold.
    redis = alice.app[SERVICES].storage.redis
    drifted = {"available": 10, "held": 0, "sold": 0}
    await redis.hset(variant_key(shop.creator_id, shop.variant_id), mapping=drifted)  # type: ignore[misc]
    repairs = sample(REPAIRS, reason="drift")

    result = await audit.check_once()

    assert result == CheckResult(drift_units=3, repaired=1, unsettled=0)
    assert await levels(alice, shop.variant_id) == (7, 1, 2)
    assert sample(REPAIRS, reason="drift") == repairs + 1
    assert sample(DRIFT) == 3
    assert await audit.check_once() == CheckResult(drift_units=0, repaired=0, unsettled=0)
    assert sample(DRIFT) == 0


async def test_sale_committed_but_not_yet_marked_paid_is_not_drift(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    checkout = await _held_checkout(mia, shop, 2)
    placed = await place_order(mia, str(checkout["id"]))
    assert placed.status == 201, await placed.text()
    # Settlement's first step alone: the hold is sold in Redis, the order still waits.
    hold_id = hold_id_for(str(checkout["id"]), 0)
    await alice.app[SERVICES].shop.stock.commit(shop.creator_id, hold_id)
    assert await levels(alice, shop.variant_id) == (8, 0, 2)

    result = await alice.app[SERVICES].shop.stock_audit.check_once()

    assert result == CheckResult(drift_units=0, repaired=0, unsettled=0)
    assert await levels(alice, shop.variant_id) == (8, 0, 2)


async def test_check_leaves_counters_alone_while_another_process_checks(
    alice: Client, shop: LiveShop
) -> None:
    redis = alice.app[SERVICES].storage.redis
    await redis.hset(variant_key(shop.creator_id, shop.variant_id), "available", "12")  # type: ignore[misc]
    async with RedisLocks(redis).hold(LOCK_NAME):
        result = await alice.app[SERVICES].shop.stock_audit.check_once()
        assert result == CheckResult(drift_units=0, repaired=0, unsettled=0)
        assert await levels(alice, shop.variant_id) == (12, 0, 0)
    await alice.app[SERVICES].shop.stock_audit.check_once()
    assert await levels(alice, shop.variant_id) == (10, 0, 0)


@pytest.fixture
def redis_folder() -> Iterator[Path]:
    """A short folder for a private redis-server (unix socket paths are short)."""
    with tempfile.TemporaryDirectory(prefix="livesale-check-", dir="/tmp") as folder:
        yield Path(folder)


async def test_new_redis_server_sells_nothing_until_its_counters_are_checked(
    settings: Settings, redis_folder: Path
) -> None:
    async with AsyncExitStack() as stack:
        with running_redis(redis_folder) as sock:
            settings = dataclasses.replace(
                cheap_auth(settings), redis=RedisSettings(url=f"unix://{sock}")
            )
            server = TestServer(create_app(settings))
            await server.start_server()
            stack.push_async_callback(server.close)
            alice: Client = TestClient(server)
            stack.push_async_callback(alice.close)
            buyers = await stack.enter_async_context(guests_of(server))
            await sign_up(alice, "alice@example.com", display_name="Alice")
            shop = await open_live_shop(alice, stock=5)
            await paid_order(await buyers("Mia"), shop.show_id, [(shop.variant_id, 2)])
            zoe = await buyers("Zoe")
            repairs = sample(REPAIRS, reason="redis_changed")

        with running_redis(redis_folder) as sock:
            other = pooled_redis(f"unix://{sock}")
            stack.push_async_callback(other.aclose)
            # The new server's counters are stale (as after lost writes): the sale is gone.
            stale = {"available": 5, "sold": 0}
            await other.hset(variant_key(shop.creator_id, shop.variant_id), mapping=stale)  # type: ignore[misc]
            # Another process is rebuilding them: holds wait, with Retry-After, taking nothing.
            async with RedisLocks(other).hold(LOCK_NAME):
                details = await _refused_while_checked(zoe, shop)
                assert details["retry_after_seconds"] == 1
                assert await counters_in(sock, shop.variant_id) == (5, 0, 0)

            bought = await answered_after_restart(lambda: buy(zoe, shop, quantity=4))
            await assert_error(bought, 409, "out_of_stock")
            assert await counters_in(sock, shop.variant_id) == (3, 0, 2)
            assert sample(REPAIRS, reason="redis_changed") == repairs + 1
            run_id = (await other.info("server"))["run_id"]
            assert await other.get(CHECKED_KEY) == run_id


async def _refused_while_checked(buyer: Client, shop: LiveShop) -> dict[str, object]:
    """The first answer to Buy now that is the check's 503 (stale pooled connections to the
    old server fail first, with the outage's own 503)."""

    async def refusal() -> dict[str, object] | None:
        response = await buy(buyer, shop)
        if response.status != 503 or response.headers.get("Retry-After") != "1":
            assert response.status == 503, await response.text()
            return None
        return await assert_error(response, 503, "service_unavailable")

    found: dict[str, object] = await poll(refusal, 10.0, "the stock check's 503")
    return found
