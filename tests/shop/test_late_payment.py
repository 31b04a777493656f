"""A payment that arrives after its stock hold expired: stock taken again, or money given back."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client
from tests.support.polling import poll_until
from tests.support.shopping import buy, levels, pay, place_order, seller_stock
from tests.support.world import LiveShop, open_live_shop

Buyers = Callable[..., Awaitable[Client]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Holds of one second, so expiry comes quickly (reached by polling, not sleeping)."""
    return dataclasses.replace(settings, shop=dataclasses.replace(settings.shop, hold_seconds=1))


async def _wait_until_expired(client: Client, variant_id: str) -> None:
    everyone = client.app[SERVICES].shop.stock.store
    store = await seller_stock(client, variant_id)

    async def expired() -> bool:
        await everyone.sweep()
        return (await store.levels(variant_id)).held == 0

    await poll_until(expired, 5, "the hold to expire")


async def _pending_order(client: Client, shop: LiveShop) -> tuple[str, str]:
    checkout = (await (await buy(client, shop)).json())["checkout"]
    body = await (await place_order(client, checkout["id"])).json()
    return body["order"]["id"], body["payment"]["payment_id"]


async def test_late_payment_takes_the_stock_again(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=3)
    mia = await buyers("Mia")
    _, payment_id = await _pending_order(mia, shop)
    await _wait_until_expired(alice, shop.variant_id)
    assert await levels(alice, shop.variant_id) == (3, 0, 0)
    paid = await pay(mia, payment_id)
    assert (await paid.json())["order"]["status"] == "paid"
    assert await levels(alice, shop.variant_id) == (2, 0, 1)


async def test_late_payment_without_stock_is_refunded(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=1)
    mia = await buyers("Mia")
    eve = await buyers("Eve")
    _, payment_id = await _pending_order(mia, shop)
    await _wait_until_expired(alice, shop.variant_id)
    # Meanwhile Eve buys the last unit.
    _, eve_payment = await _pending_order(eve, shop)
    assert (await (await pay(eve, eve_payment)).json())["order"]["status"] == "paid"

    late = await pay(mia, payment_id)
    order = (await late.json())["order"]
    assert order["status"] == "refunded"
    assert order["status_reason"] == "sold_out_before_payment"
    assert await levels(alice, shop.variant_id) == (0, 0, 1)
    gateway = alice.app[SERVICES].shop.payments.gateway
    assert (await gateway.get_payment(payment_id)).status.value == "refunded"
