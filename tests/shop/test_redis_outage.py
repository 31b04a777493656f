"""Redis stopped mid-sale: buyers get a clear 503, nothing half-done; AOF brings holds back."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import RedisSettings, Settings
from tests.support.clients import assert_error, become_viewer, cheap_auth, origin, sign_up
from tests.support.redis_server import running_redis
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import open_live_shop


@pytest.fixture
def redis_folder() -> Iterator[Path]:
    """A short folder for a private redis-server (unix socket paths are short)."""
    with tempfile.TemporaryDirectory(prefix="livesale-outage-", dir="/tmp") as folder:
        yield Path(folder)


async def test_redis_restart_keeps_holds_and_carts(settings: Settings, redis_folder: Path) -> None:
    with running_redis(redis_folder) as sock:
        settings = dataclasses.replace(
            cheap_auth(settings), redis=RedisSettings(url=f"unix://{sock}")
        )
        server = TestServer(create_app(settings))
        await server.start_server()
        alice = TestClient(server)
        mia = TestClient(server)
        try:
            await sign_up(alice, "alice@example.com", display_name="Alice")
            await become_viewer(mia, "Mia")
            shop = await open_live_shop(alice, stock=5)
            checkout = (await (await buy(mia, shop, quantity=2)).json())["checkout"]
            cart_path = f"/api/shows/{shop.show_id}/cart/items/{shop.variant_id}"
            added = await mia.put(cart_path, json={"quantity": 1}, headers=origin(mia))
            assert added.status == 200
        except BaseException:
            await alice.close()
            await mia.close()
            await server.close()
            raise

    try:
        # Redis is down: a clear 503, and nothing was taken.
        await assert_error(await buy(mia, shop), 503, "service_unavailable")
        refused = await mia.put(cart_path, json={"quantity": 3}, headers=origin(mia))
        await assert_error(refused, 503, "service_unavailable")

        with running_redis(redis_folder):
            assert await levels(alice, shop.variant_id) == (3, 2, 0)
            cart = (await (await mia.get(f"/api/shows/{shop.show_id}/cart")).json())["cart"]
            assert [(line["variant_id"], line["quantity"]) for line in cart["lines"]] == [
                (shop.variant_id, 1)
            ]
            body = await (await place_order(mia, checkout["id"])).json()
            paid = await pay(mia, body["payment"]["payment_id"])
            assert (await paid.json())["order"]["status"] == "paid"
            assert await levels(alice, shop.variant_id) == (3, 0, 2)
    finally:
        await alice.close()
        await mia.close()
        await server.close()
