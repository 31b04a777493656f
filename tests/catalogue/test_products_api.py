"""Products over HTTP: CRUD, the authorisation matrix, validation that stores nothing."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.composition.services import SERVICES
from tests.support.clients import Client, origin, sign_up

PRODUCT_KEYS = {
    "id",
    "creator_id",
    "title",
    "description",
    "status",
    "images",
    "variants",
    "created_at",
    "updated_at",
    "category",
    "tags",
}
VARIANT_KEYS = {"id", "sku", "name", "options", "price_minor", "currency", "stock", "archived"}


def variant(**overrides: Any) -> dict[str, Any]:
    """A valid variant body with some fields replaced."""
    return {"sku": "TEE-M", "price_minor": 1999, "currency": "EUR", "stock": 10, **overrides}


async def create(client: Client, **overrides: Any) -> dict[str, Any]:
    """Create a product through the API and return its JSON."""
    body = {"title": "T-shirt", "variants": [variant()], **overrides}
    response = await client.post("/api/products", json=body, headers=origin(client))
    assert response.status == 201, await response.text()
    product: dict[str, Any] = (await response.json())["product"]
    return product


async def error_of(response: Any, status: int) -> dict[str, Any]:
    """The error body of a response that must have `status`."""
    assert response.status == status, await response.text()
    error: dict[str, Any] = (await response.json())["error"]
    return error


async def stored_products(client: Client) -> int:
    row = await client.app[SERVICES].storage.database.fetchone(
        "SELECT (SELECT COUNT(*) FROM products) + (SELECT COUNT(*) FROM variants)"
    )
    assert row is not None
    return int(row[0])


async def test_create_read_update_archive(client: Client, other_client: Client) -> None:
    alice = await sign_up(client)
    product = await create(
        client,
        title=" Organic tee ",
        description="Soft <b>cotton</b>",
        variants=[variant(options={"size": "M", "colour": "Red"}), variant(sku="TEE-L")],
    )
    assert set(product) == PRODUCT_KEYS
    assert product["creator_id"] == alice["id"]
    assert product["title"] == "Organic tee"
    assert product["description"] == "Soft <b>cotton</b>"  # stored as text, escaped by pages
    assert product["status"] == "active"
    assert product["images"] == []
    first, second = product["variants"]
    assert set(first) == VARIANT_KEYS
    assert first["name"] == "M / Red"
    assert first["options"] == {"size": "M", "colour": "Red"}
    assert (first["price_minor"], first["currency"], first["archived"]) == (1999, "EUR", False)

    # Anyone may read one product by id: buyers are not signed in.
    response = await other_client.get(f"/api/products/{product['id']}")
    assert response.status == 200
    assert (await response.json())["product"] == product

    response = await client.patch(
        f"/api/products/{product['id']}",
        json={
            "title": "Tee",
            "variants": [{**variant(sku="TEE-M2", price_minor=2500), "id": first["id"]}],
        },
        headers=origin(client),
    )
    assert response.status == 200, await response.text()
    updated = (await response.json())["product"]
    assert updated["title"] == "Tee"
    by_id = {v["id"]: v for v in updated["variants"]}
    assert by_id[first["id"]]["sku"] == "TEE-M2"
    assert by_id[first["id"]]["price_minor"] == 2500
    assert by_id[second["id"]]["archived"] is True  # left out, so archived, never deleted

    response = await client.post(f"/api/products/{product['id']}/archive", headers=origin(client))
    assert response.status == 200
    assert (await response.json())["product"]["status"] == "archived"
    # Archived: still readable by id with its variants (orders point at them).
    response = await other_client.get(f"/api/products/{product['id']}")
    archived = (await response.json())["product"]
    assert archived["status"] == "archived"
    assert {v["id"] for v in archived["variants"]} == {first["id"], second["id"]}

    listing = await (await client.get("/api/products")).json()
    assert listing == {"products": []}
    listing = await (await client.get("/api/products?status=archived")).json()
    assert [p["id"] for p in listing["products"]] == [product["id"]]

    response = await client.post(f"/api/products/{product['id']}/unarchive", headers=origin(client))
    assert (await response.json())["product"]["status"] == "active"
    listing = await (await client.get("/api/products?status=all")).json()
    assert [p["id"] for p in listing["products"]] == [product["id"]]


async def test_list_shows_only_my_products(client: Client, other_client: Client) -> None:
    await sign_up(client)
    await sign_up(other_client, email="bob@example.com", display_name="Bob")
    mine = await create(client)
    await create(other_client)  # the same SKU is fine for another creator
    listing = await (await client.get("/api/products")).json()
    assert [p["id"] for p in listing["products"]] == [mine["id"]]
    error = await error_of(await client.get("/api/products?status=deleted"), 400)
    assert error["details"]["field"] == "status"


async def test_authorisation_matrix(client: Client, other_client: Client) -> None:
    await sign_up(client)
    product = await create(client)
    path = f"/api/products/{product['id']}"
    writes = [
        ("PATCH", path, {"title": "Stolen"}),
        ("POST", f"{path}/archive", None),
        ("POST", f"{path}/unarchive", None),
    ]
    # No cookie: nothing may be written or listed.
    anonymous = other_client
    for method, url, body in [*writes, ("POST", "/api/products", {"title": "x"})]:
        response = await anonymous.request(method, url, json=body, headers=origin(anonymous))
        assert (await error_of(response, 401))["code"] == "not_signed_in"
    assert (await error_of(await anonymous.get("/api/products"), 401))["code"] == "not_signed_in"

    # Another creator: refused as not the owner.
    await sign_up(other_client, email="bob@example.com", display_name="Bob")
    for method, url, body in writes:
        response = await other_client.request(method, url, json=body, headers=origin(other_client))
        error = await error_of(response, 403)
        assert error["code"] == "not_owner"

    # The owner without a same-origin header: refused as cross-site.
    response = await client.patch(path, json={"title": "Forged"})
    assert (await error_of(response, 403))["code"] == "cross_site_refused"
    response = await client.patch(
        path, json={"title": "Forged"}, headers={"Origin": "https://evil.example"}
    )
    assert (await error_of(response, 403))["code"] == "cross_site_refused"

    assert (await (await client.get(path)).json())["product"] == product


async def test_unknown_product(client: Client) -> None:
    await sign_up(client)
    error = await error_of(await client.get("/api/products/nope"), 404)
    assert error["code"] == "product_not_found"
    response = await client.patch("/api/products/nope", json={}, headers=origin(client))
    assert (await error_of(response, 404))["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"variants": [variant()]}, "title"),
        ({"title": "x" * 201, "variants": [variant()]}, "title"),
        ({"title": "T", "description": "x" * 5001, "variants": [variant()]}, "description"),
        ({"title": "T", "variants": []}, "variants"),
        (
            {"title": "T", "variants": [variant(sku=f"S{i}") for i in range(101)]},
            "variants",
        ),
        ({"title": "T", "variants": [variant(price_minor=True)]}, "variants[0].price_minor"),
        ({"title": "T", "variants": [variant(price_minor=19.99)]}, "variants[0].price_minor"),
        ({"title": "T", "variants": [variant(price_minor=-5)]}, "variants[0].price_minor"),
        ({"title": "T", "variants": [variant(stock=-1)]}, "variants[0].stock"),
        ({"title": "T", "variants": [variant(stock=1.5)]}, "variants[0].stock"),
        ({"title": "T", "variants": [variant(currency="XXX")]}, "variants[0].currency"),
        (
            {"title": "T", "variants": [variant(), variant(sku="B", currency="USD")]},
            "variants[1].currency",
        ),
        ({"title": "T", "variants": [variant(), variant()]}, "variants[1].sku"),
        ({"title": "T", "variants": [variant(sku="a b")]}, "variants[0].sku"),
        (
            {"title": "T", "variants": [variant(options={f"k{i}": "v" for i in range(6)})]},
            "variants[0].options",
        ),
        ({"title": "T", "variants": [variant()], "image_ids": ["nope"]}, "image_ids[0]"),
        ({"title": "T", "variants": [variant()], "price": 5}, "price"),
    ],
)
async def test_validation_errors_store_nothing(
    client: Client, body: dict[str, Any], field: str
) -> None:
    await sign_up(client)
    response = await client.post("/api/products", json=body, headers=origin(client))
    error = await error_of(response, 400)
    assert error["code"] == "validation_failed"
    assert error["details"]["field"] == field
    assert await stored_products(client) == 0


async def test_sku_taken_by_another_product(client: Client) -> None:
    await sign_up(client)
    first = await create(client, variants=[variant(sku="MUG")])
    before = await stored_products(client)
    response = await client.post(
        "/api/products",
        json={"title": "Cup", "variants": [variant(sku="CUP"), variant(sku="MUG")]},
        headers=origin(client),
    )
    error = await error_of(response, 409)
    assert error["code"] == "sku_taken"
    assert error["details"]["field"] == "variants[1].sku"
    assert await stored_products(client) == before
    # A PATCH that would clash is refused the same way and changes nothing.
    second = await create(client, variants=[variant(sku="PLATE")])
    response = await client.patch(
        f"/api/products/{second['id']}",
        json={
            "title": "Renamed",
            "variants": [{**variant(sku="MUG"), "id": second["variants"][0]["id"]}],
        },
        headers=origin(client),
    )
    assert (await error_of(response, 409))["code"] == "sku_taken"
    assert (await (await client.get(f"/api/products/{second['id']}")).json())["product"] == second
    assert (await (await client.get(f"/api/products/{first['id']}")).json())["product"] == first


async def test_bad_bodies(client: Client) -> None:
    await sign_up(client)
    response = await client.post(
        "/api/products",
        data="{not json",
        headers={**origin(client), "Content-Type": "application/json"},
    )
    assert (await error_of(response, 400))["code"] == "invalid_json"
    response = await client.post("/api/products", data="title=T", headers=origin(client))
    assert (await error_of(response, 415))["code"] == "unsupported_media_type"
    response = await client.post("/api/products", json=["T"], headers=origin(client))
    assert (await error_of(response, 400))["code"] == "validation_failed"
    assert await stored_products(client) == 0
