"""The show API with real SQLite and Redis: create, edit, bag, stream keys, who may do what."""

from __future__ import annotations

import time

from livesale.composition.services import SERVICES
from livesale.domain.errors import Unauthorized
from tests.support.clients import Client, assert_error, become_viewer, origin
from tests.support.world import create_product, create_show


async def test_create_show_with_bag_and_read_it_back(alice: Client, anonymous: Client) -> None:
    tee = await create_product(alice, "TEE")
    cap = await create_product(alice, "CAP")
    start = time.time() + 3600
    created = await create_show(
        alice, title="  Summer live  ", scheduled_at=start, product_ids=[cap["id"], tee["id"]]
    )
    show = created["show"]
    assert show["title"] == "Summer live"
    assert show["status"] == "scheduled"
    assert show["scheduled_at"] == start
    assert show["creator"]["display_name"] == "Alice"
    assert [p["id"] for p in show["products"]] == [cap["id"], tee["id"]]
    assert created["host_url_with_key"].endswith(f"/host/{show['id']}#key={created['stream_key']}")

    # Anyone may read a show; the stream key is never part of it.
    response = await anonymous.get(f"/api/shows/{show['id']}")
    assert response.status == 200
    public = await response.json()
    assert public["products"] == show["products"]
    assert created["stream_key"] not in await response.text()
    shows = alice.app[SERVICES].storage.shows
    assert (await shows.verify_stream_key(show["id"], created["stream_key"])).id == show["id"]


async def test_bad_show_input_creates_nothing(alice: Client, bob: Client) -> None:
    bobs = await create_product(bob, "BOB-1")
    mine = await create_product(alice, "ALICE-1")
    cases = [
        ({}, 400, "validation_failed", "title"),
        ({"title": ""}, 400, "validation_failed", "title"),
        ({"title": "x" * 201}, 400, "validation_failed", "title"),
        ({"title": "ok", "scheduled_at": "tomorrow"}, 400, "validation_failed", "scheduled_at"),
        ({"title": "ok", "scheduled_at": True}, 400, "validation_failed", "scheduled_at"),
        ({"title": "ok", "scheduled_at": time.time() + 10 * 366 * 86400}, 400,
         "validation_failed", "scheduled_at"),
        ({"title": "ok", "colour": "red"}, 400, "validation_failed", "colour"),
        ({"title": "ok", "product_ids": "abc"}, 400, "validation_failed", "product_ids"),
        ({"title": "ok", "product_ids": [mine["id"], mine["id"]]}, 400, "validation_failed",
         "product_ids"),
        ({"title": "ok", "product_ids": [bobs["id"]]}, 403, "not_owner", None),
        ({"title": "ok", "product_ids": ["nosuchproduct"]}, 404, "product_not_found", None),
        ({"title": "ok", "cover_image_id": "nosuchimage"}, 404, "image_not_found", None),
    ]  # fmt: skip
    for body, status, code, field in cases:
        response = await alice.post("/api/shows", json=body, headers=origin(alice))
        details = await assert_error(response, status, code)
        if field is not None:
            assert details["field"] == field, (body, details)
    response = await alice.post(
        "/api/shows",
        data="{not json",
        headers={**origin(alice), "Content-Type": "application/json"},
    )
    await assert_error(response, 400, "invalid_json")
    archived = await alice.post(f"/api/products/{mine['id']}/archive", headers=origin(alice))
    assert archived.status == 200
    response = await alice.post(
        "/api/shows", json={"title": "ok", "product_ids": [mine["id"]]}, headers=origin(alice)
    )
    await assert_error(response, 409, "product_archived")
    listing = await (await alice.get("/api/shows", params={"mine": "1"})).json()
    assert listing["shows"] == []


