"""The shop through Redis Sentinel: it finds the master, waits for the replica, fails clearly."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.config import RedisSettings, Settings
from livesale.storage.redis_client import RedisMisconfigured
from livesale.storage.stock_keys import variant_key
from tests.support.clients import Buyers, Client, assert_error, guests_of, sign_up
from tests.support.processes import HOST, free_port
from tests.support.sentinel import MASTER_NAME, SentinelSetUp
from tests.support.shopping import buy, levels
from tests.support.world import open_live_shop


def sample(name: str, **labels: str) -> float:
    """A metric's current value in this process (0 if never set)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def replica_counters(sentinels: SentinelSetUp, variant_id: str) -> dict[str, str]:
    """The variant's stock counters as the replica has them right now."""
    master = sentinels.master_port()
    replica = next(port for port in sentinels.servers if port != master)
    async with aioredis.Redis(host=HOST, port=replica, decode_responses=True) as client:
        # Any seller's: the variant id alone names one variant.
        keys = [key async for key in client.scan_iter(match=variant_key("*", variant_id))]
        assert len(keys) == 1, keys
        counters: dict[str, str] = await client.hgetall(keys[0])  # type: ignore[misc]
        return counters


async def test_a_hold_is_on_the_replica_when_the_buyer_hears_of_it(
    alice: Client, buyers: Buyers, sentinels: SentinelSetUp
) -> None:
    shop = await open_live_shop(alice, stock=5)
    mia = await buyers("Mia")
    acked = sample("livesale_redis_replica_acks_total", outcome="ok")
    timed = sample("livesale_redis_command_duration_seconds_count", command="PIPELINE")

    response = await buy(mia, shop, quantity=2)

    assert response.status == 201, await response.text()
    # WAIT came back with the replica's acknowledgement before the 201 was sent.
    assert (await replica_counters(sentinels, shop.variant_id))["held"] == "2"
    # Two writes waited on: the hold, and the checkout that names it.
    assert sample("livesale_redis_replica_acks_total", outcome="ok") == acked + 2
    # The client the sentinels hand out is still the instrumented one.
    assert sample("livesale_redis_command_duration_seconds_count", command="PIPELINE") > timed
    assert await levels(alice, shop.variant_id) == (3, 2, 0)


async def test_too_few_replicas_is_a_503_and_the_retry_takes_nothing_twice(
    settings: Settings, sentinels: SentinelSetUp
) -> None:
    strict = dataclasses.replace(
        settings.redis, min_replicas_acked=2, replica_ack_timeout_seconds=0.05
    )
    server = TestServer(create_app(dataclasses.replace(settings, redis=strict)))
    owner: Client = TestClient(server)
    async with server, owner, guests_of(server) as make:
        await sign_up(owner, "alice@example.com", display_name="Alice")
        shop = await open_live_shop(owner, stock=5)
        mia = await make("Mia")
        request_id = uuid.uuid4().hex
        for _attempt in range(2):
            refused = await buy(mia, shop, request_id=request_id)
            await assert_error(refused, 503, "service_unavailable")
            assert refused.headers["Retry-After"] == "1"
        # The hold was made once on the master; the retry found it and took nothing more.
        assert await levels(owner, shop.variant_id) == (4, 1, 0)


@pytest.mark.parametrize("problem", ["unknown master name", "no sentinel answers"])
async def test_start_up_names_the_settings_when_no_master_is_found(
    settings: Settings, sentinels: SentinelSetUp, problem: str
) -> None:
    if problem == "unknown master name":
        redis = RedisSettings(sentinels=sentinels.addresses, master_name="not-" + MASTER_NAME)
    else:
        redis = RedisSettings(sentinels=(f"{HOST}:{free_port()}",), master_name=MASTER_NAME)
    server = TestServer(create_app(dataclasses.replace(settings, redis=redis)))
    with pytest.raises(RedisMisconfigured, match=r"redis\.sentinels and redis\.master_name"):
        await server.start_server()
    await server.close()
