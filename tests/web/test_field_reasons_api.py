"""Every validation error names its field, says why (`reason`) and carries the numbers to word it.

The UI words field errors from `details` alone ("Sale price must be below
$25.00"), so these are part of the API: each case below goes through the real
routes and checks the whole structure, and that nothing was changed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.errors import FIELD_REASONS
from tests.catalogue.images import make_image
from tests.support.clients import Client, cheap_auth, origin, sign_up
from tests.support.shopping import buy, place_order
from tests.support.world import BUYER, create_product, create_show, open_live_shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


async def refused(response: Any, status: int = 400) -> dict[str, Any]:
    """The `details` of a refused request, checked to be a worded validation error."""
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    assert error["code"] == "validation_failed", error
    details: dict[str, Any] = error["details"]
    assert details["reason"] in FIELD_REASONS, details
    assert error["message"], error  # the English explanation stays for API users
    return details


def variant(**overrides: Any) -> dict[str, Any]:
    """A valid variant body with some fields replaced."""
    return {"sku": "TEE-M", "price_minor": 1999, "currency": "USD", "stock": 10, **overrides}


PRODUCT_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"variants": [variant()]}, {"field": "title", "reason": "required"}),
    ({"title": "   ", "variants": [variant()]}, {"field": "title", "reason": "required"}),
    (
        {"title": "x" * 201, "variants": [variant()]},
        {"field": "title", "reason": "too_long", "max": 200},
    ),
    (
        {"title": "Tee", "description": "d" * 5001, "variants": [variant()]},
        {"field": "description", "reason": "too_long", "max": 5000},
    ),
    ({"title": "Tee", "variants": []}, {"field": "variants", "reason": "required"}),
    (
        {"title": "Tee", "variants": [variant(), variant(sku="TEE-L", price_minor=0)]},
        {
            "field": "variants[1].price_minor",
            "reason": "too_small",
            "min_minor": 1,
            "currency": "USD",
        },
    ),
    (
        {"title": "Tee", "variants": [variant(), variant(sku="TEE-L", price_minor=100_000_001)]},
        {"field": "variants[1].price_minor", "reason": "too_large", "max_minor": 100_000_000},
    ),
    (
        {"title": "Tee", "variants": [variant(), variant(sku="TEE M")]},
        {"field": "variants[1].sku", "reason": "bad_format", "max": 64},
    ),
    (
        {"title": "Tee", "variants": [variant(), variant(sku="")]},
        {"field": "variants[1].sku", "reason": "required"},
    ),
    (
        {"title": "Tee", "variants": [variant(), variant()]},
        {"field": "variants[1].sku", "reason": "duplicate", "same_as": "variants[0]"},
    ),
    (
        {"title": "Tee", "variants": [variant(), variant(sku="TEE-L", currency="EUR")]},
        {"field": "variants[1].currency", "reason": "currency_mismatch", "currency": "USD"},
    ),
    (
        {"title": "Tee", "variants": [variant(currency="ZZZ")]},
        {"field": "variants[0].currency", "reason": "bad_format"},
    ),
    (
        {"title": "Tee", "variants": [variant(stock=-1)]},
        {"field": "variants[0].stock", "reason": "too_small", "min": 0},
    ),
    (
        {"title": "Tee", "variants": [variant(stock=2_000_000)]},
        {"field": "variants[0].stock", "reason": "too_large", "max": 1_000_000},
    ),
    (
        {"title": "Tee", "variants": [{"sku": "TEE-M", "currency": "USD", "stock": 1}]},
        {"field": "variants[0].price_minor", "reason": "required"},
    ),
    (
        {"title": "Tee", "variants": [variant(colour="red")]},
        {"field": "variants[0].colour", "reason": "unknown_field"},
    ),
    (
        {"title": "Tee", "variants": [variant(name="n" * 101)]},
        {"field": "variants[0].name", "reason": "too_long", "max": 100},
    ),
    (
        {"title": "Tee", "variants": [variant(options={"size": "x" * 41})]},
        {"field": "variants[0].options", "reason": "too_long", "max": 40},
    ),
    (
        {"title": "Tee", "image_ids": ["nosuchimage1"], "variants": [variant()]},
        {"field": "image_ids[0]", "reason": "not_found"},
    ),
]


@pytest.mark.parametrize(("body", "expected"), PRODUCT_CASES)
async def test_product_errors_name_the_field_and_the_reason(
    alice: Client, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = await alice.post("/api/products", json=body, headers=origin(alice))
    details = await refused(response)
    assert details.items() >= expected.items(), details
    products = await alice.get("/api/products?status=all")
    assert (await products.json())["products"] == []


async def test_a_product_update_names_the_variant_row(alice: Client) -> None:
    product = await create_product(alice, sku="TEE-S")
    kept = {"id": product["variants"][0]["id"], "sku": "TEE-S", "currency": "EUR", "stock": 3}
    body = {"variants": [{**kept, "price_minor": 900}, variant(sku="TEE-L", price_minor=-5)]}
    response = await alice.patch(f"/api/products/{product['id']}", json=body, headers=origin(alice))
    details = await refused(response)
    assert (
        details.items()
        >= {
            "field": "variants[1].price_minor",
            "reason": "too_small",
            "min_minor": 1,
            "currency": "USD",
        }.items()
    )
    again = await (await alice.get(f"/api/products/{product['id']}")).json()
    assert [v["price_minor"] for v in again["product"]["variants"]] == [2500]


SHOW_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"field": "title", "reason": "required"}),
    ({"title": ""}, {"field": "title", "reason": "required"}),
    ({"title": "t" * 201}, {"field": "title", "reason": "too_long", "max": 200}),
    (
        {"title": "Drop", "scheduled_at": "tomorrow"},
        {"field": "scheduled_at", "reason": "wrong_type"},
    ),
    ({"title": "Drop", "scheduled_at": 1_000}, {"field": "scheduled_at", "reason": "too_early"}),
    (
        {"title": "Drop", "scheduled_at": 99_999_999_999},
        {"field": "scheduled_at", "reason": "too_late"},
    ),
    ({"title": "Drop", "product_ids": ["a", "a"]}, {"field": "product_ids", "reason": "duplicate"}),
    ({"title": "Drop", "host": "me"}, {"field": "host", "reason": "unknown_field"}),
]


@pytest.mark.parametrize(("body", "expected"), SHOW_CASES)
async def test_show_errors_name_the_field_and_the_reason(
    alice: Client, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = await alice.post("/api/shows", json=body, headers=origin(alice))
    details = await refused(response)
    assert details.items() >= expected.items(), details
    shows = await (await alice.get("/api/shows?mine=1")).json()
    assert shows["shows"] == []


async def test_a_schedule_error_gives_the_window_as_times(alice: Client) -> None:
    response = await alice.post(
        "/api/shows", json={"title": "Drop", "scheduled_at": 99_999_999_999}, headers=origin(alice)
    )
    details = await refused(response)
    assert details["min_at"] < details["max_at"] < 99_999_999_999


async def test_rescheduling_a_live_show_is_not_allowed(alice: Client) -> None:
    show_id = (await create_show(alice))["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    response = await alice.patch(
        f"/api/shows/{show_id}", json={"scheduled_at": 2_000_000_000}, headers=origin(alice)
    )
    details = await refused(response)
    assert details == {"field": "scheduled_at", "reason": "not_allowed"}


def sale(**overrides: Any) -> dict[str, Any]:
    """A valid flash sale of the 25.00 EUR test product, with some fields replaced."""
    return {
        "sale_price_minor": 999,
        "quantity": 5,
        "per_buyer_limit": 2,
        "duration_seconds": 60,
        **overrides,
    }


PIN_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        sale(sale_price_minor=2500),
        {
            "field": "flash_sale.sale_price_minor",
            "reason": "not_below_regular_price",
            "limit_minor": 2500,
            "currency": "EUR",
        },
    ),
    (
        sale(sale_price_minor=0),
        {
            "field": "flash_sale.sale_price_minor",
            "reason": "too_small",
            "min_minor": 1,
            "currency": "EUR",
        },
    ),
    (sale(quantity=11), {"field": "flash_sale.quantity", "reason": "over_stock", "max": 10}),
    (
        sale(per_buyer_limit=6),
        {"field": "flash_sale.per_buyer_limit", "reason": "too_large", "max": 5},
    ),
    (
        sale(duration_seconds=5),
        {"field": "flash_sale.duration_seconds", "reason": "too_small", "min": 10},
    ),
    (
        {k: v for k, v in sale().items() if k != "quantity"},
        {"field": "flash_sale.quantity", "reason": "required"},
    ),
    (sale(discount=5), {"field": "flash_sale.discount", "reason": "unknown_field"}),
]


@pytest.mark.parametrize(("flash_sale", "expected"), PIN_CASES)
async def test_flash_sale_errors_name_the_field_and_the_limit(
    alice: Client, flash_sale: dict[str, Any], expected: dict[str, Any]
) -> None:
    shop = await open_live_shop(alice, stock=10, price_minor=2500)
    response = await alice.post(
        f"/api/shows/{shop.show_id}/pin",
        json={"product_id": shop.product["id"], "flash_sale": flash_sale},
        headers=origin(alice),
    )
    details = await refused(response)
    assert details.items() >= expected.items(), details
    timeline = await (await alice.get(f"/api/shows/{shop.show_id}/timeline")).json()
    assert timeline["events"] == []


async def test_a_pin_without_a_product_is_required(alice: Client) -> None:
    shop = await open_live_shop(alice)
    response = await alice.post(f"/api/shows/{shop.show_id}/pin", json={}, headers=origin(alice))
    assert await refused(response) == {"field": "product_id", "reason": "required"}


async def test_buy_quantity_errors_give_the_range(alice: Client, server: TestServer) -> None:
    shop = await open_live_shop(alice)
    async with TestClient(server) as mia:
        await mia.put("/api/viewer", json={"display_name": "Mia"}, headers=origin(mia))
        for quantity, reason in ((0, "too_small"), (10_000, "too_large"), ("2", "wrong_type")):
            response = await mia.post(
                f"/api/shows/{shop.show_id}/buy",
                json={
                    "variant_id": shop.variant_id,
                    "quantity": quantity,
                    "request_id": uuid.uuid4().hex,
                },
                headers=origin(mia),
            )
            details = await refused(response)
            assert details["field"] == "quantity"
            assert details["reason"] == reason
            assert details["min"] == 1
            assert details["max"] >= 1


CHECKOUT_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"email": "mia"}, {"field": "email", "reason": "bad_format"}),
    ({"email": ""}, {"field": "email", "reason": "required"}),
    ({"name": "  "}, {"field": "name", "reason": "required"}),
    ({"name": "n" * 101}, {"field": "name", "reason": "too_long", "max": 100}),
    ({"name": "Mia\u0007"}, {"field": "name", "reason": "bad_characters"}),
    (
        {"address": {**BUYER["address"], "postal_code": "12#45"}},
        {"field": "address.postal_code", "reason": "bad_format"},
    ),
    (
        {"address": {**BUYER["address"], "country": "USA"}},
        {"field": "address.country", "reason": "too_long", "max": 2},
    ),
    (
        {"address": {**BUYER["address"], "line1": ""}},
        {"field": "address.line1", "reason": "required"},
    ),
    ({"announce": "yes"}, {"field": "announce", "reason": "wrong_type"}),
]


@pytest.mark.parametrize(("overrides", "expected"), CHECKOUT_CASES)
async def test_checkout_form_errors_name_the_field_and_the_reason(
    alice: Client, server: TestServer, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    shop = await open_live_shop(alice)
    async with TestClient(server) as mia:
        await mia.put("/api/viewer", json={"display_name": "Mia"}, headers=origin(mia))
        bought = await buy(mia, shop)
        assert bought.status == 201, await bought.text()
        checkout_id = (await bought.json())["checkout"]["id"]
        details = await refused(await place_order(mia, checkout_id, **overrides))
        assert details.items() >= expected.items(), details
        checkout = await (await mia.get(f"/api/checkouts/{checkout_id}")).json()
        assert checkout["checkout"].get("order_id") is None


AUTH_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"email": "ada"}, {"field": "email", "reason": "bad_format"}),
    ({"password": "short"}, {"field": "password", "reason": "too_short", "min": 8}),
    ({"password": "p" * 2000}, {"field": "password", "reason": "too_long"}),
    ({"display_name": " "}, {"field": "display_name", "reason": "required"}),
    ({"display_name": "d" * 81}, {"field": "display_name", "reason": "too_long"}),
]


@pytest.mark.parametrize(("overrides", "expected"), AUTH_CASES)
async def test_sign_up_errors_name_the_field_and_the_reason(
    server: TestServer, overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = {
        "email": "ada@example.com",
        "password": "correct horse battery staple",
        "display_name": "Ada",
        **overrides,
    }
    async with TestClient(server) as client:
        response = await client.post("/api/auth/signup", json=body, headers=origin(client))
        details = await refused(response)
        assert details.items() >= expected.items(), details
        if details["reason"] == "too_long":
            assert details["length"] > details["max"]
        me = await client.get("/api/auth/me")
        assert me.status == 401


async def test_a_taken_email_names_the_email_field(server: TestServer) -> None:
    async with TestClient(server) as first, TestClient(server) as second:
        await sign_up(first, "ada@example.com")
        response = await second.post(
            "/api/auth/signup",
            json={"email": "ada@example.com", "password": "another long one", "display_name": "X"},
            headers=origin(second),
        )
        assert response.status == 409
        error = (await response.json())["error"]
        assert error["code"] == "email_taken"
        assert error["details"] == {"field": "email"}


async def test_another_creators_image_reads_like_a_missing_one(alice: Client, bob: Client) -> None:
    uploaded = await bob.post(
        "/api/images",
        data=make_image("PNG"),
        headers={**origin(bob), "Content-Type": "image/png"},
    )
    assert uploaded.status == 201, await uploaded.text()
    bobs = (await uploaded.json())["image"]["id"]
    answers = []
    for image_id in (bobs, "nosuchimage1"):
        body = {"title": "Tee", "image_ids": [image_id], "variants": [variant()]}
        response = await alice.post("/api/products", json=body, headers=origin(alice))
        answers.append(await refused(response))
    # The same field, reason and nothing more: Bob's id is not confirmed to exist.
    assert answers[0] == answers[1] == {"field": "image_ids[0]", "reason": "not_found"}
