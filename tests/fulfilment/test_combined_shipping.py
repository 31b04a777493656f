"""Combined shipping through the API: one charge per buyer per show, its refund, its rules."""

from __future__ import annotations

import csv
import io
from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import paid_order, placed_order, position, seller_order
from tests.support.world import ADDRESS, MUG_PRICE, TEE_PRICE, TwoItemShop

PROFILE = {"currency": "EUR", "flat_minor": 500, "per_item_minor": 100, "countries": ["us", "DE"]}


async def _set_profile(client: Client, body: dict[str, Any]) -> Any:
    return await client.put("/api/shipping-profile", json=body, headers=origin(client))


async def _refund_lines(client: Client, order_id: str, lines: list[int]) -> dict[str, Any]:
    response = await client.post(
        f"/api/orders/{order_id}/refund", json={"lines": lines}, headers=origin(client)
    )
    assert response.status == 200, await response.text()
    order: dict[str, Any] = (await response.json())["order"]
    return order


async def _dummy_refunded(client: Client, payment_id: str) -> int:
    row = await client.app[SERVICES].storage.database.fetchone(
        "SELECT amount_refunded_minor FROM dummy_payments WHERE id = ?", (payment_id,)
    )
    assert row is not None
    return int(row["amount_refunded_minor"])


async def test_the_profile_is_the_creators_own(alice: Client, bob: Client, buyers: Buyers) -> None:
    saved = await _set_profile(alice, PROFILE)
    assert saved.status == 200, await saved.text()
    assert (await saved.json())["shipping_profile"] == {
        "currency": "EUR",
        "flat_minor": 500,
        "per_item_minor": 100,
        "free_above_minor": None,
        "countries": ["DE", "US"],
    }
    # Bob reads and writes his own profile, never Alice's.
    assert (await (await bob.get("/api/shipping-profile")).json()) == {"shipping_profile": None}
    mia = await buyers("Mia")
    await assert_error(await mia.get("/api/shipping-profile"), 401, "not_signed_in")
    await assert_error(await _set_profile(mia, PROFILE), 401, "not_signed_in")
    assert (await (await alice.get("/api/shipping-profile")).json())["shipping_profile"][
        "flat_minor"
    ] == 500


async def test_bad_profiles_change_nothing(alice: Client) -> None:
    await _set_profile(alice, PROFILE)
    for body, field in (
        ({**PROFILE, "flat_minor": -1}, "flat_minor"),
        ({**PROFILE, "countries": ["USA"]}, "countries[0]"),
        ({**PROFILE, "currency": "XXX"}, "currency"),
        ({**PROFILE, "per_item_minor": "1"}, "per_item_minor"),
        ({**PROFILE, "zones": []}, "zones"),
    ):
        details = await assert_error(await _set_profile(alice, body), 400, "validation_failed")
        assert details["field"] == field
    got = (await (await alice.get("/api/shipping-profile")).json())["shipping_profile"]
    assert got["flat_minor"] == 500


async def test_two_orders_of_one_buyer_share_one_shipping_charge(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    await _set_profile(alice, PROFILE)
    mia = await buyers("Mia")
    first = await paid_order(mia, two_items.show_id, [(two_items.tee, 2)])
    assert (first["subtotal_minor"], first["shipping_minor"]) == (2 * TEE_PRICE, 500 + 2 * 100)
    assert first["total_minor"] == 2 * TEE_PRICE + 700
    assert first["shipping_combined_with"] is None
    # The gateway was asked for the goods and the shipping.
    row = await alice.app[SERVICES].storage.database.fetchone(
        "SELECT amount_minor FROM dummy_payments WHERE id = ?", (first["payment_id"],)
    )
    assert row is not None
    assert int(row["amount_minor"]) == 2 * TEE_PRICE + 700

    placed = await placed_order(mia, two_items.show_id, [(two_items.mug, 1)])
    second = placed["order"]
    # Before paying, the buyer sees the second order joins the first one's parcel.
    assert (second["shipping_minor"], second["shipping_combined_with"]) == (100, first["id"])
    assert second["total_minor"] == MUG_PRICE + 100

    # Another buyer of the same show pays their own flat rate.
    leo = await buyers("Leo")
    other = await paid_order(leo, two_items.show_id, [(two_items.mug, 1)])
    assert (other["shipping_minor"], other["shipping_combined_with"]) == (600, None)

    seen = await seller_order(alice, second["id"])
    assert seen["shipping_combined_with"] == first["id"]
    export = await alice.get(f"/api/orders.csv?show_id={two_items.show_id}")
    rows = list(csv.DictReader(io.StringIO((await export.read()).decode("utf-8-sig"))))
    exported = next(row for row in rows if row["order_id"] == second["id"])
    assert (exported["order_shipping"], exported["order_total"]) == ("1.00", "13.00")
    assert exported["shipping_combined_with"] == first["id"]


async def test_an_address_outside_the_countries_is_refused(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    await _set_profile(alice, PROFILE)
    mia = await buyers("Mia")
    response = await mia.post(
        f"/api/shows/{two_items.show_id}/cart/checkout",
        json={"request_id": "r" * 12},
        headers=origin(mia),
    )
    assert response.status in (201, 409)  # an empty cart: only the order form matters here
    await mia.put(
        f"/api/shows/{two_items.show_id}/cart/items/{two_items.tee}",
        json={"quantity": 1},
        headers=origin(mia),
    )
    checkout = await mia.post(
        f"/api/shows/{two_items.show_id}/cart/checkout",
        json={"request_id": "s" * 12},
        headers=origin(mia),
    )
    checkout_id = (await checkout.json())["checkout"]["id"]
    refused = await mia.post(
        f"/api/checkouts/{checkout_id}/order",
        json={
            "email": "mia@example.com",
            "name": "Mia",
            "address": {**ADDRESS, "country": "FR"},
        },
        headers=origin(mia),
    )
    details = await assert_error(refused, 409, "shipping_country_not_served")
    assert (details["country"], details["countries"]) == ("FR", ["DE", "US"])
    assert (await (await mia.get(f"/api/checkouts/{checkout_id}")).json())["checkout"][
        "order_id"
    ] is None


async def test_the_last_line_of_the_parcel_returns_its_shipping(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    await _set_profile(alice, PROFILE)
    mia = await buyers("Mia")
    first = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    second = await paid_order(mia, two_items.show_id, [(two_items.mug, 1)])
    assert (first["shipping_minor"], second["shipping_minor"]) == (600, 100)

    # The first order's only line: the parcel still travels with the Mug, shipping stays.
    after_first = await _refund_lines(alice, first["id"], [0])
    assert after_first["status"] == "refunded"
    assert (after_first["shipping_refunded_minor"], after_first["refunded_minor"]) == (
        0,
        TEE_PRICE,
    )
    assert await _dummy_refunded(alice, first["payment_id"]) == TEE_PRICE

    # The parcel's last line: every shipping charge of the parcel goes back.
    after_second = await _refund_lines(alice, second["id"], [position(second, two_items.mug)])
    assert after_second["shipping_refunded_minor"] == 100
    assert after_second["refunded_minor"] == second["total_minor"]
    assert await _dummy_refunded(alice, second["payment_id"]) == MUG_PRICE + 100
    assert await _dummy_refunded(alice, first["payment_id"]) == TEE_PRICE + 600
    again = await seller_order(alice, first["id"])
    assert (again["shipping_refunded_minor"], again["refunded_minor"]) == (600, TEE_PRICE + 600)
