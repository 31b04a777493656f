"""Categories and tags of products and shows over HTTP: stored normalised, refused with
stable reasons (changing nothing), and listings filtered by category."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.clients import Client, assert_error, origin, sign_up

_SKUS = itertools.count(1)
VARIANT = {"sku": "LIP-1", "price_minor": 1999, "currency": "EUR", "stock": 5}


async def _create_product(client: Client, **fields: Any) -> Any:
    sku = f"LIP-{next(_SKUS)}"
    body = {"title": "Lipstick", "variants": [{**VARIANT, "sku": sku}], **fields}
    return await client.post("/api/products", json=body, headers=origin(client))


async def _json(response: Any, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_product_keeps_its_category_and_normalised_tags(client: Client) -> None:
    await sign_up(client)
    plain = (await _json(await _create_product(client), 201))["product"]
    assert (plain["category"], plain["tags"]) == ("other", [])

    tags = [
        "  Matte ",
        "#\uff2c\uff29\uff30\uff33\uff34\uff29\uff23\uff2b",
        "matte",
        "zero\u200bwidth",
        "哑光 口红",
    ]
    created = await _json(await _create_product(client, category="beauty", tags=tags), 201)
    product = created["product"]
    # Trimmed, full-width folded, case-folded, '#' dropped, invisibles gone, repeats dropped.
    assert product["category"] == "beauty"
    assert product["tags"] == ["matte", "lipstick", "zerowidth", "哑光 口红"]

    read = await _json(await client.get(f"/api/products/{product['id']}"))
    assert (read["product"]["category"], read["product"]["tags"]) == ("beauty", product["tags"])

    changed = await _json(
        await client.patch(
            f"/api/products/{product['id']}",
            json={"category": "fashion", "tags": []},
            headers=origin(client),
        )
    )
    assert (changed["product"]["category"], changed["product"]["tags"]) == ("fashion", [])


async def test_bad_categories_and_tags_are_refused_and_store_nothing(client: Client) -> None:
    await sign_up(client)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"category": "weapons"}, "category", "bad_format"),
        ({"category": 3}, "category", "wrong_type"),
        ({"tags": "a,b"}, "tags", "wrong_type"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags", "too_many"),
        ({"tags": ["ok", "x" * 31]}, "tags[1]", "too_long"),
        ({"tags": ["ok", " # "]}, "tags[1]", "required"),
        ({"tags": ["ok", 7]}, "tags[1]", "wrong_type"),
    ]
    for fields, field, reason in cases:
        details = await assert_error(
            await _create_product(client, **fields), 400, "validation_failed"
        )
        assert (details["field"], details["reason"]) == (field, reason), fields
    listed = await _json(await client.get("/api/products", params={"status": "all"}))
    assert listed["products"] == []
    details = await assert_error(
        await client.get("/api/products", params={"category": "nope"}), 400, "validation_failed"
    )
    assert details["field"] == "category"


async def test_product_lists_filter_by_category(client: Client) -> None:
    await sign_up(client)
    await _json(await _create_product(client, category="beauty"), 201)
    await _json(
        await _create_product(
            client,
            title="Mug",
            category="home",
        ),
        201,
    )
    beauty = await _json(await client.get("/api/products", params={"category": "beauty"}))
    assert [p["title"] for p in beauty["products"]] == ["Lipstick"]


async def test_shows_carry_a_category_and_tags_and_list_by_category(
    client: Client, other_client: Client
) -> None:
    await sign_up(client)
    made = await _json(
        await client.post(
            "/api/shows",
            json={"title": "Glow night", "category": "beauty", "tags": ["Glow", "NEW"]},
            headers=origin(client),
        ),
        201,
    )
    show = made["show"]
    assert (show["category"], show["tags"]) == ("beauty", ["glow", "new"])
    await _json(
        await client.post("/api/shows", json={"title": "Kitchen"}, headers=origin(client)), 201
    )

    beauty = await _json(await other_client.get("/api/shows", params={"category": "beauty"}))
    assert [s["title"] for s in beauty["shows"]] == ["Glow night"]
    everything = await _json(await other_client.get("/api/shows"))
    assert {s["category"] for s in everything["shows"]} == {"beauty", "other"}

    edited = await _json(
        await client.patch(
            f"/api/shows/{show['id']}",
            json={"category": "food", "tags": ["tea"]},
            headers=origin(client),
        )
    )
    assert (edited["category"], edited["tags"]) == ("food", ["tea"])

    # Another creator cannot change it; a bad category is refused and changes nothing.
    await sign_up(other_client, email="other@example.com", display_name="Other")
    await assert_error(
        await other_client.patch(
            f"/api/shows/{show['id']}", json={"category": "kids"}, headers=origin(other_client)
        ),
        403,
        "not_owner",
    )
    details = await assert_error(
        await client.patch(
            f"/api/shows/{show['id']}", json={"category": "nope"}, headers=origin(client)
        ),
        400,
        "validation_failed",
    )
    assert details["field"] == "category"
    again = await _json(await client.get(f"/api/shows/{show['id']}"))
    assert (again["category"], again["tags"]) == ("food", ["tea"])
    await assert_error(
        await other_client.get("/api/shows", params={"category": "x"}), 400, "validation_failed"
    )