async def test_only_the_creator_changes_a_show(
    alice: Client, bob: Client, anonymous: Client
) -> None:
    product = await create_product(alice, "TEE")
    created = await create_show(alice, product_ids=[product["id"]])
    show_id = created["show"]["id"]
    guest = anonymous
    await become_viewer(guest, "Mia")
    writes = [
        ("PATCH", f"/api/shows/{show_id}", {"title": "Hijacked"}),
        ("PUT", f"/api/shows/{show_id}/products", {"product_ids": []}),
        ("POST", f"/api/shows/{show_id}/stream-key", None),
        ("POST", f"/api/shows/{show_id}/end", None),
        ("POST", f"/api/shows/{show_id}/pin", {"product_id": product["id"]}),
        ("POST", f"/api/shows/{show_id}/unpin", None),
    ]
    for method, path, body in writes:
        response = await bob.request(method, path, json=body, headers=origin(bob))
        await assert_error(response, 403, "not_owner")
        # A guest viewer's cookie is no creator session.
        response = await guest.request(method, path, json=body, headers=origin(guest))
        await assert_error(response, 401, "not_signed_in")
    response = await alice.post("/api/shows", json={"title": "x"})
    await assert_error(response, 403, "cross_site_refused")

    after = await (await alice.get(f"/api/shows/{show_id}")).json()
    assert after["title"] == created["show"]["title"]
    assert after["status"] == "scheduled"
    assert [p["id"] for p in after["products"]] == [product["id"]]
    shows = alice.app[SERVICES].storage.shows
    assert (await shows.verify_stream_key(show_id, created["stream_key"])).id == show_id


async def test_edit_bag_and_rotate_key(alice: Client) -> None:
    first = await create_product(alice, "ONE")
    second = await create_product(alice, "TWO")
    created = await create_show(alice, product_ids=[first["id"]])
    show_id = created["show"]["id"]

    response = await alice.patch(
        f"/api/shows/{show_id}", json={"title": "Renamed", "scheduled_at": None},
        headers=origin(alice),
    )  # fmt: skip
    assert response.status == 200, await response.text()
    assert (await response.json())["title"] == "Renamed"

    response = await alice.put(
        f"/api/shows/{show_id}/products",
        json={"product_ids": [second["id"], first["id"]]},
        headers=origin(alice),
    )
    assert response.status == 200
    assert [p["id"] for p in (await response.json())["products"]] == [second["id"], first["id"]]
    bag = await (await alice.get(f"/api/shows/{show_id}")).json()
    assert [p["id"] for p in bag["products"]] == [second["id"], first["id"]]

    response = await alice.post(f"/api/shows/{show_id}/stream-key", headers=origin(alice))
    assert response.status == 200
    new_key = (await response.json())["stream_key"]
    assert new_key != created["stream_key"]
    shows = alice.app[SERVICES].storage.shows
    assert (await shows.verify_stream_key(show_id, new_key)).id == show_id
    try:
        await shows.verify_stream_key(show_id, created["stream_key"])
    except Unauthorized:
        pass
    else:
        raise AssertionError("the old stream key still works")


async def test_listing_by_status_and_owner(alice: Client, bob: Client, anonymous: Client) -> None:
    now = time.time()
    later = await create_show(alice, title="Later", scheduled_at=now + 7200)
    sooner = await create_show(bob, title="Sooner", scheduled_at=now + 600)
    live = await create_show(alice, title="On air")
    await alice.app[SERVICES].live.lifecycle.went_live(live["show"]["id"])

    upcoming = await (await anonymous.get("/api/shows", params={"status": "scheduled"})).json()
    assert [s["title"] for s in upcoming["shows"]] == ["Sooner", "Later"]
    on_air = await (await anonymous.get("/api/shows", params={"status": "live"})).json()
    assert [s["title"] for s in on_air["shows"]] == ["On air"]
    assert on_air["shows"][0]["creator"]["display_name"] == "Alice"
    mine = await (await alice.get("/api/shows", params={"mine": "1"})).json()
    assert {s["id"] for s in mine["shows"]} == {later["show"]["id"], live["show"]["id"]}
    assert sooner["show"]["id"] not in {s["id"] for s in mine["shows"]}

    await assert_error(
        await anonymous.get("/api/shows", params={"mine": "1"}), 401, "not_signed_in"
    )
    await assert_error(
        await anonymous.get("/api/shows", params={"status": "paused"}), 400, "validation_failed"
    )
