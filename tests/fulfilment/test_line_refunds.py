"""Refunds of single lines with the dummy gateway: the money, the stock, the figures."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.storage.orders import OrderRepository
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import levels, paid_order, placed_order, position, seller_order
from tests.support.world import MUG_PRICE, TEE_PRICE, TwoItemShop


async def _refund(client: Client, order_id: str, body: Any = None) -> Any:
    if body is None:
        return await client.post(f"/api/orders/{order_id}/refund", headers=origin(client))
    return await client.post(f"/api/orders/{order_id}/refund", json=body, headers=origin(client))


async def _dummy_payment(client: Client, payment_id: str) -> tuple[str, int]:
    """The dummy payment's status and how much of it was given back, as stored."""
    row = await client.app[SERVICES].storage.database.fetchone(
        "SELECT status, amount_refunded_minor FROM dummy_payments WHERE id = ?", (payment_id,)
    )
    assert row is not None
    return str(row["status"]), int(row["amount_refunded_minor"])


async def _sold_units(client: Client, variant_id: str) -> int:
    """What a Redis that lost its counters would be rebuilt with as sold."""
    return await OrderRepository(client.app[SERVICES].storage.database).sold_units(variant_id)


async def _sales(client: Client, show_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/shows/{show_id}/analytics")
    assert response.status == 200, await response.text()
    orders: dict[str, Any] = (await response.json())["orders"]
    return orders


async def test_one_line_then_the_last_line(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 2), (two_items.mug, 1)])
    total = 2 * TEE_PRICE + MUG_PRICE
    assert order["total_minor"] == total
    assert sorted(line["position"] for line in order["lines"]) == [0, 1]
    tee, mug = position(order, two_items.tee), position(order, two_items.mug)
    assert await levels(alice, two_items.mug) == (4, 0, 1)

    refunded = await _refund(alice, order["id"], {"lines": [mug]})
    assert refunded.status == 200, await refunded.text()
    after = (await refunded.json())["order"]
    assert after["status"] == "paid"  # the Tee is still bought
    assert (after["lines"][tee]["refunded"], after["lines"][mug]["refunded"]) == (False, True)
    assert after["lines"][mug]["refunded_minor"] == MUG_PRICE
    assert after["lines"][mug]["refunded_at"] is not None
    assert after["refunded_minor"] == MUG_PRICE
    # The gateway gave back exactly the Mug; the Mug is on sale again, the Tees stay sold.
    assert await _dummy_payment(alice, after["payment_id"]) == ("succeeded", MUG_PRICE)
    assert await levels(alice, two_items.mug) == (5, 0, 0)
    assert await levels(alice, two_items.tee) == (8, 0, 2)
    # Analytics: revenue is every payment taken, refunds count the Mug, net keeps the Tees.
    sales = await _sales(alice, two_items.show_id)
    assert sales["revenue"] == [{"currency": "EUR", "amount_minor": total}]
    assert sales["refunded_amount"] == [{"currency": "EUR", "amount_minor": MUG_PRICE}]
    assert sales["net"] == [{"currency": "EUR", "amount_minor": 2 * TEE_PRICE}]
    assert sales["sold"] == 1
    # The buyer sees it too.
    mine = await seller_order(mia, order["id"])
    assert (mine["lines"][mug]["refunded"], mine["refunded_minor"]) == (True, MUG_PRICE)

    twice = await _refund(alice, order["id"], {"lines": [mug]})
    details = await assert_error(twice, 409, "order_state")
    assert details["line"] == mug
    assert await _dummy_payment(alice, after["payment_id"]) == ("succeeded", MUG_PRICE)

    last = await _refund(alice, order["id"], {"lines": [tee]})
    final = (await last.json())["order"]
    assert (final["status"], final["status_reason"]) == ("refunded", "refunded_by_seller")
    assert final["refunded_minor"] == total
    assert await _dummy_payment(alice, after["payment_id"]) == ("refunded", total)
    assert await levels(alice, two_items.tee) == (10, 0, 0)
    sales = await _sales(alice, two_items.show_id)
    assert (sales["sold"], sales["revenue"]) == (0, [{"currency": "EUR", "amount_minor": total}])
    assert sales["refunded_amount"] == [{"currency": "EUR", "amount_minor": total}]
    assert sales["net"] == [{"currency": "EUR", "amount_minor": 0}]
    history = (await (await alice.get(f"/api/orders/{order['id']}")).json())["history"]
    assert [h["to_status"] for h in history] == ["pending_payment", "paid", "refunded"]


