"""Buy now -> checkout form -> dummy payment -> paid order, through the HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.support.clients import Client, assert_error, origin
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import LiveShop

Buyers = Callable[..., Awaitable[Client]]


async def test_buy_now_pay_and_see_the_order(alice: Client, shop: LiveShop, buyers: Buyers) -> None:
    mia = await buyers("Mia")
    response = await buy(mia, shop, quantity=2)
    assert response.status == 201, await response.text()
    checkout = (await response.json())["checkout"]
    assert checkout["total_minor"] == 5000
    assert checkout["lines"][0]["unit_price_minor"] == 2500
    assert await levels(alice, shop.variant_id) == (8, 2, 0)

    placed = await place_order(mia, checkout["id"])
    assert placed.status == 201, await placed.text()
    body = await placed.json()
    order, payment = body["order"], body["payment"]
    assert order["status"] == "pending_payment"
    assert payment["gateway"] == "dummy"

    again = await place_order(mia, checkout["id"])
    assert again.status == 200
    assert (await again.json())["order"]["id"] == order["id"]

    paid = await pay(mia, payment["payment_id"])
    assert paid.status == 200, await paid.text()
    assert (await paid.json())["order"]["status"] == "paid"
    assert await levels(alice, shop.variant_id) == (8, 0, 2)

    seen = await alice.get(f"/api/orders?show_id={shop.show_id}")
    orders = (await seen.json())["orders"]
    assert [o["id"] for o in orders] == [order["id"]]
    assert orders[0]["email"] == "mia@example.com"

    mine = await mia.get(f"/api/orders/{order['id']}")
    assert (await mine.json())["order"]["status"] == "paid"


async def test_declined_then_second_step_card(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    payment = (await (await place_order(mia, checkout["id"])).json())["payment"]
    declined = await pay(mia, payment["payment_id"], "4000 0000 0000 0002")
    await assert_error(declined, 402, "card_declined")
    step = await pay(mia, payment["payment_id"], "4000 0027 6000 3184")
    assert step.status == 200
    assert (await step.json())["order"]["status"] == "pending_payment"
    approved = await mia.post(
        f"/api/payments/dummy/{payment['payment_id']}/authenticate",
        json={"approve": True},
        headers=origin(mia),
    )
    assert (await approved.json())["order"]["status"] == "paid"
    assert await levels(alice, shop.variant_id) == (9, 0, 1)


async def test_strangers_cannot_see_or_pay_an_order(
    alice: Client, bob: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    eve = await buyers("Eve")
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    body = await (await place_order(mia, checkout["id"])).json()
    order_id, payment_id = body["order"]["id"], body["payment"]["payment_id"]
    await assert_error(await eve.get(f"/api/orders/{order_id}"), 404, "order_not_found")
    await assert_error(await bob.get(f"/api/orders/{order_id}"), 404, "order_not_found")
    await assert_error(await pay(eve, payment_id), 404, "payment_not_found")
    await assert_error(await place_order(eve, checkout["id"]), 404, "checkout_not_found")
    refund = await bob.post(f"/api/orders/{order_id}/refund", headers=origin(bob))
    await assert_error(refund, 404, "order_not_found")


async def test_metrics_count_holds_orders_and_events(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    def value(text: str, series: str) -> float:
        line = next((ln for ln in text.splitlines() if ln.startswith(series + " ")), None)
        return 0.0 if line is None else float(line.split()[-1])

    before = await (await alice.get("/metrics")).text()
    mia = await buyers("Mia")
    checkout = (await (await buy(mia, shop)).json())["checkout"]
    await assert_error(await buy(mia, shop, quantity=10), 409, "out_of_stock")
    payment = (await (await place_order(mia, checkout["id"])).json())["payment"]
    await pay(mia, payment["payment_id"])
    after = await (await alice.get("/metrics")).text()
    for series, grew in [
        ('livesale_shop_hold_attempts_total{outcome="held"}', 1),
        ('livesale_shop_hold_attempts_total{outcome="out_of_stock"}', 1),
        ('livesale_shop_orders_total{status="pending_payment"}', 1),
        ('livesale_shop_orders_total{status="paid"}', 1),
        ('livesale_shop_payment_events_total{kind="succeeded",result="applied"}', 1),
    ]:
        assert value(after, series) - value(before, series) == grew, series
