"""A show's orders as parcels: one per buyer and address, shipped in one action."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import paid_order, placed_order, seller_order
from tests.support.world import ADDRESS, TwoItemShop, open_two_item_shop

OTHER_ADDRESS = {
    "line1": "9 Harbour Road",
    "city": "Leith",
    "postal_code": "EH6 6JJ",
    "country": "GB",
}


async def _parcels(client: Client, show_id: str, status: str | None = None) -> Any:
    query = "" if status is None else f"?status={status}"
    return await client.get(f"/api/shows/{show_id}/parcels{query}")


async def _parcel_list(client: Client, show_id: str, status: str | None = None) -> list[Any]:
    response = await _parcels(client, show_id, status)
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    parcels: list[Any] = (await response.json())["parcels"]
    return parcels


async def _ship(client: Client, show_id: str, parcel_id: str, body: Any) -> Any:
    return await client.post(
        f"/api/shows/{show_id}/parcels/{parcel_id}/fulfil", json=body, headers=origin(client)
    )


async def test_orders_group_per_buyer_and_address_and_ship_together(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo, zoe = await buyers("Mia"), await buyers("Leo"), await buyers("Zoe")
    show = two_items.show_id
    first = await paid_order(mia, show, [(two_items.tee, 2)])
    # The same address typed again with other capitals and spaces is the same parcel.
    retyped = {**ADDRESS, "line1": "1  market STREET", "city": "springfield"}
    second = await paid_order(mia, show, [(two_items.mug, 1)], address=retyped)
    elsewhere = await paid_order(mia, show, [(two_items.mug, 1)], address=OTHER_ADDRESS)
    leos = await paid_order(leo, show, [(two_items.tee, 1), (two_items.mug, 1)])
    await placed_order(zoe, show, [(two_items.tee, 1)])  # never paid: nothing to pack

    parcels = await _parcel_list(alice, show)
    assert [[o["id"] for o in p["orders"]] for p in parcels] == [
        [first["id"], second["id"]],
        [elsewhere["id"]],
        [leos["id"]],
    ]
    together = parcels[0]
    assert (together["name"], together["status"], together["units"]) == ("Mia Buyer", "paid", 3)
    # The newest order's address heads the parcel.
    assert together["address"]["line1"] == "1  market STREET"
    assert parcels[1]["address"]["country"] == "GB"
    assert parcels[2]["units"] == 2
    assert len({p["id"] for p in parcels}) == 3

    tracking = {"carrier": "Royal Mail", "tracking_number": "RM123456785GB"}
    shipped = await _ship(alice, show, together["id"], tracking)
    assert shipped.status == 200, await shipped.text()
    parcel = (await shipped.json())["parcel"]
    assert parcel["status"] == "fulfilled"
    for order_id in (first["id"], second["id"]):
        order = await seller_order(alice, order_id)
        assert order["status"] == "fulfilled"
        assert order["shipment"] == {**tracking, "tracking_url": ""}
    assert (await seller_order(alice, elsewhere["id"]))["status"] == "paid"

    # To ship (the default) now leaves it out; shipped has it; all has every parcel.
    assert [p["id"] for p in await _parcel_list(alice, show)] == [
        parcels[1]["id"],
        parcels[2]["id"],
    ]
    assert [p["id"] for p in await _parcel_list(alice, show, "fulfilled")] == [together["id"]]
    assert [p["id"] for p in await _parcel_list(alice, show, "all")] == [p["id"] for p in parcels]

    again = await _ship(alice, show, together["id"], tracking)
    await assert_error(again, 409, "order_state")


async def test_a_parcel_with_a_shipped_order_ships_the_rest(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    show = two_items.show_id
    early = await paid_order(mia, show, [(two_items.tee, 1)])
    late = await paid_order(mia, show, [(two_items.mug, 1)])
    sent = await alice.post(f"/api/orders/{early['id']}/fulfil", headers=origin(alice))
    assert sent.status == 200
    [parcel] = await _parcel_list(alice, show, "all")
    assert parcel["status"] == "paid"  # one order still to send
    shipped = await _ship(alice, show, parcel["id"], {"tracking_url": "https://t.example/1"})
    assert shipped.status == 200, await shipped.text()
    # The order sent before keeps its own (empty) shipment; the other gets the tracking.
    assert (await seller_order(alice, early["id"]))["shipment"] is None
    later = await seller_order(alice, late["id"])
    assert later["shipment"]["tracking_url"] == "https://t.example/1"


async def test_parcels_refuse_bad_input_and_strangers(
    alice: Client, bob: Client, anonymous: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    show = two_items.show_id
    order = await paid_order(mia, show, [(two_items.tee, 1)])
    [parcel] = await _parcel_list(alice, show)

    details = await assert_error(await _parcels(alice, show, "canceled"), 400, "validation_failed")
    assert details["field"] == "status"
    await assert_error(await _parcels(bob, show), 403, "not_owner")
    await assert_error(await _parcels(anonymous, show), 401, "not_signed_in")
    await assert_error(await _parcels(alice, "no-such-show"), 404, "show_not_found")

    await assert_error(await _ship(bob, show, parcel["id"], {}), 403, "not_owner")
    await assert_error(await _ship(mia, show, parcel["id"], {}), 401, "not_signed_in")
    await assert_error(await _ship(alice, show, "pcl_0000", {}), 404, "parcel_not_found")
    bad = await _ship(alice, show, parcel["id"], {"tracking_url": "javascript:alert(1)"})
    assert (await assert_error(bad, 400, "validation_failed"))["field"] == "tracking_url"
    # Bob's own show does not reach Alice's parcel either.
    bobs = await open_two_item_shop(bob)
    await assert_error(await _ship(bob, bobs.show_id, parcel["id"], {}), 404, "parcel_not_found")
    assert (await seller_order(alice, order["id"]))["status"] == "paid"