async def test_a_shipped_line_refunded_stays_sold(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1), (two_items.mug, 2)])
    await alice.post(f"/api/orders/{order['id']}/fulfil", headers=origin(alice))
    refunded = await _refund(alice, order["id"], {"lines": [position(order, two_items.mug)]})
    after = (await refunded.json())["order"]
    assert (after["status"], after["refunded_minor"]) == ("fulfilled", 2 * MUG_PRICE)
    # Sent to the buyer: the units are gone, nothing goes back on sale.
    assert await levels(alice, two_items.mug) == (3, 0, 2)
    # If Redis lost its counters, they would be rebuilt with those units still sold.
    sold = await _sold_units(alice, two_items.mug)
    assert sold == 2


async def test_units_refunded_before_shipping_are_not_counted_sold_again(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1), (two_items.mug, 2)])
    await _refund(alice, order["id"], {"lines": [position(order, two_items.mug)]})
    assert await _sold_units(alice, two_items.mug) == 0
    assert await _sold_units(alice, two_items.tee) == 1


async def test_the_whole_order_after_a_line_refunds_the_rest(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1), (two_items.mug, 1)])
    await _refund(alice, order["id"], {"lines": [position(order, two_items.tee)]})
    whole = await _refund(alice, order["id"])
    final = (await whole.json())["order"]
    assert (final["status"], final["refunded_minor"]) == ("refunded", TEE_PRICE + MUG_PRICE)
    assert await _dummy_payment(alice, final["payment_id"]) == (
        "refunded",
        TEE_PRICE + MUG_PRICE,
    )
    assert await levels(alice, two_items.tee) == (10, 0, 0)
    assert await levels(alice, two_items.mug) == (5, 0, 0)


async def test_money_given_back_is_counted_once(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    series = 'livesale_shop_refunded_minor_units_total{currency="EUR",gateway="dummy"}'

    async def counted() -> float:
        text = await (await alice.get("/metrics")).text()
        line = next((ln for ln in text.splitlines() if ln.startswith(series + " ")), None)
        return 0.0 if line is None else float(line.split()[-1])

    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 2), (two_items.mug, 1)])
    before = await counted()
    await _refund(alice, order["id"], {"lines": [position(order, two_items.mug)]})
    assert await counted() - before == MUG_PRICE
    await _refund(alice, order["id"])  # the rest: the Tees
    assert await counted() - before == 2 * TEE_PRICE + MUG_PRICE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": 0}, "lines"),
        ({"lines": [2]}, "lines[0]"),
        ({"lines": [-1]}, "lines[0]"),
        ({"lines": ["0"]}, "lines[0]"),
        ({"lines": [True]}, "lines[0]"),
        ({"lines": [0.0]}, "lines[0]"),
        ({"lines": [1, 1]}, "lines[1]"),
        ({"line": [0]}, "line"),
    ],
)
async def test_bad_refunds_are_refused_and_change_nothing(
    alice: Client, two_items: TwoItemShop, buyers: Buyers, body: dict[str, Any], field: str
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1), (two_items.mug, 1)])
    details = await assert_error(await _refund(alice, order["id"], body), 400, "validation_failed")
    assert details["field"] == field
    after = await seller_order(alice, order["id"])
    assert (after["status"], after["refunded_minor"]) == ("paid", 0)
    assert not any(line["refunded"] for line in after["lines"])
    assert await _dummy_payment(alice, after["payment_id"]) == ("succeeded", 0)
    assert await levels(alice, two_items.mug) == (4, 0, 1)


async def test_only_paid_orders_of_the_seller_are_refunded(
    alice: Client, bob: Client, anonymous: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    pending = (await placed_order(mia, two_items.show_id, [(two_items.tee, 1)]))["order"]
    await assert_error(await _refund(alice, pending["id"], {"lines": [0]}), 409, "order_state")
    order = await paid_order(mia, two_items.show_id, [(two_items.mug, 1)])
    await assert_error(await _refund(bob, order["id"], {"lines": [0]}), 404, "order_not_found")
    await assert_error(await _refund(anonymous, order["id"], {"lines": [0]}), 401, "not_signed_in")
    await assert_error(await _refund(mia, order["id"], {"lines": [0]}), 401, "not_signed_in")
    assert (await seller_order(alice, order["id"]))["refunded_minor"] == 0
    assert await levels(alice, two_items.mug) == (4, 0, 1)
