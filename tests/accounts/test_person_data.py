"""A person's own data over HTTP: the download, and deleting the account, on both engines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.chat import Participant, Role
from livesale.web.auth import VIEWER_COOKIE
from tests.catalogue.images import make_image
from tests.support.clients import (
    DEFAULT_PASSWORD,
    Buyers,
    Client,
    assert_error,
    explicit_dummy,
    origin,
)
from tests.support.shopping import paid_order, placed_order
from tests.support.world import LiveShop, open_live_shop

EMAIL = "mia@example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Test payments chosen explicitly, as a server others reach needs them."""
    return explicit_dummy(settings)


async def row(client: Client, sql: str, *params: Any) -> Any:
    found = await client.app[SERVICES].storage.database.fetchone(sql, params)
    return found


async def busy_buyer(alice: Client, buyers: Buyers) -> tuple[Client, LiveShop, dict[str, Any]]:
    """Mia: a paid order at Alice's live show, a follow, a chat message and an account."""
    shop = await open_live_shop(alice)
    mia = await buyers("Mia")
    viewer = (await (await mia.get("/api/viewer")).json())["viewer"]
    order = await paid_order(mia, shop.show_id, [(shop.variant_id, 1)])
    followed = await mia.put(f"/api/creators/{shop.creator_id}/follow", headers=origin(mia))
    assert followed.status in (200, 204), await followed.text()
    await mia.app[SERVICES].live.chat.send(
        shop.show_id, shop.creator_id, Participant(viewer["id"], "Mia", Role.VIEWER), "hi all"
    )
    made = await mia.post(
        "/api/viewer/account",
        json={"email": EMAIL, "password": DEFAULT_PASSWORD},
        headers=origin(mia),
    )
    assert made.status == 201, await made.text()
    return mia, shop, order


async def test_the_download_holds_what_is_kept_and_comes_once_an_hour(
    alice: Client, buyers: Buyers, anonymous: Client
) -> None:
    await assert_error(await anonymous.get("/api/me/export"), 401, "viewer_required")
    mia, shop, order = await busy_buyer(alice, buyers)

    response = await mia.get("/api/me/export")
    assert response.status == 200, await response.text()
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store, private"
    data = await response.json()
    assert data["viewer"]["display_name"] == "Mia"
    assert data["account"]["email"] == EMAIL
    [exported] = data["orders"]
    assert exported["id"] == order["id"]
    assert exported["email"]
    assert exported["address"]["country"] == "US"
    assert [line["quantity"] for line in exported["lines"]] == [1]
    assert [f["creator_id"] for f in data["follows"]] == [shop.creator_id]
    assert [m["text"] for m in data["chat_messages"]] == ["hi all"]
    assert data["reviews"] == []
    assert data["feed"]["personalised"] is True
    assert set(data["feed"]["learnt"]) == {"creators", "categories", "shows_watched"}
    # Someone else's data is never in it: Alice's own order view is not Mia's export.
    other = await buyers("Bo")
    other_data = await (await other.get("/api/me/export")).json()
    assert other_data["orders"] == []
    assert other_data["chat_messages"] == []

    await assert_error(await mia.get("/api/me/export"), 429, "rate_limited")


