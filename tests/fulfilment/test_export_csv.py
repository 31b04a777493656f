"""The orders as CSV: one row per line, Excel-friendly UTF-8, formulas neutralised."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.domain.order_export import COLUMNS, neutralise
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.shopping import paid_order, placed_order, position
from tests.support.world import TwoItemShop, create_product, create_show

EVIL_ADDRESS = {
    "line1": "+1+cmd|' /C calc'!A0",
    "line2": "@SUM(1+1)",
    "city": "-2+3",
    "postal_code": "10001",
    "country": "US",
}


async def _export(client: Client, query: str = "") -> Any:
    return await client.get(f"/api/orders.csv{query}")


async def _rows(response: Any) -> list[dict[str, str]]:
    assert response.status == 200, await response.text()
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


async def test_one_row_per_line_with_the_buyer_address_and_shipment(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(
        mia, two_items.show_id, [(two_items.tee, 2), (two_items.mug, 1)], name="李雷"
    )
    shipped = await alice.post(
        f"/api/orders/{order['id']}/fulfil",
        json={"carrier": "顺丰速运", "tracking_number": "SF1234567890"},
        headers=origin(alice),
    )
    assert shipped.status == 200
    mug_at = position(order, two_items.mug)
    refunded = await alice.post(
        f"/api/orders/{order['id']}/refund", json={"lines": [mug_at]}, headers=origin(alice)
    )
    assert refunded.status == 200
    response = await _export(alice)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="orders-all-shows-all-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = await _rows(response)
    assert [(r["order_id"], r["line"]) for r in rows] == [(order["id"], "1"), (order["id"], "2")]
    # The lines as the order holds them (a cart's lines are ordered by variant id).
    assert [r["sku"] for r in rows] == [line["sku"] for line in order["lines"]]
    [tee] = [r for r in rows if r["sku"].startswith("TEE-")]
    [mug] = [r for r in rows if r["sku"].startswith("MUG-")]
    assert (tee["quantity"], mug["quantity"]) == ("2", "1")
    assert tee["buyer_name"] == "李雷"
    assert (tee["email"], tee["status"], tee["show_title"]) == (
        "mia@example.com",
        "fulfilled",
        "Spring drop",
    )
    assert (tee["address_line1"], tee["city"], tee["postal_code"], tee["country"]) == (
        "1 Market Street",
        "Springfield",
        "12345",
        "US",
    )
    assert (tee["unit_price"], tee["line_total"], tee["currency"]) == ("25.00", "50.00", "EUR")
    assert (tee["carrier"], tee["tracking_number"], tee["line_refunded"]) == (
        "顺丰速运",
        "SF1234567890",
        "no",
    )
    assert (mug["unit_price"], mug["line_total"]) == ("12.00", "12.00")
    assert (mug["line_refunded"], mug["line_refunded_amount"], mug["refunded_at_utc"] != "") == (
        "yes",
        "12.00",
        True,
    )
    assert (tee["line_refunded_amount"], tee["refunded_at_utc"]) == ("", "")
    assert len(tee["created_at_utc"]) == 19
    assert tee["paid_at_utc"]
    assert tee["fulfilled_at_utc"]


async def test_cells_that_a_spreadsheet_would_run_are_neutralised(
    alice: Client, buyers: Buyers
) -> None:
    product = await create_product(alice, sku="-2.3", price_minor=900, stock=3)
    created = await create_show(alice, title="=cmd|' /C calc'!A0", product_ids=[product["id"]])
    show_id = created["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    mia = await buyers("Mia")
    await paid_order(
        mia,
        show_id,
        [(product["variants"][0]["id"], 1)],
        name='=HYPERLINK("https://evil.example","Click")',
        address=EVIL_ADDRESS,
    )
    [row] = await _rows(await _export(alice))
    assert row["buyer_name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert row["show_title"] == "'=cmd|' /C calc'!A0"
    assert row["sku"] == "'-2.3"
    assert row["address_line1"] == "'+1+cmd|' /C calc'!A0"
    assert row["address_line2"] == "'@SUM(1+1)"
    assert row["city"] == "'-2+3"
    assert row["postal_code"] == "10001"  # plain values stay as they are


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=1", "a=1"),
        ("", ""),
        ("Ada", "Ada"),
    ],
)
def test_neutralise(cell: str, shown: str) -> None:
    assert neutralise(cell) == shown


async def test_filters_by_show_and_status(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    paid = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    pending = (await placed_order(mia, two_items.show_id, [(two_items.mug, 1)]))["order"]
    other_product = await create_product(alice, sku="HAT-1", price_minor=700, stock=2)
    other_show = (await create_show(alice, title="Hats", product_ids=[other_product["id"]]))[
        "show"
    ]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(other_show)
    hat = await paid_order(mia, other_show, [(other_product["variants"][0]["id"], 1)])

    everything = await _rows(await _export(alice))
    assert {r["order_id"] for r in everything} == {paid["id"], pending["id"], hat["id"]}
    assert {r["show_title"] for r in everything} == {"Spring drop", "Hats"}
    one_show = await _export(alice, f"?show_id={two_items.show_id}")
    assert {r["order_id"] for r in await _rows(one_show)} == {paid["id"], pending["id"]}
    assert two_items.show_id in one_show.headers["Content-Disposition"]
    paid_only = await _rows(await _export(alice, f"?show_id={two_items.show_id}&status=paid"))
    assert [r["order_id"] for r in paid_only] == [paid["id"]]


async def test_only_the_creators_own_orders(
    alice: Client,
    bob: Client,
    anonymous: Client,
    two_items: TwoItemShop,
    buyers: Buyers,
) -> None:
    mia = await buyers("Mia")
    await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    assert await _rows(await _export(bob)) == []  # Bob has sold nothing: the header only
    await assert_error(await _export(bob, f"?show_id={two_items.show_id}"), 403, "not_owner")
    await assert_error(await _export(anonymous), 401, "not_signed_in")
    await assert_error(await _export(mia), 401, "not_signed_in")
    bad = await _export(alice, "?status=shipped")
    assert (await assert_error(bad, 400, "validation_failed"))["field"] == "status"
    await assert_error(await _export(alice, "?show_id=nope"), 404, "show_not_found")
