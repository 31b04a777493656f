"""`GET /api/search` over HTTP: results grouped by kind, filters, paging, hidden items, and
every bad or hostile query answered with a clear 400 or 429, never a 500."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import SearchSettings, Settings
from tests.support.clients import Client, assert_error, origin, sign_up
from tests.support.search_queries import HOSTILE

_SKUS = itertools.count(1)
RATE = 30


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small per-address search rate and query length, so the limits are reached quickly."""
    return dataclasses.replace(
        settings, search=SearchSettings(max_query_length=80, requests_per_minute=RATE)
    )


async def _post(client: Client, path: str, body: dict[str, Any], status: int = 201) -> Any:
    response = await client.post(path, json=body, headers=origin(client))
    assert response.status == status, await response.text()
    return await response.json()


async def _product(client: Client, title: str, **fields: Any) -> dict[str, Any]:
    variant = {"sku": f"S{next(_SKUS)}", "price_minor": 1500, "currency": "EUR", "stock": 4}
    body = {"title": title, "variants": [variant], **fields}
    product: dict[str, Any] = (await _post(client, "/api/products", body))["product"]
    return product


async def _search(client: Client, **params: str) -> Any:
    response = await client.get("/api/search", params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_results_grouped_by_kind_with_where_to_see_them(
    client: Client, other_client: Client
) -> None:
    await sign_up(client, display_name="Mia Rossi")
    lipstick = await _product(client, "哑光口红套装", category="beauty", tags=["matte"])
    loose = await _product(client, "口红 refill", category="beauty")
    show = (
        await _post(
            client,
            "/api/shows",
            {"title": "Friday glow", "tags": ["口红"], "product_ids": [lipstick["id"]]},
        )
    )["show"]

    found = await _search(other_client, q="口红")
    assert [s["id"] for s in found["shows"]] == [show["id"]]
    assert {p["id"] for p in found["products"]} == {lipstick["id"], loose["id"]}
    by_id = {p["id"]: p for p in found["products"]}
    assert by_id[lipstick["id"]]["url"] == f"/watch/{show['id']}"
    assert by_id[loose["id"]]["url"].startswith("/creators/")
    assert by_id[lipstick["id"]]["creator"]["display_name"] == "Mia Rossi"
    assert (by_id[lipstick["id"]]["price_minor"], by_id[lipstick["id"]]["currency"]) == (
        1500,
        "EUR",
    )
    assert found["creators"] == []
    assert found["next_offset"] is None

    mia = await _search(other_client, q="mia", kind="creators")
    assert [c["display_name"] for c in mia["creators"]] == ["Mia Rossi"]
    assert "email" not in mia["creators"][0]
    assert set(mia) == {"q", "kind", "category", "creators", "next_offset"}

    only_food = await _search(other_client, q="口红", category="food")
    assert (only_food["shows"], only_food["products"]) == ([], [])
    assert "creators" not in only_food  # creators have no category


async def test_archived_products_leave_the_results(client: Client) -> None:
    await sign_up(client)
    product = await _product(client, "Vintage camera")
    assert len((await _search(client, q="vintage", kind="products"))["products"]) == 1
    await _post(client, f"/api/products/{product['id']}/archive", {}, status=200)
    assert (await _search(client, q="vintage", kind="products"))["products"] == []


async def test_one_kind_pages_with_next_offset(client: Client) -> None:
    await sign_up(client)
    for i in range(5):
        await _product(client, f"Silk scarf {i}")
    first = await _search(client, q="scarf", kind="products", limit="3")
    assert (len(first["products"]), first["next_offset"]) == (3, 3)
    second = await _search(client, q="scarf", kind="products", limit="3", offset="3")
    assert (len(second["products"]), second["next_offset"]) == (2, None)
    seen = {p["id"] for p in first["products"]} | {p["id"] for p in second["products"]}
    assert len(seen) == 5


async def test_bad_parameters_are_refused_with_stable_reasons(client: Client) -> None:
    cases: list[tuple[dict[str, str], str, str]] = [
        ({}, "q", "required"),
        ({"q": "   "}, "q", "required"),
        ({"q": "x" * 81}, "q", "too_long"),
        ({"q": "x", "kind": "videos"}, "kind", "bad_format"),
        ({"q": "x", "category": "weapons"}, "category", "bad_format"),
        ({"q": "x", "limit": "0"}, "limit", "too_small"),
        ({"q": "x", "limit": "51"}, "limit", "too_large"),
        ({"q": "x", "limit": "ten"}, "limit", "wrong_type"),
        ({"q": "x", "kind": "shows", "offset": "501"}, "offset", "too_large"),
        ({"q": "x", "offset": "5"}, "offset", "not_allowed"),
    ]
    for params, field, reason in cases:
        details = await assert_error(
            await client.get("/api/search", params=params), 400, "validation_failed"
        )
        assert (details["field"], details["reason"]) == (field, reason), params


async def test_hostile_queries_never_fail(client: Client) -> None:
    await sign_up(client)
    await _product(client, "NEAR lipstick")
    for text in HOSTILE:
        response = await client.get("/api/search", params={"q": text[:80]})
        assert response.status in (200, 400), (text[:20], await response.text())
        if response.status == 400:
            await assert_error(response, 400, "validation_failed")


async def test_searches_are_limited_per_address(client: Client, other_client: Client) -> None:
    redis = client.app[SERVICES].storage.redis
    for _ in range(RATE):
        await _search(client, q="anything")
    details = await assert_error(
        await other_client.get("/api/search", params={"q": "x"}), 429, "rate_limited"
    )
    assert details["retry_after_seconds"] >= 1
    # The limit follows the address, not the cookie: the second client was refused
    # though it had not searched. A new window lets both search again.
    await redis.delete(*[key async for key in redis.scan_iter("livesale:rate:search:*")])
    await _search(other_client, q="again")
