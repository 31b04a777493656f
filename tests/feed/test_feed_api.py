"""GET /api/feed: cursor pages, a feed per viewer, the personalisation switch, and a watch
in a real room changing the next feed."""

from __future__ import annotations

from typing import Any

from livesale.composition.services import SERVICES
from tests.room.helpers import room
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.world import create_show

DEADLINE = 10.0


async def _feed(client: Client, **params: str) -> dict[str, Any]:
    response = await client.get("/api/feed", params=params)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def _reasons(feed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["show"]["title"]: item["reason"] for item in feed["items"]}


async def _live_show(client: Client, title: str) -> str:
    show_id: str = (await create_show(client, title=title))["show"]["id"]
    await client.app[SERVICES].live.lifecycle.went_live(show_id)
    return show_id


async def _creator_id(client: Client) -> str:
    creator_id: str = (await (await client.get("/api/auth/me")).json())["creator"]["id"]
    return creator_id


async def test_pages_follow_the_cursor_without_repeats(alice: Client, anonymous: Client) -> None:
    titles = {f"Show {n}" for n in range(5)}
    for title in titles:
        await create_show(alice, title=title)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2"} if cursor is None else {"limit": "2", "cursor": cursor}
        page = await _feed(anonymous, **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [item["show"]["title"] for item in page["items"]]
        for item in page["items"]:
            assert item["kind"] == "upcoming"
            assert item["show"]["creator"]["display_name"] == "Alice"
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(titles)
    assert page["personalised"] is False
    for bad in ({"cursor": "abc"}, {"cursor": "-1"}, {"limit": "0"}, {"limit": "51"}):
        details = await assert_error(
            await anonymous.get("/api/feed", params=bad), 400, "validation_failed"
        )
        assert details["field"] in bad


async def test_each_viewer_sees_their_own_feed_and_can_turn_it_off(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    await _live_show(bob, "Bob live")
    await create_show(alice, title="Alice soon")
    mia, leo = await buyers("Mia"), await buyers("Leo")
    alice_id = await _creator_id(alice)
    assert (await mia.put(f"/api/creators/{alice_id}/follow", headers=origin(mia))).status == 200

    mine = await _feed(mia)
    assert mine["personalised"] is True
    assert mine["items"][0]["show"]["title"] == "Alice soon"
    assert mine["items"][0]["reason"] == {"code": "following", "params": {"creator": "Alice"}}
    # Leo follows nobody: the live show first, nothing said about following.
    theirs = await _feed(leo)
    assert theirs["items"][0]["show"]["title"] == "Bob live"
    assert all(item["reason"]["code"] != "following" for item in theirs["items"])

    # Off: popularity and recency only, remembered across requests; follows stay.
    response = await mia.put(
        "/api/feed/settings", json={"personalised": False}, headers=origin(mia)
    )
    assert await response.json() == {"personalised": False, "viewer": True}
    assert await (await mia.get("/api/feed/settings")).json() == {
        "personalised": False,
        "viewer": True,
    }
    off = await _feed(mia)
    assert off["personalised"] is False
    assert [item["show"]["title"] for item in off["items"]] == ["Bob live", "Alice soon"]
    assert all(item["reason"]["code"] in ("popular", "recent") for item in off["items"])
    assert (await (await mia.get(f"/api/creators/{alice_id}/follow")).json())["following"]
    await mia.put("/api/feed/settings", json={"personalised": True}, headers=origin(mia))
    assert (await _feed(mia))["items"][0]["reason"]["code"] == "following"


async def test_the_switch_needs_a_guest_and_a_boolean(anonymous: Client, buyers: Buyers) -> None:
    assert await (await anonymous.get("/api/feed/settings")).json() == {
        "personalised": False,
        "viewer": False,
    }
    response = await anonymous.put(
        "/api/feed/settings", json={"personalised": False}, headers=origin(anonymous)
    )
    await assert_error(response, 401, "viewer_required")
    mia = await buyers("Mia")
    for body in ({"personalised": "no"}, {}, {"personalised": True, "extra": 1}):
        response = await mia.put("/api/feed/settings", json=body, headers=origin(mia))
        await assert_error(response, 400, "validation_failed")
    assert (await (await mia.get("/api/feed/settings")).json())["personalised"] is True


async def test_a_watch_in_the_room_changes_the_next_feed(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    friday = await _live_show(alice, "Friday Drop")
    bobs = await _live_show(bob, "Bob's bargains")
    leo, mia = await buyers("Leo"), await buyers("Mia")
    # Leo watches both shows: Alice's and Bob's audiences are now linked.
    for show_id in (friday, bobs):
        async with room(leo, show_id):
            pass
    signals = alice.app[SERVICES].discovery.signals

    async def bobs_reason() -> dict[str, Any]:
        return _reasons(await _feed(mia))["Bob's bargains"]

    async def counted() -> bool:
        await signals.drain()
        return bool((await bobs_reason())["code"] == "popular")

    await poll_until(counted, DEADLINE, "Leo's watching to count as Bob's audience")
    async with room(mia, friday):
        pass

    async def linked() -> bool:
        await signals.drain()
        return bool((await bobs_reason())["code"] == "also_watched")

    await poll_until(linked, DEADLINE, "Mia's feed to link Bob's show to the one she watched")
    assert await bobs_reason() == {"code": "also_watched", "params": {"show": "Friday Drop"}}
    # What Mia watched herself is Alice's: her own history names the creator.
    assert _reasons(await _feed(mia))["Friday Drop"] == {
        "code": "watched_creator",
        "params": {"creator": "Alice"},
    }


async def test_watching_a_category_lifts_its_shows_by_other_creators(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    lipstick = (await create_show(alice, title="Lipstick live", category="beauty"))["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(lipstick)
    await create_show(bob, title="Bob's serums", category="beauty")
    await create_show(bob, title="Bob's gadgets", category="electronics")
    mia = await buyers("Mia")
    signals = alice.app[SERVICES].discovery.signals
    async with room(mia, lipstick):
        pass

    async def learnt() -> bool:
        await signals.drain()
        return bool(_reasons(await _feed(mia))["Bob's serums"]["code"] == "likes_category")

    await poll_until(learnt, DEADLINE, "Mia's feed to learn that she watches beauty")
    reasons = _reasons(await _feed(mia))
    assert reasons["Bob's serums"] == {"code": "likes_category", "params": {"category": "beauty"}}
    assert reasons["Bob's gadgets"]["code"] in ("popular", "recent")
    titles = [item["show"]["title"] for item in (await _feed(mia))["items"]]
    assert titles.index("Bob's serums") < titles.index("Bob's gadgets")
