"""Mark shipped with carrier and tracking: seller only, web addresses only, buyer sees it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import paid_order, seller_order
from tests.support.world import TwoItemShop

SHIPMENT = {
    "carrier": "DHL Express",
    "tracking_number": "JD014600006281230000",
    "tracking_url": "https://www.dhl.com/track?id=JD014600006281230000",
}


async def _fulfil(client: Client, order_id: str, body: Any = None) -> Any:
    if body is None:
        return await client.post(f"/api/orders/{order_id}/fulfil", headers=origin(client))
    return await client.post(f"/api/orders/{order_id}/fulfil", json=body, headers=origin(client))


async def test_shipped_with_tracking_and_the_buyer_sees_it(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    assert order["shipment"] is None

    shipped = await _fulfil(alice, order["id"], SHIPMENT)
    assert shipped.status == 200, await shipped.text()
    body = await shipped.json()
    assert body["order"]["status"] == "fulfilled"
    assert body["order"]["shipment"] == SHIPMENT
    assert body["order"]["fulfilled_at"] is not None
    # The seller's view carries the status history.
    assert [h["to_status"] for h in body["history"]] == ["pending_payment", "paid", "fulfilled"]

    # The buyer's own page gets the tracking (and no history, no secrets of others).
    mine = await (await mia.get(f"/api/orders/{order['id']}")).json()
    assert mine["order"]["shipment"] == SHIPMENT
    assert "history" not in mine
    listed = await (await alice.get(f"/api/orders?show_id={two_items.show_id}")).json()
    assert listed["orders"][0]["shipment"] == SHIPMENT

    # Once sent, it cannot be sent again (nor its tracking overwritten this way).
    again = await _fulfil(alice, order["id"], {"carrier": "UPS"})
    details = await assert_error(again, 409, "order_state")
    assert details == {"status": "fulfilled", "wanted": "fulfilled"}
    assert (await seller_order(alice, order["id"]))["shipment"] == SHIPMENT


async def test_marking_shipped_without_details_still_works(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    # No body at all (as before shipping details existed), an empty object, blank fields.
    for body in (None, {}, {"carrier": " ", "tracking_number": "", "tracking_url": ""}):
        order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
        shipped = await _fulfil(alice, order["id"], body)
        assert shipped.status == 200, await shipped.text()
        assert (await shipped.json())["order"]["status"] == "fulfilled"
        assert (await seller_order(alice, order["id"]))["shipment"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tracking_url": "javascript:alert(document.cookie)"}, "tracking_url"),
        ({"tracking_url": "JavaScript://track.example/%0aalert(1)"}, "tracking_url"),
        ({"tracking_url": "data:text/html,<script>alert(1)</script>"}, "tracking_url"),
        ({"tracking_url": "ftp://track.example/1"}, "tracking_url"),
        ({"tracking_url": "//track.example/1"}, "tracking_url"),
        ({"tracking_url": "https://"}, "tracking_url"),
        ({"tracking_url": "https://track.example/a b"}, "tracking_url"),
        ({"tracking_url": "https://dhl.com@evil.example/track"}, "tracking_url"),
        ({"tracking_url": "https://[::1/"}, "tracking_url"),
        ({"tracking_url": "https://track.example/" + "x" * 500}, "tracking_url"),
        ({"carrier": "x" * 101}, "carrier"),
        ({"carrier": 7}, "carrier"),
        ({"tracking_number": "1Z\u0000999"}, "tracking_number"),
        ({"tracking_number": "1Z\u202e999"}, "tracking_number"),
        ({"courier": "DHL"}, "courier"),
    ],
)
async def test_bad_shipments_are_refused_and_change_nothing(
    alice: Client, two_items: TwoItemShop, buyers: Buyers, body: dict[str, Any], field: str
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    details = await assert_error(await _fulfil(alice, order["id"], body), 400, "validation_failed")
    assert details["field"] == field
    after = await seller_order(alice, order["id"])
    assert (after["status"], after["shipment"]) == ("paid", None)


async def test_a_body_that_is_not_json_is_refused(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    response = await alice.post(
        f"/api/orders/{order['id']}/fulfil", data="carrier=DHL", headers=origin(alice)
    )
    await assert_error(response, 415, "unsupported_media_type")
    assert (await seller_order(alice, order["id"]))["status"] == "paid"


async def test_only_the_seller_marks_shipped(
    alice: Client, bob: Client, anonymous: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    await assert_error(await _fulfil(bob, order["id"], SHIPMENT), 404, "order_not_found")
    await assert_error(await _fulfil(anonymous, order["id"], SHIPMENT), 401, "not_signed_in")
    await assert_error(await _fulfil(mia, order["id"], SHIPMENT), 401, "not_signed_in")
    # A write from another site never reaches the handler.
    cross = await alice.post(
        f"/api/orders/{order['id']}/fulfil",
        json=SHIPMENT,
        headers={"Origin": "https://evil.example"},
    )
    await assert_error(cross, 403, "cross_site_refused")
    after = await seller_order(alice, order["id"])
    assert (after["status"], after["shipment"]) == ("paid", None)
