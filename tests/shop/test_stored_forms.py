"""What the shop stores (the checkout in Redis, the order's address in the database) keeps
its own form: pinned here, unchanged when the API's serialisers change, and a checkout
written before a deploy still reads after it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from livesale import keys
from livesale.domain.checkout import Checkout
from livesale.domain.orders import OrderLine
from livesale.storage.carts import checkout_key
from livesale.storage.checkout_record import checkout_from_record, checkout_record
from livesale.web import order_json, shop_json
from tests.support.clients import Buyers, Client, origin
from tests.support.shopping import buy, place_order
from tests.support.world import LiveShop, flash_pin

CHECKOUT = Checkout(
    id="co_0123456789abcdef01234567",
    viewer_id="vwr_1",
    show_id="shw_1",
    creator_id="crt_1",
    currency="USD",
    lines=(
        OrderLine("var_1", "prd_1", "Tee", "M", "TEE-M", 2, 1500, "pin7", "co_x-0", pin_id=7),
        OrderLine("var_2", "prd_2", "Mug", "", "MUG", 1, 1200, None, "co_x-1"),
    ),
    expires_at=1700000123.25,
    from_cart=True,
)
# The checkout's record exactly as it has been written to Redis so far.
STORED_CHECKOUT = (
    '{"id": "co_0123456789abcdef01234567", "viewer_id": "vwr_1", "show_id": "shw_1",'
    ' "creator_id": "crt_1", "currency": "USD", "lines": [{"variant_id": "var_1",'
    ' "product_id": "prd_1", "title": "Tee", "variant_name": "M", "sku": "TEE-M",'
    ' "quantity": 2, "unit_price_minor": 1500, "line_total_minor": 3000, "flash_sale": true,'
    ' "sale_id": "pin7", "hold_id": "co_x-0", "pin_id": 7}, {"variant_id": "var_2",'
    ' "product_id": "prd_2", "title": "Mug", "variant_name": "", "sku": "MUG", "quantity": 1,'
    ' "unit_price_minor": 1200, "line_total_minor": 1200, "flash_sale": false,'
    ' "sale_id": null, "hold_id": "co_x-1", "pin_id": null}], "expires_at": 1700000123.25,'
    ' "from_cart": true, "order_id": null}'
)
STORED_ADDRESS = (
    '{"line1": "1 Market Street", "line2": "", "city": "Springfield", "region": "",'
    ' "postal_code": "12345", "country": "US"}'
)


def renamed(serialise: Any, old: str, new: str) -> Any:
    """`serialise` with one field of its answer renamed: an API change."""

    def changed(*args: Any) -> dict[str, Any]:
        body: dict[str, Any] = serialise(*args)
        body[new] = body.pop(old)
        return body

    return changed


def test_the_checkout_record_is_pinned_and_reads_back() -> None:
    assert json.dumps(checkout_record(CHECKOUT)) == STORED_CHECKOUT
    assert checkout_from_record(json.loads(STORED_CHECKOUT)) == CHECKOUT
    ordered = replace(CHECKOUT, order_id="ord_1")
    assert checkout_from_record(checkout_record(ordered)) == ordered


async def test_an_api_change_leaves_the_stored_checkout_and_address_as_they_were(
    monkeypatch: pytest.MonkeyPatch, alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    monkeypatch.setattr(shop_json, "line_json", renamed(order_json.line_json, "sku", "code"))
    monkeypatch.setattr(
        order_json, "address_json", renamed(order_json.address_json, "line1", "street")
    )
    pin = await flash_pin(alice, shop, quantity=5, limit=2)
    mia = await buyers("Mia")
    response = await mia.post(
        f"/api/shows/{shop.show_id}/buy",
        json={
            "variant_id": shop.variant_id,
            "quantity": 2,
            "request_id": "stored-form-1",
            "pin_id": pin["id"],
        },
        headers=origin(mia),
    )
    assert response.status == 201, await response.text()
    seen = (await response.json())["checkout"]
    assert "code" in seen["lines"][0]
    assert "sku" not in seen["lines"][0]  # the API changed...

    raw = await mia.app[keys.REDIS].get(checkout_key(seen["id"]))
    product = shop.product
    stored_line = {
        "variant_id": shop.variant_id,
        "product_id": product["id"],
        "title": product["title"],
        "variant_name": product["variants"][0]["name"],
        "sku": product["variants"][0]["sku"],
        "quantity": 2,
        "unit_price_minor": 1500,
        "line_total_minor": 3000,
        "flash_sale": True,
        "sale_id": f"pin{pin['id']}",
        "hold_id": f"{seen['id']}-0",
        "pin_id": pin["id"],
    }
    stored = json.loads(raw)
    assert list(stored) == list(json.loads(STORED_CHECKOUT))
    assert stored["lines"] == [stored_line]  # ...and the stored line did not

    placed = await place_order(mia, seen["id"])
    assert placed.status == 201, await placed.text()
    order = (await placed.json())["order"]
    assert order["address"]["street"] == "1 Market Street"
    row = await alice.app[keys.DATABASE].fetchone(
        "SELECT address_json FROM orders WHERE id = ?", (order["id"],)
    )
    assert row is not None
    assert row["address_json"] == STORED_ADDRESS


async def test_a_checkout_written_before_a_deploy_still_becomes_an_order(
    alice: Client, shop: LiveShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    response = await buy(mia, shop, quantity=2, request_id="before-deploy-1")
    assert response.status == 201, await response.text()
    checkout = (await response.json())["checkout"]
    redis = mia.app[keys.REDIS]
    key = checkout_key(checkout["id"])
    written = json.loads(await redis.get(key))
    # The record as the previous version wrote it, text for text, around the real hold.
    line = written["lines"][0]
    before = (
        f'{{"id": "{checkout["id"]}", "viewer_id": "{written["viewer_id"]}",'
        f' "show_id": "{shop.show_id}", "creator_id": "{written["creator_id"]}",'
        f' "currency": "{written["currency"]}", "lines": [{{"variant_id": "{shop.variant_id}",'
        f' "product_id": "{line["product_id"]}", "title": "{line["title"]}",'
        f' "variant_name": "{line["variant_name"]}", "sku": "{line["sku"]}", "quantity": 2,'
        f' "unit_price_minor": 2500, "line_total_minor": 5000, "flash_sale": false,'
        f' "sale_id": null, "hold_id": "{line["hold_id"]}", "pin_id": null}}],'
        f' "expires_at": {written["expires_at"]}, "from_cart": false, "order_id": null}}'
    )
    assert json.loads(before) == written
    await redis.set(key, before, keepttl=True)

    again = await mia.get(f"/api/checkouts/{checkout['id']}")
    assert again.status == 200, await again.text()
    assert (await again.json())["checkout"] == checkout
    placed = await place_order(mia, checkout["id"])
    assert placed.status == 201, await placed.text()
    order = (await placed.json())["order"]
    assert [(line["variant_id"], line["quantity"]) for line in order["lines"]] == [
        (shop.variant_id, 2)
    ]
    assert order["total_minor"] == 5000
