"""Direct messages over HTTP: an exchange, read state, cards, moderators, a hostile second
client, block, report, cleaning, the send limit and who may write (a viewer with an
account), on both engines, as the folder runs."""

from __future__ import annotations

from livesale.composition.services import SERVICES
from livesale.domain.messages import Side
from tests.messages.conftest import SENDS_PER_WINDOW
from tests.support.clients import Buyers, Client, assert_error, become_viewer, origin
from tests.support.messages import (
    answer,
    inbox,
    my_id,
    read_thread,
    set_block,
    started,
    write_to_shop,
)
from tests.support.shopping import paid_order
from tests.support.viewer_accounts import make_account
from tests.support.world import create_product, open_live_shop


async def test_a_viewer_and_a_shop_exchange_messages_with_read_state(
    alice: Client, members: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    sent = await started(mia, alice_id, "Does the tee come in blue?")
    conversation_id = sent["conversation_id"]
    assert sent["message"]["text"] == "Does the tee come in blue?"
    assert sent["message"]["mine"] is True
    # Writing again goes to the same conversation.
    again = await started(mia, alice_id, "Size M please")
    assert again["conversation_id"] == conversation_id

    shop = await inbox(alice, alice_id)
    assert shop["unread"] == 2
    [entry] = shop["conversations"]
    assert entry["with"]["name"] == "Mia"
    assert entry["last"]["text"] == "Size M please"
    # The viewer's own messages are not unread to them.
    assert (await inbox(mia))["unread"] == 0

    thread = await read_thread(alice, conversation_id)
    assert [m["text"] for m in thread["messages"]] == [
        "Does the tee come in blue?",
        "Size M please",
    ]
    assert [m["mine"] for m in thread["messages"]] == [False, False]
    assert (await inbox(alice, alice_id))["unread"] == 0

    reply = await answer(alice, conversation_id, "Yes, tomorrow!")
    assert reply.status == 201, await reply.text()
    mine = await inbox(mia)
    assert mine["unread"] == 1
    assert mine["conversations"][0]["with"] == {"id": alice_id, "name": "Alice"}
    seen = await read_thread(mia, conversation_id)
    last = seen["messages"][-1]
    assert (last["side"], last["text"], last["mine"]) == ("shop", "Yes, tomorrow!", False)
    # The viewer sees the shop, not who in the shop answered.
    assert "author" not in last
    assert (await inbox(mia))["unread"] == 0
    # The shop sees that the viewer has read its answer.
    assert (await read_thread(alice, conversation_id))["conversation"]["other_read_up_to"] == last[
        "id"
    ]


async def test_a_stranger_cannot_read_write_block_or_report_a_conversation(
    alice: Client, bob: Client, anonymous: Client, members: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    mia, leo = await members("Mia"), await members("Leo")
    conversation_id = (await started(mia, alice_id, "private question"))["conversation_id"]
    for stranger in (leo, bob, anonymous):
        await assert_error(
            await stranger.get(f"/api/conversations/{conversation_id}"),
            404,
            "conversation_not_found",
        )
        await assert_error(
            await answer(stranger, conversation_id, "let me in"), 404, "conversation_not_found"
        )
        await assert_error(
            await set_block(stranger, conversation_id, True), 404, "conversation_not_found"
        )
        reported = await stranger.post(
            f"/api/conversations/{conversation_id}/reports",
            json={"reason": "spam"},
            headers=origin(stranger),
        )
        await assert_error(reported, 404, "conversation_not_found")
    # Another creator, or a guest, cannot read Alice's shop inbox.
    await assert_error(await bob.get(f"/api/shops/{alice_id}/messages"), 403, "not_moderator")
    await assert_error(await leo.get(f"/api/shops/{alice_id}/messages"), 403, "not_moderator")
    assert (await inbox(leo))["conversations"] == []
    # Nobody wrote anything in the conversation.
    thread = await read_thread(mia, conversation_id)
    assert [m["text"] for m in thread["messages"]] == ["private question"]
    assert thread["conversation"]["blocked"] is False
    # A creator (with a guest name in the same browser) cannot write to their own shop.
    await become_viewer(alice, "Alice as a guest")
    await assert_error(await write_to_shop(alice, alice_id, "hi me"), 403, "dm_own_shop")
    # No guest identity: choose a name first; another site cannot write in the person's name.
    await assert_error(await write_to_shop(anonymous, alice_id, "hi"), 401, "viewer_required")
    cross = await mia.post(
        f"/api/creators/{alice_id}/messages",
        json={"text": "forged"},
        headers={"Origin": "https://evil.example"},
    )
    await assert_error(cross, 403, "cross_site_refused")


async def test_a_viewer_attaches_only_their_own_order_and_the_shops_products(
    alice: Client, bob: Client, members: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    shop = await open_live_shop(alice)
    mia, leo = await members("Mia"), await members("Leo")
    order = await paid_order(mia, shop.show_id, [(shop.variant_id, 2)])

    sent = await started(mia, alice_id, "Where is my parcel?", order_id=order["id"])
    card = sent["message"]["card"]
    assert card["kind"] == "order"
    assert (card["id"], card["status"], card["items"]) == (order["id"], "paid", 2)
    assert (card["total_minor"], card["currency"]) == (order["total_minor"], order["currency"])
    # The shop sees the same card in the thread.
    thread = await read_thread(alice, sent["conversation_id"])
    assert thread["messages"][0]["card"] == card

    # Leo cannot attach Mia's order: as if it did not exist, and nothing is opened.
    await assert_error(
        await write_to_shop(leo, alice_id, "mine now", order_id=order["id"]), 404, "order_not_found"
    )
    assert (await inbox(leo))["conversations"] == []
    # Mia's order from Alice is not about Bob's shop either.
    bob_id = await my_id(bob, "creator")
    await assert_error(
        await write_to_shop(mia, bob_id, "hi", order_id=order["id"]), 404, "order_not_found"
    )
    # From the order page: the shop is the order's, the card is the order.
    from_order = await mia.post(
        f"/api/orders/{order['id']}/messages", json={"text": "About this one"}, headers=origin(mia)
    )
    assert from_order.status == 201, await from_order.text()
    from_order_body = await from_order.json()
    assert from_order_body["conversation_id"] == sent["conversation_id"]
    assert from_order_body["message"]["card"]["id"] == order["id"]
    stolen = await leo.post(
        f"/api/orders/{order['id']}/messages", json={"text": "mine"}, headers=origin(leo)
    )
    await assert_error(stolen, 404, "order_not_found")
    # A product card: the shop's own products only.
    bob_product = await create_product(bob, sku="BOB-1")
    await assert_error(
        await write_to_shop(mia, alice_id, "this?", product_id=bob_product["id"]),
        404,
        "product_not_found",
    )
    about = await started(mia, alice_id, "And this one?", product_id=shop.product["id"])
    product_card = about["message"]["card"]
    assert product_card["kind"] == "product"
    assert (product_card["title"], product_card["price_minor"]) == (shop.product["title"], 2500)
    both = await write_to_shop(
        mia, alice_id, "two", order_id=order["id"], product_id=shop.product["id"]
    )
    await assert_error(both, 400, "validation_failed")


async def test_a_moderator_answers_for_the_shop_and_only_the_shop_sees_who(
    alice: Client, members: Buyers, buyers: Buyers
) -> None:
    alice_id = await my_id(alice, "creator")
    # Leo has no account: the creator vouched for him by naming him a moderator.
    mia, leo = await members("Mia"), await buyers("Leo")
    conversation_id = (await started(mia, alice_id, "Hello?"))["conversation_id"]
    leo_id = await my_id(leo, "viewer")
    named = await alice.post("/api/moderators", json={"viewer_id": leo_id}, headers=origin(alice))
    assert named.status == 201, await named.text()

    assert (await inbox(leo, alice_id))["unread"] == 1
    reply = await answer(leo, conversation_id, "Hi, Leo from the shop here")
    assert reply.status == 201, await reply.text()
    as_viewer = (await read_thread(mia, conversation_id))["messages"][-1]
    assert as_viewer["side"] == "shop"
    assert "author" not in as_viewer
    as_shop = (await read_thread(alice, conversation_id))["messages"][-1]
    assert as_shop["author"] == {"id": leo_id, "name": "Leo"}

    removed = await alice.delete(f"/api/moderators/{leo_id}", headers=origin(alice))
    assert removed.status == 204, await removed.text()
    await assert_error(
        await answer(leo, conversation_id, "still here"), 404, "conversation_not_found"
    )
    await assert_error(await leo.get(f"/api/shops/{alice_id}/messages"), 403, "not_moderator")


async def test_a_block_from_either_side_stops_every_message(alice: Client, members: Buyers) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    conversation_id = (await started(mia, alice_id, "first"))["conversation_id"]

    blocked = await set_block(mia, conversation_id, True)
    assert blocked.status == 200, await blocked.text()
    assert (await blocked.json())["conversation"]["blocked_by_me"] is True
    await assert_error(await answer(alice, conversation_id, "buy more"), 403, "dm_blocked")
    await assert_error(await answer(mia, conversation_id, "oops"), 403, "dm_blocked")
    await assert_error(await write_to_shop(mia, alice_id, "again"), 403, "dm_blocked")
    shop_view = (await read_thread(alice, conversation_id))["conversation"]
    assert (shop_view["blocked"], shop_view["blocked_by_me"]) == (True, False)
    # The shop cannot lift the viewer's block; the viewer can.
    assert (await set_block(alice, conversation_id, False)).status == 200
    await assert_error(await answer(alice, conversation_id, "please"), 403, "dm_blocked")
    assert (await set_block(mia, conversation_id, False)).status == 200
    assert (await answer(alice, conversation_id, "welcome back")).status == 201

    # The shop blocks the viewer: starting over from the creator page does not get through.
    assert (await set_block(alice, conversation_id, True)).status == 200
    await assert_error(await write_to_shop(mia, alice_id, "hello?"), 403, "dm_blocked")
    texts = [m["text"] for m in (await read_thread(alice, conversation_id))["messages"]]
    assert texts == ["first", "welcome back"]


async def test_reports_are_kept_for_the_operator(alice: Client, members: Buyers) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    sent = await started(mia, alice_id, "hello")
    conversation_id = sent["conversation_id"]
    reply = await answer(alice, conversation_id, "rude words")
    message_id = (await reply.json())["message"]["id"]
    reported = await mia.post(
        f"/api/conversations/{conversation_id}/reports",
        json={"reason": "insulting", "message_id": message_id},
        headers=origin(mia),
    )
    assert reported.status == 201, await reported.text()
    elsewhere = await mia.post(
        f"/api/conversations/{conversation_id}/reports",
        json={"reason": "insulting", "message_id": message_id + 1000},
        headers=origin(mia),
    )
    details = await assert_error(elsewhere, 400, "validation_failed")
    assert (details["field"], details["reason"]) == ("message_id", "not_found")
    empty = await alice.post(
        f"/api/conversations/{conversation_id}/reports", json={}, headers=origin(alice)
    )
    await assert_error(empty, 400, "validation_failed")
    repo = alice.app[SERVICES].messages.repo
    assert await repo.reports(conversation_id) == [
        ((await reported.json())["id"], "viewer", "insulting")
    ]


async def test_text_is_cleaned_like_chat_and_kept_verbatim(alice: Client, members: Buyers) -> None:
    alice_id = await my_id(alice, "creator")
    mia = await members("Mia")
    limit = alice.app[SERVICES].settings.messages.max_length
    await assert_error(await write_to_shop(mia, alice_id, "  \u200b "), 400, "chat_empty")
    details = await assert_error(
        await write_to_shop(mia, alice_id, "x" * (limit + 1)), 400, "chat_too_long"
    )
    assert details["max_length"] == limit
    # Refused messages opened nothing.
    assert (await inbox(mia))["conversations"] == []
    markup = "<img src=x onerror=alert(1)>\u202e hi"
    sent = await started(mia, alice_id, markup)
    assert sent["message"]["text"] == "<img src=x onerror=alert(1)> hi"


async def test_the_send_limit_is_per_sender(alice: Client, members: Buyers) -> None:
    alice_id = await my_id(alice, "creator")
    mia, leo = await members("Mia"), await members("Leo")
    conversation_id = (await started(mia, alice_id, "1"))["conversation_id"]
    for n in range(2, SENDS_PER_WINDOW + 1):
        assert (await answer(mia, conversation_id, str(n))).status == 201
    details = await assert_error(
        await answer(mia, conversation_id, "one more"), 429, "rate_limited"
    )
    assert details["limit"] == SENDS_PER_WINDOW
    # Another sender is not held back by Mia's sends.
    assert (await write_to_shop(leo, alice_id, "hi")).status == 201
    assert (await answer(alice, conversation_id, "slow down")).status == 201
    texts = [m["text"] for m in (await read_thread(mia, conversation_id))["messages"]]
    assert texts[-1] == "slow down"
    assert "one more" not in texts


async def test_only_a_viewer_with_an_account_writes_and_a_refusal_stores_nothing(
    anonymous: Client, alice: Client
) -> None:
    alice_id = await my_id(alice, "creator")
    await assert_error(await anonymous.get("/api/messages"), 401, "viewer_required")
    await assert_error(await write_to_shop(anonymous, alice_id, "hi"), 401, "viewer_required")
    await become_viewer(anonymous, "Zoe")
    details = await assert_error(
        await write_to_shop(anonymous, alice_id, "a guest name is not enough"),
        403,
        "account_required",
    )
    assert "POST /api/viewer/account" in details["create_with"]
    # Refused before anything was opened: neither side has a conversation.
    assert (await inbox(anonymous))["conversations"] == []
    assert (await inbox(alice, alice_id))["conversations"] == []
    await make_account(anonymous)
    assert (await write_to_shop(anonymous, alice_id, "now I can")).status == 201
    [entry] = (await inbox(alice, alice_id))["conversations"]
    assert entry["last"]["text"] == "now I can"


async def test_a_guest_with_an_older_conversation_reads_and_blocks_but_does_not_write(
    anonymous: Client, alice: Client
) -> None:
    """A conversation opened before accounts were needed: readable, blockable, not writable."""
    alice_id = await my_id(alice, "creator")
    zoe = await become_viewer(anonymous, "Zoe")
    repo = alice.app[SERVICES].messages.repo
    conversation = await repo.open(zoe["id"], alice_id)
    await repo.add(conversation.id, Side.VIEWER, zoe["id"], "from before", None)
    thread = await read_thread(anonymous, conversation.id)
    assert [m["text"] for m in thread["messages"]] == ["from before"]
    await assert_error(
        await answer(anonymous, conversation.id, "one more"), 403, "account_required"
    )
    await assert_error(
        await write_to_shop(anonymous, alice_id, "and again"), 403, "account_required"
    )
    assert (await answer(alice, conversation.id, "hello Zoe")).status == 201
    assert (await set_block(anonymous, conversation.id, True)).status == 200
    texts = [m["text"] for m in (await read_thread(alice, conversation.id))["messages"]]
    assert texts == ["from before", "hello Zoe"]
