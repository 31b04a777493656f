"""Coupons through the API: the creator's codes, each refusal, the discount paid and refunded."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import pay, placed_order
from tests.support.world import BUYER, LiveShop, create_show

SPRING = {"code": "Spring10", "kind": "percent", "value": 10, "currency": "EUR"}


async def _add(client: Client, **fields: Any) -> Any:
    return await client.post("/api/coupons", json={**SPRING, **fields}, headers=origin(client))


async def _coupon(client: Client, **fields: Any) -> dict[str, Any]:
    response = await _add(client, **fields)
    assert response.status == 201, await response.text()
    coupon: dict[str, Any] = (await response.json())["coupon"]
    return coupon


async def _checkout(buyer: Client, shop: LiveShop, quantity: int = 1) -> str:
    response = await buyer.post(
        f"/api/shows/{shop.show_id}/buy",
        json={"variant_id": shop.variant_id, "quantity": quantity, "request_id": uuid.uuid4().hex},
        headers=origin(buyer),
    )
    assert response.status == 201, await response.text()
    checkout_id: str = (await response.json())["checkout"]["id"]
    return checkout_id


async def _order(buyer: Client, checkout_id: str, coupon: str) -> Any:
    return await buyer.post(
        f"/api/checkouts/{checkout_id}/order",
        json={**BUYER, "coupon": coupon},
        headers=origin(buyer),
    )


async def _paid_with(buyer: Client, shop: LiveShop, coupon: str, quantity: int = 1) -> Any:
    placed = await _order(buyer, await _checkout(buyer, shop, quantity), coupon)
    assert placed.status == 201, await placed.text()
    body = await placed.json()
    paid = await pay(buyer, body["payment"]["payment_id"])
    assert paid.status == 200, await paid.text()
    return (await paid.json())["order"]


async def _stats(client: Client) -> dict[str, Any]:
    response = await client.get("/api/coupons")
    assert response.status == 200, await response.text()
    coupons: list[dict[str, Any]] = (await response.json())["coupons"]
    return {coupon["code"]: coupon for coupon in coupons}


async def test_only_the_shops_creator_manages_its_coupons(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    coupon = await _coupon(alice)
    assert (coupon["code"], coupon["enabled"], coupon["uses_taken"]) == ("SPRING10", True, 0)
    # Codes are unique per shop without letter case; another shop may have the same code.
    await assert_error(await _add(alice, code="spring10"), 409, "coupon_code_taken")
    assert (await _add(bob, code="spring10")).status == 201
    changed = await bob.put(
        f"/api/coupons/{coupon['id']}", json={**SPRING, "enabled": False}, headers=origin(bob)
    )
    await assert_error(changed, 404, "coupon_not_found")
    assert list(await _stats(bob)) == ["SPRING10"]
    assert (await _stats(alice))["SPRING10"]["enabled"] is True
    mia = await buyers("Mia")
    await assert_error(await _add(mia), 401, "not_signed_in")
    await assert_error(await mia.get("/api/coupons"), 401, "not_signed_in")


async def test_bad_coupons_are_refused_by_field(alice: Client) -> None:
    for fields, field in (
        ({"value": 101}, "value"),
        ({"code": "a b"}, "code"),
        ({"kind": "bogus"}, "kind"),
        ({"kind": "fixed", "value": 500, "max_discount_minor": 100}, "max_discount_minor"),
        ({"starts_at": 200, "ends_at": 100}, "ends_at"),
        ({"max_uses": 0}, "max_uses"),
    ):
        details = await assert_error(await _add(alice, **fields), 400, "validation_failed")
        assert details["field"] == field
    assert await _stats(alice) == {}


async def test_a_coupon_at_checkout_discounts_the_order_and_its_refund(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await _coupon(alice, value=20, max_discount_minor=800)
    mia = await buyers("Mia")
    order = await _paid_with(mia, shop, " spring10 ", quantity=2)
    # 20 % of 50.00 is 10.00, capped at 8.00.
    assert (order["subtotal_minor"], order["discount_minor"], order["total_minor"]) == (
        5000,
        800,
        4200,
    )
    assert (order["coupon_code"], order["lines"][0]["discount_minor"]) == ("SPRING10", 800)
    row = await alice.app[SERVICES].storage.database.fetchone(
        "SELECT amount_minor FROM dummy_payments WHERE id = ?", (order["payment_id"],)
    )
    assert row is not None
    assert int(row["amount_minor"]) == 4200
    stats = (await _stats(alice))["SPRING10"]
    assert (stats["paid_uses"], stats["discount_minor"], stats["revenue_minor"]) == (1, 800, 4200)
    assert stats["uses_taken"] == 1

    refunded = await alice.post(
        f"/api/orders/{order['id']}/refund", json={"lines": [0]}, headers=origin(alice)
    )
    after = (await refunded.json())["order"]
    # The line gives back what was paid for it, not its list price.
    assert (after["lines"][0]["refunded_minor"], after["refunded_minor"]) == (4200, 4200)


async def test_each_refusal_has_its_code_and_creates_no_order(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    other = (await create_show(alice, product_ids=[shop.product["id"]]))["show"]["id"]
    now = time.time()
    await _coupon(alice, code="LATER", starts_at=now + 3600)
    await _coupon(alice, code="OVER", ends_at=now - 1, starts_at=now - 7200)
    await _coupon(alice, code="ELSEWHERE", show_id=other)
    await _coupon(alice, code="BIGSPEND", min_spend_minor=10_000)
    await _coupon(alice, code="OFF", enabled=False)
    await _coupon(alice, code="ONCE", kind="fixed", value=300, max_uses=1)
    await _coupon(alice, code="WELCOME", first_order_only=True)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    checkout = await _checkout(mia, shop)
    for code, status, error in (
        ("NOSUCH", 404, "coupon_not_found"),
        ("OFF", 404, "coupon_not_found"),
        ("LATER", 409, "coupon_expired"),
        ("OVER", 409, "coupon_expired"),
        ("ELSEWHERE", 409, "coupon_wrong_show"),
        ("BIGSPEND", 409, "coupon_minimum_not_met"),
        ("not a code!", 400, "validation_failed"),
    ):
        await assert_error(await _order(mia, checkout, code), status, error)
    assert (await (await mia.get(f"/api/checkouts/{checkout}")).json())["checkout"][
        "order_id"
    ] is None

    await _paid_with(mia, shop, "ONCE")
    await assert_error(await _order(leo, await _checkout(leo, shop), "ONCE"), 409, "coupon_used_up")
    await _coupon(alice, code="TWICE", kind="fixed", value=300, max_uses=5)
    await _paid_with(mia, shop, "TWICE")
    refused = await _order(mia, await _checkout(mia, shop), "twice")
    await assert_error(refused, 409, "coupon_already_used")
    # Mia has paid an order at this shop now; Leo has not.
    await assert_error(await _order(mia, checkout, "WELCOME"), 409, "coupon_not_first_order")
    assert (await _order(leo, await _checkout(leo, shop), "WELCOME")).status == 201
    assert (await _stats(alice))["ONCE"]["uses_taken"] == 1


async def test_an_unpaid_order_given_up_frees_its_use(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await _coupon(alice, code="ONCE", max_uses=1)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    placed = await _order(mia, await _checkout(mia, shop), "ONCE")
    order = (await placed.json())["order"]
    await assert_error(await _order(leo, await _checkout(leo, shop), "ONCE"), 409, "coupon_used_up")
    # The payment window ends: the reconciliation gives the order up, as it would.
    shop_services = alice.app[SERVICES].shop
    stored = await alice.app[SERVICES].storage.orders.get(order["id"])
    assert stored is not None
    await shop_services.settlement.give_up(stored)
    assert (await _stats(alice))["ONCE"]["uses_taken"] == 0
    again = await _order(leo, await _checkout(leo, shop), "ONCE")
    assert again.status == 201, await again.text()
    assert (await _stats(alice))["ONCE"]["uses_taken"] == 1
    # Mia's use was freed with her order: only the total cap refuses her now.
    refused = await _order(mia, await _checkout(mia, shop), "ONCE")
    await assert_error(refused, 409, "coupon_used_up")


async def test_a_retried_order_keeps_its_coupon(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await _coupon(alice, code="ONCE", max_uses=1)
    mia = await buyers("Mia")
    checkout = await _checkout(mia, shop)
    first = await _order(mia, checkout, "ONCE")
    again = await _order(mia, checkout, "ONCE")
    assert (first.status, again.status) == (201, 200)
    ids = {(await first.json())["order"]["id"], (await again.json())["order"]["id"]}
    assert len(ids) == 1
    assert (await again.json())["order"]["discount_minor"] == 250
    placed = await placed_order(mia, shop.show_id, [(shop.variant_id, 1)])
    assert placed["order"]["discount_minor"] == 0


async def test_a_double_submit_with_a_coupon_gets_one_order(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    await _coupon(alice, code="ONCE", max_uses=1)
    mia = await buyers("Mia")
    checkout = await _checkout(mia, shop)
    answers = await asyncio.gather(*(_order(mia, checkout, "once") for _ in range(4)))
    assert sorted(answer.status for answer in answers) == [200, 200, 200, 201]
    orders = {(await answer.json())["order"]["id"] for answer in answers}
    assert len(orders) == 1
    assert (await _stats(alice))["ONCE"]["uses_taken"] == 1