async def test_deleting_the_account_erases_the_person_and_keeps_the_shops_record(
    alice: Client, buyers: Buyers
) -> None:
    mia, _shop, order = await busy_buyer(alice, buyers)
    # Shipped: nothing is owed any more, so the delivery details may go.
    shipped = await alice.post(
        f"/api/orders/{order['id']}/fulfil", json={"carrier": "UPS"}, headers=origin(alice)
    )
    assert shipped.status == 200, await shipped.text()
    # A review with a photo: its stars stay, its words and photo go.
    upload = await mia.post(
        f"/api/reviews/photos?order_id={order['id']}&line=0",
        data=make_image("PNG"),
        headers={**origin(mia), "Content-Type": "image/png"},
    )
    assert upload.status == 201, await upload.text()
    photo_id = (await upload.json())["image"]["id"]
    review = await mia.post(
        "/api/reviews",
        json={
            "order_id": order["id"],
            "line": 0,
            "stars": 4,
            "text": "Soft, I wear it daily",
            "photo_ids": [photo_id],
        },
        headers=origin(mia),
    )
    assert review.status == 201, await review.text()
    assert (await alice.get(f"/images/{photo_id}")).status == 200
    viewer_id = str((await row(mia, "SELECT viewer_id FROM viewer_accounts"))["viewer_id"])

    # Without the confirmation nothing happens.
    for body in ({}, {"confirm": "yes"}, {"confirm": True}):
        refused = await mia.delete("/api/me", json=body, headers=origin(mia))
        details = await assert_error(refused, 400, "validation_failed")
        assert details["field"] == "confirm"
    cross = await mia.delete(
        "/api/me", json={"confirm": "delete"}, headers={"Origin": "https://evil.example"}
    )
    await assert_error(cross, 403, "cross_site_refused")
    assert await row(mia, "SELECT 1 FROM viewer_accounts WHERE viewer_id = ?", viewer_id)

    deleted = await mia.delete("/api/me", json={"confirm": "delete"}, headers=origin(mia))
    assert deleted.status == 200, await deleted.text()
    erased = (await deleted.json())["erased"]
    # (The shipment's notification may or may not be made before the erasure: not counted.)
    kinds = ("chat_messages", "reviews", "orders", "follows", "photos")
    assert {kind: erased[kind] for kind in kinds} == dict.fromkeys(kinds, 1)
    assert deleted.cookies[VIEWER_COOKIE].value == ""

    # The person is gone: no way in, no name, no follows, no chat.
    assert (await (await mia.get("/api/viewer")).json()) == {"viewer": None}
    signed_in = await mia.post(
        "/api/viewer/login",
        json={"email": EMAIL, "password": DEFAULT_PASSWORD},
        headers=origin(mia),
    )
    await assert_error(signed_in, 401, "invalid_credentials")
    person = await row(mia, "SELECT display_name FROM viewers WHERE id = ?", viewer_id)
    assert person["display_name"] == "(deleted)"
    for table, column in (
        ("follows", "viewer_id"),
        ("chat_messages", "author_id"),
        ("viewer_sessions", "viewer_id"),
    ):
        left = await row(mia, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", viewer_id)
        assert left[0] == 0, table

    kept_review = await row(
        mia,
        "SELECT stars, text, author_name, photo_count FROM reviews WHERE viewer_id = ?",
        viewer_id,
    )
    assert (kept_review["stars"], kept_review["text"]) == (4, "")
    assert (kept_review["author_name"], kept_review["photo_count"]) == ("(deleted)", 0)
    assert (await alice.get(f"/images/{photo_id}")).status == 404
    assert await row(mia, "SELECT 1 FROM images WHERE id = ?", photo_id) is None

    # The shop's record of the sale stays, without the buyer's personal fields.
    kept = await row(
        mia, "SELECT email, name, address_json, total_minor FROM orders WHERE id = ?", order["id"]
    )
    assert (kept["email"], kept["name"]) == ("", "")
    assert json.loads(kept["address_json"]) == {"country": "US"}
    assert kept["total_minor"] == order["total_minor"]
    seller_view = await alice.get(f"/api/orders/{order['id']}")
    assert seller_view.status == 200, await seller_view.text()


async def test_an_open_order_keeps_the_account_until_it_is_settled(
    alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice)
    mia = await buyers("Mia")
    placed = await placed_order(mia, shop.show_id, [(shop.variant_id, 1)])
    refused = await mia.delete("/api/me", json={"confirm": "delete"}, headers=origin(mia))
    details = await assert_error(refused, 409, "open_orders")
    assert details["order_ids"] == [placed["order"]["id"]]
    kept = await row(mia, "SELECT email FROM orders WHERE id = ?", placed["order"]["id"])
    assert kept["email"]
    assert (await (await mia.get("/api/viewer")).json())["viewer"] is not None
