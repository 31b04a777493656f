"""A buyer is notified once when the seller ships their order (on both engines)."""

from __future__ import annotations

from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client, origin
from tests.support.polling import poll
from tests.support.shopping import paid_order
from tests.support.world import TwoItemShop

DEADLINE = 10.0


async def _items(client: Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await (await client.get("/api/notifications")).json())["items"]
    return items


async def test_shipping_an_order_notifies_its_buyer_once(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    show = two_items.show_id
    order = await paid_order(mia, show, [(two_items.tee, 1)])
    await paid_order(leo, show, [(two_items.mug, 1)])  # Leo's waits: nothing for him
    parcels = (await (await alice.get(f"/api/shows/{show}/parcels")).json())["parcels"]
    mias = next(p for p in parcels if order["id"] in [o["id"] for o in p["orders"]])
    shipped = await alice.post(
        f"/api/shows/{show}/parcels/{mias['id']}/fulfil",
        json={"carrier": "Royal Mail", "tracking_number": "RM123456785GB"},
        headers=origin(alice),
    )
    assert shipped.status == 200, await shipped.text()
    items = await poll(lambda: _items(mia), DEADLINE, "Mia's notification")
    assert [(i["kind"], i["params"]) for i in items] == [
        ("shipped", {"order_id": order["id"], "creator": "Alice"})
    ]
    # Later sweeps do not announce it again; Leo's unshipped order says nothing.
    await alice.app[SERVICES].discovery.notifier.sweep()
    assert len(await _items(mia)) == 1
    assert await _items(leo) == []
