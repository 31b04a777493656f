"""An order whose first line sold out before its payment: every line's stock comes back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livesale.composition.services import SERVICES
from livesale.domain.checkout import hold_id_for
from tests.support.clients import Client, origin
from tests.support.shopping import buy, levels, pay, place_order
from tests.support.world import LiveShop, create_product, create_show

Buyers = Callable[..., Awaitable[Client]]


async def _pending_order(client: Client, shop: LiveShop) -> tuple[str, str]:
    checkout = (await (await buy(client, shop)).json())["checkout"]
    body = await (await place_order(client, checkout["id"])).json()
    return body["order"]["id"], body["payment"]["payment_id"]


async def test_a_line_sold_out_before_payment_gives_every_line_back(
    alice: Client, buyers: Buyers
) -> None:
    # The tee's hold is released by hand and the cap's stays held (holds last
    # 10 minutes here), as when an order's holds end at different times.
    tee = await create_product(alice, sku="TEE-LAST", stock=1)
    cap = await create_product(alice, sku="CAP-MANY", stock=5)
    created = await create_show(alice, product_ids=[tee["id"], cap["id"]])
    show_id = created["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    shop = LiveShop(show_id, tee)
    mia = await buyers("Mia")
    for product, quantity in ((tee, 1), (cap, 2)):
        path = f"/api/shows/{show_id}/cart/items/{product['variants'][0]['id']}"
        assert (await mia.put(path, json={"quantity": quantity}, headers=origin(mia))).status == 200
    response = await mia.post(
        f"/api/shows/{show_id}/cart/checkout", json={"request_id": "two-lines"}, headers=origin(mia)
    )
    checkout = (await response.json())["checkout"]
    body = await (await place_order(mia, checkout["id"])).json()
    store = alice.app[SERVICES].shop.stock.seller(shop.creator_id)
    tee_line = next(i for i, ln in enumerate(checkout["lines"]) if ln["product_id"] == tee["id"])
    await store.release(hold_id_for(checkout["id"], tee_line))
    eve = await buyers("Eve")
    _, eve_payment = await _pending_order(eve, shop)
    assert (await (await pay(eve, eve_payment)).json())["order"]["status"] == "paid"

    order = (await (await pay(mia, body["payment"]["payment_id"])).json())["order"]
    assert (order["status"], order["status_reason"]) == ("refunded", "sold_out_before_payment")
    assert await levels(alice, cap["variants"][0]["id"]) == (5, 0, 0)
    assert await levels(alice, tee["variants"][0]["id"]) == (0, 0, 1)
