"""Buying from the replay: the regular price, or the live flash price where the show allows it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.domain.analytics import NO_PIN
from livesale.domain.pins import TimelineKind
from livesale.storage.activity import ActivityRepository
from livesale.storage.orders import OrderRepository
from livesale.storage.timeline import TimelineRepository
from tests.support.clients import Client, assert_error, origin
from tests.support.replay import (
    PIN_AT_MS,
    PRICE_MINOR,
    SALE_PRICE_MINOR,
    UNPIN_AT_MS,
    ReplayShow,
    flash_sale,
    replay_show,
    stock_levels,
)
from tests.support.shopping import pay, place_order
from tests.support.world import create_product

Buyers = Callable[..., Awaitable[Client]]


async def buy_from_replay(
    client: Client, replay: ReplayShow, offset_ms: object, quantity: int = 1, **fields: Any
) -> Any:
    """POST Buy now as the replay page does: the pin on screen and the show offset."""
    body = {
        "variant_id": replay.variant_id,
        "quantity": quantity,
        "request_id": uuid.uuid4().hex,
        "pin_id": replay.pin_id,
        "replay_offset_ms": offset_ms,
        **fields,
    }
    return await client.post(f"/api/shows/{replay.show_id}/buy", json=body, headers=origin(client))


async def _line(response: Any) -> dict[str, Any]:
    assert response.status == 201, await response.text()
    line: dict[str, Any] = (await response.json())["checkout"]["lines"][0]
    return line


async def test_a_replay_purchase_pays_the_regular_price_by_default(
    alice: Client, buyers: Buyers
) -> None:
    replay = await replay_show(alice, sale=flash_sale())
    mia = await buyers("Mia")

    response = await buy_from_replay(mia, replay, PIN_AT_MS + 500)

    checkout = (await response.json())["checkout"]
    [line] = checkout["lines"]
    assert (line["unit_price_minor"], line["flash_sale"], line["sale_id"]) == (
        PRICE_MINOR,
        False,
        None,
    )
    assert await stock_levels(alice, replay) == (9, 1, 0)

    # Checkout, order and payment as usual; the order line remembers the pin.
    placed = await place_order(mia, checkout["id"])
    assert placed.status == 201, await placed.text()
    body = await placed.json()
    paid = await pay(mia, body["payment"]["payment_id"])
    assert (await paid.json())["order"]["status"] == "paid"
    assert await stock_levels(alice, replay) == (9, 0, 1)
    order = await OrderRepository(alice.app[SERVICES].storage.database).get(body["order"]["id"])
    assert order is not None
    assert order.lines[0].pin_id == replay.pin_id

    # The tap and the hold count for the replay, under the pin, not for the live.
    await alice.app[SERVICES].storage.activity.flush()
    settings = alice.app[SERVICES].settings.analytics
    counts = await ActivityRepository(alice.app[SERVICES].storage.database, settings).counts(
        replay.show_id
    )
    counted = {(c.kind, c.pin_id): c.count for c in counts}
    assert counted == {("replay_buy_tap", replay.pin_id): 1, ("replay_hold", replay.pin_id): 1}
    report = await (await alice.get(f"/api/shows/{replay.show_id}/analytics")).json()
    assert report["pins"][0]["replay"]["orders"] == 1
    assert report["pins"][0]["buy_taps"] == 0


async def test_the_flash_price_applies_in_the_replay_only_where_the_live_sale_ran(
    alice: Client, buyers: Buyers
) -> None:
    replay = await replay_show(alice, sale=flash_sale(quantity=3), replay_flash_sales=True)
    mia = await buyers("Mia")

    on_sale = await _line(await buy_from_replay(mia, replay, PIN_AT_MS))
    assert on_sale["unit_price_minor"] == SALE_PRICE_MINOR
    assert on_sale["sale_id"] == f"pin{replay.pin_id}"
    # The same sale as the live: its units are counted together.
    stock = alice.app[SERVICES].shop.stock.seller(replay.product["creator_id"])
    sale = await stock.sale_levels(on_sale["sale_id"])
    assert (sale.held, sale.sold) == (1, 0)

    # Before the pin, and after it left the screen (the sale's 60 s had not run out):
    # the regular price.
    for offset in (PIN_AT_MS - 1, UNPIN_AT_MS, UNPIN_AT_MS + 10_000):
        line = await _line(await buy_from_replay(mia, replay, offset))
        assert (line["unit_price_minor"], line["sale_id"]) == (PRICE_MINOR, None), offset
    assert await stock_levels(alice, replay) == (6, 4, 0)


async def test_the_live_sale_s_caps_hold_in_the_replay(alice: Client, buyers: Buyers) -> None:
    replay = await replay_show(
        alice, sale=flash_sale(quantity=2, per_buyer_limit=1), replay_flash_sales=True
    )
    mia, bo, cy = await buyers("Mia"), await buyers("Bo"), await buyers("Cy")
    assert (await _line(await buy_from_replay(mia, replay, 3_000)))["sale_id"]
    await assert_error(await buy_from_replay(mia, replay, 3_000), 409, "per_buyer_limit")
    assert (await _line(await buy_from_replay(bo, replay, 3_500)))["sale_id"]
    await assert_error(await buy_from_replay(cy, replay, 4_000), 409, "sold_out")
    assert await stock_levels(alice, replay) == (8, 2, 0)


async def test_a_sale_shorter_than_the_pin_ends_at_its_countdown(
    alice: Client, buyers: Buyers
) -> None:
    replay = await replay_show(alice, sale=flash_sale(seconds=1), replay_flash_sales=True)
    mia = await buyers("Mia")
    inside = await _line(await buy_from_replay(mia, replay, PIN_AT_MS + 999))
    after = await _line(await buy_from_replay(mia, replay, PIN_AT_MS + 1_000))
    assert (inside["unit_price_minor"], after["unit_price_minor"]) == (
        SALE_PRICE_MINOR,
        PRICE_MINOR,
    )


async def test_a_product_from_the_bag_is_bought_from_the_replay_without_a_pin(
    alice: Client, buyers: Buyers
) -> None:
    # The flash sale ran at this offset, but a product picked from the bag is no pin's.
    replay = await replay_show(alice, sale=flash_sale(), replay_flash_sales=True)
    mia = await buyers("Mia")

    line = await _line(await buy_from_replay(mia, replay, PIN_AT_MS + 500, pin_id=None))

    assert (line["unit_price_minor"], line["sale_id"]) == (PRICE_MINOR, None)
    assert await stock_levels(alice, replay) == (9, 1, 0)
    await alice.app[SERVICES].storage.activity.flush()
    settings = alice.app[SERVICES].settings.analytics
    counts = await ActivityRepository(alice.app[SERVICES].storage.database, settings).counts(
        replay.show_id
    )
    assert {(c.kind, c.pin_id): c.count for c in counts} == {
        ("replay_buy_tap", NO_PIN): 1,
        ("replay_hold", NO_PIN): 1,
    }


async def test_the_replay_keeps_the_flash_price_of_a_sale_closed_at_the_unpin(
    alice: Client, buyers: Buyers
) -> None:
    # Closing the live sale (unpin, end) stops live holds, not the replay's window.
    replay = await replay_show(alice, sale=flash_sale(), replay_flash_sales=True)
    stock = alice.app[SERVICES].shop.stock.seller(replay.product["creator_id"])
    await stock.close_sale(f"pin{replay.pin_id}")
    mia = await buyers("Mia")
    line = await _line(await buy_from_replay(mia, replay, PIN_AT_MS + 500))
    assert (line["unit_price_minor"], line["sale_id"]) == (
        SALE_PRICE_MINOR,
        f"pin{replay.pin_id}",
    )


async def test_buy_now_without_a_replay_offset_is_refused_once_the_show_ended(
    alice: Client, buyers: Buyers
) -> None:
    show = await replay_show(alice, end=False)
    mia = await buyers("Mia")
    cart_item = f"/api/shows/{show.show_id}/cart/items/{show.variant_id}"
    put = await mia.put(cart_item, json={"quantity": 1}, headers=origin(mia))
    assert put.status == 200, await put.text()
    await alice.app[SERVICES].live.lifecycle.end(show.show_id)

    body = {"variant_id": show.variant_id, "request_id": uuid.uuid4().hex}
    response = await mia.post(f"/api/shows/{show.show_id}/buy", json=body, headers=origin(mia))
    details = await assert_error(response, 409, "show_ended")
    assert details == {}
    checkout = await mia.post(
        f"/api/shows/{show.show_id}/cart/checkout",
        json={"request_id": uuid.uuid4().hex},
        headers=origin(mia),
    )
    await assert_error(checkout, 409, "show_ended")
    more = await mia.put(cart_item, json={"quantity": 2}, headers=origin(mia))
    await assert_error(more, 409, "show_ended")

    # Nothing held, nothing counted, the cart as it was.
    assert await stock_levels(alice, show) == (10, 0, 0)
    cart = (await (await mia.get(f"/api/shows/{show.show_id}/cart")).json())["cart"]
    assert [line["quantity"] for line in cart["lines"]] == [1]
    await alice.app[SERVICES].storage.activity.flush()
    settings = alice.app[SERVICES].settings.analytics
    counts = await ActivityRepository(alice.app[SERVICES].storage.database, settings).counts(
        show.show_id
    )
    assert sorted(c.kind for c in counts) == ["cart_add"]


async def test_buying_from_the_replay_needs_an_ended_show(alice: Client, buyers: Buyers) -> None:
    live = await replay_show(alice, end=False)
    mia = await buyers("Mia")
    details = await assert_error(await buy_from_replay(mia, live, 3_000), 409, "show_not_ended")
    assert details == {"status": "live"}
    assert await stock_levels(alice, live) == (10, 0, 0)


@pytest.mark.parametrize("offset", [-1, "3000", 3000.5, True, [3000]])
async def test_a_bad_replay_offset_is_refused_and_holds_nothing(
    alice: Client, buyers: Buyers, offset: object
) -> None:
    replay = await replay_show(alice)
    mia = await buyers("Mia")
    details = await assert_error(
        await buy_from_replay(mia, replay, offset), 400, "validation_failed"
    )
    assert details["field"] == "replay_offset_ms"
    assert await stock_levels(alice, replay) == (10, 0, 0)


async def test_the_pin_must_be_one_of_this_product_in_this_show(
    alice: Client, buyers: Buyers
) -> None:
    replay = await replay_show(alice)
    other = await replay_show(alice)
    mia = await buyers("Mia")
    timeline = await TimelineRepository(alice.app[SERVICES].storage.database).events(replay.show_id)
    unpin = next(e for e in timeline if e.kind is TimelineKind.UNPIN)
    scarf = await create_product(alice, sku="SCARF-1")
    scarf_pin = await TimelineRepository(alice.app[SERVICES].storage.database).append(
        replay.show_id, TimelineKind.PIN, 6_000, scarf["id"]
    )

    async def refused(**fields: Any) -> dict[str, Any]:
        response = await buy_from_replay(mia, replay, 3_000, **fields)
        return await assert_error(response, 400, "validation_failed")

    for wrong in (unpin.id, other.pin_id, scarf_pin.id, 999_999):
        details = await refused(pin_id=wrong)
        assert details == {
            "field": "pin_id",
            "reason": "not_found",
            "pin_id": wrong,
            "product_id": replay.product["id"],
        }, wrong
    details = await refused(pin_id="1")
    assert details["field"] == "pin_id"
    assert await stock_levels(alice, replay) == (10, 0, 0)
