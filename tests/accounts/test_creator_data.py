"""A creator's own download over HTTP (`GET /api/console/export`), on both engines: their
account and shop, the shop's side of its conversations and its orders as the shop sees
them, nothing of buyers beyond that, nothing of another shop; throttled."""

from __future__ import annotations

import json
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Buyers, Client, assert_error, explicit_dummy, origin
from tests.support.messages import answer, my_id, started
from tests.support.shopping import paid_order
from tests.support.soft_authenticator import create
from tests.support.world import open_live_shop

PRIVATE_EMAIL = "mia.private@example.com"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Test payments chosen explicitly, as a server others reach needs them."""
    return explicit_dummy(settings)


async def ok(response: Any, status: int = 200) -> Any:
    assert response.status == status, await response.text()
    return await response.json()


async def add_passkey(client: Client) -> str:
    """A creator's passkey made with the software authenticator; its id."""
    begun = await ok(
        await client.post("/api/auth/passkeys/options", json={}, headers=origin(client))
    )
    _key, credential = create(begun["options"], str(client.app[SERVICES].settings.base_url))
    made = await ok(
        await client.post(
            "/api/auth/passkeys",
            json={"ceremony": begun["ceremony"], "credential": credential},
            headers=origin(client),
        ),
        201,
    )
    return str(made["passkey"]["id"])


async def test_a_creator_downloads_their_shop_and_only_what_it_already_sees(
    alice: Client, bob: Client, buyers: Buyers, anonymous: Client
) -> None:
    await assert_error(await anonymous.get("/api/console/export"), 401, "not_signed_in")
    alice_id, bob_id = await my_id(alice, "creator"), await my_id(bob, "creator")
    passkey_id = await add_passkey(alice)
    shop = await open_live_shop(alice)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    # Mia's account email is hers, not the shop's: it must not reach Alice's file.
    await ok(
        await mia.post(
            "/api/viewer/account",
            json={"email": PRIVATE_EMAIL, "password": "correct horse battery"},
            headers=origin(mia),
        ),
        201,
    )
    await assert_error(await mia.get("/api/console/export"), 401, "not_signed_in")
    order = await paid_order(mia, shop.show_id, [(shop.variant_id, 2)])
    await ok(
        await alice.post(
            "/api/coupons",
            json={"code": "KNIT10", "kind": "percent", "value": 10, "currency": "USD"},
            headers=origin(alice),
        ),
        201,
    )
    await ok(
        await alice.put(
            "/api/shipping-profile",
            json={"currency": "USD", "flat_minor": 500, "countries": ["US", "CA"]},
            headers=origin(alice),
        )
    )
    leo_id = await my_id(leo, "viewer")
    named = await alice.post("/api/moderators", json={"viewer_id": leo_id}, headers=origin(alice))
    assert named.status in (200, 201), await named.text()
    conversation_id = (await started(mia, alice_id, "Is it wool?"))["conversation_id"]
    assert (await answer(leo, conversation_id, "Merino")).status == 201
    await ok(
        await alice.post(
            f"/api/conversations/{conversation_id}/reports",
            json={"reason": "spam links"},
            headers=origin(alice),
        ),
        201,
    )
    await started(mia, bob_id, "For Bob only")

    response = await alice.get("/api/console/export")
    data = await ok(response)
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store, private"
    assert data["account"]["email"] == "alice@example.com"
    assert [p["id"] for p in data["passkeys"]] == [passkey_id]
    assert shop.show_id in [s["id"] for s in data["shows"]]
    [product] = data["products"]
    assert [v["id"] for v in product["variants"]] == [shop.variant_id]
    assert [(m["viewer_id"], m["display_name"]) for m in data["moderators"]] == [(leo_id, "Leo")]
    assert [c["code"] for c in data["coupons"]] == ["KNIT10"]
    assert data["shipping_profile"]["countries"] == ["CA", "US"]
    [conversation] = data["conversations"]
    assert conversation["with"]["name"] == "Mia"
    # The shop's own record says who answered for it.
    assert [(m["side"], m["author_id"], m["text"]) for m in conversation["messages"]][1:] == [
        ("shop", leo_id, "Merino")
    ]
    assert [r["reason"] for r in data["message_reports"]] == ["spam links"]
    [sold] = data["orders"]
    assert (sold["id"], sold["email"]) == (order["id"], order["email"])
    assert sold["address"]["country"] == "US"
    assert [line["quantity"] for line in sold["lines"]] == [2]
    text = json.dumps(data)
    for never in (PRIVATE_EMAIL, "For Bob only", "password_hash", "stream_key", "token_hash"):
        assert never not in text, never

    # Bob's file has none of Alice's shop.
    bobs = await ok(await bob.get("/api/console/export"))
    assert (bobs["orders"], bobs["products"], bobs["coupons"]) == ([], [], [])
    assert [c["messages"][0]["text"] for c in bobs["conversations"]] == ["For Bob only"]
    # Once an hour by default.
    await assert_error(await alice.get("/api/console/export"), 429, "rate_limited")
