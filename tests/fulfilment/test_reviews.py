"""Reviews through the API: who may write, edit, reply, report, vote and decide; refunds hide."""

from __future__ import annotations

from typing import Any

from tests.catalogue.images import SVG, make_image
from tests.support.clients import Buyers, Client, assert_error, become_viewer, origin
from tests.support.shopping import paid_order, placed_order, position
from tests.support.world import TwoItemShop, create_product


async def _write(client: Client, order_id: str, line: int, **fields: Any) -> Any:
    body = {"order_id": order_id, "line": line, "stars": 5, "text": "Lovely", **fields}
    return await client.post("/api/reviews", json=body, headers=origin(client))


async def _written(client: Client, order_id: str, line: int, **fields: Any) -> dict[str, Any]:
    response = await _write(client, order_id, line, **fields)
    assert response.status == 201, await response.text()
    review: dict[str, Any] = (await response.json())["review"]
    return review


async def _listed(client: Client, product_id: str, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/api/products/{product_id}/reviews{query}")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def _post(client: Client, path: str, body: Any = None) -> Any:
    return await client.post(path, json=body or {}, headers=origin(client))


def _product_of(order: dict[str, Any], variant_id: str) -> str:
    line = order["lines"][position(order, variant_id)]
    product_id: str = line["product_id"]
    return product_id


async def test_a_buyer_reviews_and_the_rating_counts_it(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    tee = _product_of(order, two_items.tee)
    review = await _written(mia, order["id"], 0, stars=4, text="  Soft\nand warm  ")
    assert (review["stars"], review["text"], review["author"]) == (
        4,
        "Soft\nand warm",
        {"name": "Mia"},
    )
    assert (review["state"], review["shown"], review["edited"]) == ("published", True, False)
    # Leo sees it, without the buyer's order, state or any e-mail or address.
    listed = await _listed(leo, tee)
    assert listed["rating"] == {"average": 4.0, "count": 1}
    assert [r["id"] for r in listed["reviews"]] == [review["id"]]
    assert "order_id" not in listed["reviews"][0]
    assert "state" not in listed["reviews"][0]
    ratings = await (await leo.get(f"/api/ratings?product_ids={tee},nope")).json()
    assert ratings == {"ratings": {tee: {"average": 4.0, "count": 1}}}
    creator_id = (await (await alice.get("/api/auth/me")).json())["creator"]["id"]
    shop = await (await leo.get(f"/api/creators/{creator_id}/rating")).json()
    assert shop == {"rating": {"average": 4.0, "count": 1}}

    # One review per line: a second is refused and names the first.
    again = await _write(mia, order["id"], 0)
    assert (await assert_error(again, 409, "review_exists"))["review_id"] == review["id"]
    # The author edits it; it says so.
    edited = await mia.patch(f"/api/reviews/{review['id']}", json={"stars": 2}, headers=origin(mia))
    assert edited.status == 200, await edited.text()
    body = (await edited.json())["review"]
    assert (body["stars"], body["text"], body["edited"]) == (2, "Soft\nand warm", True)
    assert (await _listed(leo, tee))["rating"] == {"average": 2.0, "count": 1}


async def test_who_may_not_review(alice: Client, two_items: TwoItemShop, buyers: Buyers) -> None:
    mia, eve = await buyers("Mia"), await buyers("Eve")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    # Eve never bought it: a clear refusal, and nothing stored.
    details = await assert_error(await _write(eve, order["id"], 0), 403, "review_not_allowed")
    assert details["reason"] == "not_bought"
    details = await assert_error(await _write(eve, "ord_nothing", 0), 403, "review_not_allowed")
    assert details["reason"] == "not_bought"
    # An order not paid yet.
    unpaid = (await placed_order(eve, two_items.show_id, [(two_items.mug, 1)]))["order"]
    details = await assert_error(await _write(eve, unpaid["id"], 0), 403, "review_not_allowed")
    assert details["reason"] == "not_paid"
    # A line that does not exist; bad stars; a creator (not a guest buyer).
    details = await assert_error(await _write(mia, order["id"], 1), 403, "review_not_allowed")
    assert details["reason"] == "not_bought"
    await assert_error(await _write(mia, order["id"], 0, stars=6), 400, "validation_failed")
    await assert_error(await _write(mia, order["id"], 0, stars=True), 400, "validation_failed")
    await assert_error(await _write(alice, order["id"], 0), 401, "viewer_required")
    tee = _product_of(order, two_items.tee)
    assert (await _listed(eve, tee))["reviews"] == []

    # Who may write asks the server: the buyer's lines, or why not.
    mine = await (await mia.get(f"/api/products/{tee}/reviewable")).json()
    assert mine == {"lines": [{"order_id": order["id"], "line": 0, "review_id": None}]}
    refused = await eve.get(f"/api/products/{tee}/reviewable")
    assert (await assert_error(refused, 403, "review_not_allowed"))["reason"] == "not_bought"
    mug = _product_of(unpaid, two_items.mug)
    refused = await eve.get(f"/api/products/{mug}/reviewable")
    assert (await assert_error(refused, 403, "review_not_allowed"))["reason"] == "not_paid"

    review = await _written(mia, order["id"], 0)
    mine = await (await mia.get(f"/api/products/{tee}/reviewable")).json()
    assert mine["lines"][0]["review_id"] == review["id"]
    # Eve cannot edit Mia's review, nor can she decide on it.
    other = await eve.patch(f"/api/reviews/{review['id']}", json={"stars": 1}, headers=origin(eve))
    await assert_error(other, 403, "not_owner")
    decision = await _post(eve, f"/api/reviews/{review['id']}/decision", {"action": "remove"})
    await assert_error(decision, 403, "not_owner")
    assert (await _listed(eve, tee))["reviews"][0]["stars"] == 5


async def test_replies_belong_to_the_shop(
    alice: Client, bob: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    review = await _written(mia, order["id"], 0)
    path = f"/api/reviews/{review['id']}/reply"
    refused = await bob.put(path, json={"text": "Buy mine"}, headers=origin(bob))
    await assert_error(refused, 403, "not_owner")
    first = await alice.put(path, json={"text": "Thank you!"}, headers=origin(alice))
    assert first.status == 200, await first.text()
    assert (await first.json())["review"]["reply"]["edited"] is False
    second = await alice.put(path, json={"text": "Thanks, Mia"}, headers=origin(alice))
    reply = (await second.json())["review"]["reply"]
    assert (reply["text"], reply["edited"]) == ("Thanks, Mia", True)
    listed = await _listed(leo, _product_of(order, two_items.tee))
    assert listed["reviews"][0]["reply"]["text"] == "Thanks, Mia"


async def test_a_report_hides_until_the_shop_decides(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo, eve = await buyers("Mia"), await buyers("Leo"), await buyers("Eve")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    tee = _product_of(order, two_items.tee)
    review = await _written(mia, order["id"], 0, stars=1)
    first = await _post(eve, f"/api/reviews/{review['id']}/report")
    assert (await first.json()) == {"reported": True, "counted": True}
    # Hidden from others (and from the rating); the author still sees it, marked reported.
    assert (await _listed(leo, tee)) == {
        "rating": {"average": None, "count": 0},
        "reviews": [],
        "next_cursor": None,
    }
    own = await (await mia.get(f"/api/orders/{order['id']}/reviews")).json()
    assert [(r["state"], r["shown"]) for r in own["reviews"]] == [("reported", False)]
    # Eve's second report counts nothing; Leo cannot report what he cannot see.
    twice = await _post(eve, f"/api/reviews/{review['id']}/report")
    assert (await twice.json())["counted"] is False
    hidden = await _post(leo, f"/api/reviews/{review['id']}/report")
    await assert_error(hidden, 404, "review_not_found")
    queue = await (await alice.get("/api/console/reviews?state=reported")).json()
    assert [r["id"] for r in queue["reviews"]] == [review["id"]]

    restored = await _post(alice, f"/api/reviews/{review['id']}/decision", {"action": "restore"})
    assert (await restored.json())["review"]["state"] == "published"
    assert (await _listed(leo, tee))["rating"] == {"average": 1.0, "count": 1}
    # Restored by the shop: later reports count but no longer hide it.
    assert (await (await _post(leo, f"/api/reviews/{review['id']}/report")).json())["counted"]
    assert len((await _listed(leo, tee))["reviews"]) == 1
    removed = await _post(alice, f"/api/reviews/{review['id']}/decision", {"action": "remove"})
    assert (await removed.json())["review"]["state"] == "removed"
    assert (await _listed(leo, tee))["reviews"] == []


async def test_a_moderator_of_the_shop_decides_and_another_shops_cannot(
    alice: Client, bob: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, mod = await buyers("Mia"), await buyers("Mod")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    review = await _written(mia, order["id"], 0)
    await _post(mod, f"/api/reviews/{review['id']}/report")
    path = f"/api/reviews/{review['id']}/decision"
    # Not yet a moderator; Bob's shop did not sell it.
    await assert_error(await _post(mod, path, {"action": "restore"}), 403, "not_owner")
    await assert_error(await _post(bob, path, {"action": "restore"}), 403, "not_owner")
    await assert_error(await _post(alice, path, {"action": "hide"}), 400, "validation_failed")
    mod_id = (await become_viewer(mod, "Mod"))["id"]
    added = await _post(alice, "/api/moderators", {"viewer_id": mod_id})
    assert added.status == 201, await added.text()
    restored = await _post(mod, path, {"action": "restore"})
    assert restored.status == 200, await restored.text()
    assert (await restored.json())["review"]["state"] == "published"
    # Bob cannot see Alice's reviews in his console either.
    theirs = await (await bob.get("/api/console/reviews")).json()
    assert theirs == {"reviews": [], "next_cursor": None}


async def test_a_refund_of_the_line_hides_the_review(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1), (two_items.mug, 1)])
    tee_line, mug_line = position(order, two_items.tee), position(order, two_items.mug)
    tee, mug = _product_of(order, two_items.tee), _product_of(order, two_items.mug)
    await _written(mia, order["id"], tee_line, stars=5)
    mug_review = await _written(mia, order["id"], mug_line, stars=1)
    refunded = await _post(alice, f"/api/orders/{order['id']}/refund", {"lines": [mug_line]})
    assert refunded.status == 200, await refunded.text()
    assert (await _listed(leo, mug))["rating"] == {"average": None, "count": 0}
    assert (await _listed(leo, tee))["rating"] == {"average": 5.0, "count": 1}
    own = await (await mia.get(f"/api/orders/{order['id']}/reviews")).json()
    mine = {r["id"]: r for r in own["reviews"]}
    assert (mine[mug_review["id"]]["refunded"], mine[mug_review["id"]]["shown"]) == (True, False)
    # Refunded in full: the Tee's review goes too.
    full = await _post(alice, f"/api/orders/{order['id']}/refund", {"lines": [tee_line]})
    assert (await full.json())["order"]["status"] == "refunded"
    assert (await _listed(leo, tee))["rating"] == {"average": None, "count": 0}
    # Refunded: no new review, no edit of the old one.
    edit = await mia.patch(
        f"/api/reviews/{mug_review['id']}", json={"stars": 5}, headers=origin(mia)
    )
    assert (await assert_error(edit, 403, "review_not_allowed"))["reason"] == "refunded"


async def test_photos_votes_and_sorting(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia, leo, eve = await buyers("Mia"), await buyers("Leo"), await buyers("Eve")
    first = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    second = await paid_order(leo, two_items.show_id, [(two_items.tee, 1)])
    tee = _product_of(first, two_items.tee)

    def photo_path(order: dict[str, Any]) -> str:
        return f"/api/reviews/photos?order_id={order['id']}&line=0"

    png = make_image("PNG")
    upload = await mia.post(
        photo_path(first), data=png, headers={**origin(mia), "Content-Type": "image/png"}
    )
    assert upload.status == 201, await upload.text()
    photo = (await upload.json())["image"]
    # The same checks as product images; and only for a line one may review.
    svg = await mia.post(
        photo_path(first), data=SVG, headers={**origin(mia), "Content-Type": "image/png"}
    )
    await assert_error(svg, 400, "invalid_image")
    stranger = await eve.post(
        photo_path(first), data=png, headers={**origin(eve), "Content-Type": "image/png"}
    )
    await assert_error(stranger, 403, "review_not_allowed")
    # Leo cannot attach Mia's photo to his review.
    stolen = await _write(leo, second["id"], 0, photo_ids=[photo["id"]])
    await assert_error(stolen, 400, "validation_failed")

    # Nine uploads for one line at most (three shown); the tenth is refused.
    for _ in range(8):
        more = await mia.post(
            photo_path(first), data=png, headers={**origin(mia), "Content-Type": "image/png"}
        )
        assert more.status == 201, await more.text()
    tenth = await mia.post(
        photo_path(first), data=png, headers={**origin(mia), "Content-Type": "image/png"}
    )
    assert (await assert_error(tenth, 400, "validation_failed"))["reason"] == "too_many"
    with_photo = await _written(mia, first["id"], 0, stars=5, photo_ids=[photo["id"]])
    plain = await _written(leo, second["id"], 0, stars=3)
    assert with_photo["photos"] == [{"id": photo["id"], "url": f"/images/{photo['id']}"}]
    assert (await leo.get(with_photo["photos"][0]["url"])).status == 200

    newest = await _listed(eve, tee, "?sort=newest")
    assert [r["id"] for r in newest["reviews"]] == [plain["id"], with_photo["id"]]
    photos = await _listed(eve, tee, "?sort=photos")
    assert [r["id"] for r in photos["reviews"]] == [with_photo["id"]]
    # Helpful: one vote per person; the author cannot vote for their own.
    for voter in (eve, eve, leo):
        await _post(voter, f"/api/reviews/{with_photo['id']}/helpful")
    own = await _post(mia, f"/api/reviews/{with_photo['id']}/helpful")
    await assert_error(own, 400, "validation_failed")
    helpful = await _listed(eve, tee, "?sort=helpful")
    assert [(r["id"], r["helpful_count"]) for r in helpful["reviews"]] == [
        (with_photo["id"], 2),
        (plain["id"], 0),
    ]
    # Paged by cursor: one at a time, then the end.
    page = await _listed(eve, tee, "?sort=helpful&limit=1")
    assert [r["id"] for r in page["reviews"]] == [with_photo["id"]]
    rest = await _listed(eve, tee, f"?sort=helpful&limit=1&cursor={page['next_cursor']}")
    assert ([r["id"] for r in rest["reviews"]], rest["next_cursor"]) == ([plain["id"]], None)
    await assert_error(
        await eve.get(f"/api/products/{tee}/reviews?cursor=garbage"), 400, "validation_failed"
    )


async def test_the_next_pin_carries_the_rating(
    alice: Client, two_items: TwoItemShop, buyers: Buyers
) -> None:
    mia = await buyers("Mia")
    order = await paid_order(mia, two_items.show_id, [(two_items.tee, 1)])
    tee = _product_of(order, two_items.tee)
    before = await _post(alice, f"/api/shows/{two_items.show_id}/pin", {"product_id": tee})
    assert (await before.json())["pin"]["rating"] is None
    await _written(mia, order["id"], 0, stars=4)
    after = await _post(alice, f"/api/shows/{two_items.show_id}/pin", {"product_id": tee})
    assert (await after.json())["pin"]["rating"] == {"average": 4.0, "count": 1}
    other = await create_product(alice, sku="OTHER-1")
    assert (await (await alice.get(f"/api/products/{other['id']}/reviews")).json())["rating"] == {
        "average": None,
        "count": 0,
    }
