"""Giveaways through the API: a fair draw made once, one entry per guest, the winner's free
order, and who may do what."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from tests.room.helpers import room
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.polling import poll
from tests.support.shopping import levels, seller_order
from tests.support.world import BUYER, LiveShop, open_live_shop

DURATION = 10  # the shortest giveaway


async def start_giveaway(alice: Client, shop: LiveShop, seconds: int = DURATION) -> dict[str, Any]:
    """Start a giveaway on the shop's variant; returns it as the API answers."""
    response = await alice.post(
        f"/api/shows/{shop.show_id}/giveaways",
        json={"variant_id": shop.variant_id, "duration_seconds": seconds, "rules": "One each."},
        headers=origin(alice),
    )
    assert response.status == 201, await response.text()
    giveaway: dict[str, Any] = (await response.json())["giveaway"]
    return giveaway


async def enter(client: Client, show_id: str, giveaway_id: str) -> Any:
    """A guest's entry request (the raw response)."""
    return await client.post(
        f"/api/shows/{show_id}/giveaways/{giveaway_id}/entries", headers=origin(client)
    )


async def draw_when_closed(alice: Client, show_id: str, giveaway_id: str) -> dict[str, Any]:
    """Draw as soon as the entries have closed (giveaway_not_ended until then)."""
    path = f"/api/shows/{show_id}/giveaways/{giveaway_id}/draw"

    async def attempt() -> dict[str, Any] | None:
        response = await alice.post(path, headers=origin(alice))
        if response.status == 409:
            await assert_error(response, 409, "giveaway_not_ended")
            return None
        assert response.status == 200, await response.text()
        drawn: dict[str, Any] = (await response.json())["giveaway"]
        return drawn

    drawn: dict[str, Any] = await poll(attempt, DURATION + 10, "the entries to close")
    return drawn


async def draw_on(
    session: aiohttp.ClientSession, server: TestServer, show_id: str, giveaway_id: str
) -> dict[str, Any]:
    """Draw through another process (`server`) as soon as the entries have closed."""
    url = server.make_url(f"/api/shows/{show_id}/giveaways/{giveaway_id}/draw")
    headers = {"Origin": str(server.make_url("/")).rstrip("/")}

    async def attempt() -> dict[str, Any] | None:
        async with session.post(url, headers=headers) as response:
            body = await response.json()
            if response.status == 409:
                assert body["error"]["code"] == "giveaway_not_ended"
                return None
            assert response.status == 200, body
            drawn: dict[str, Any] = body["giveaway"]
            return drawn

    drawn: dict[str, Any] = await poll(attempt, DURATION + 10, "the entries to close")
    return drawn


def recomputed_winner(seed: str, entry_ids: list[str]) -> str:
    """The documented formula, written again here from the docs, not imported."""
    ordered = sorted(entry_ids)
    digest = hashlib.sha256((seed + ":" + "\n".join(ordered)).encode("utf-8")).hexdigest()
    return ordered[int(digest, 16) % len(ordered)]


async def test_a_fair_draw_once_across_two_processes_and_the_winners_free_order(
    alice: Client, buyers: Buyers, buyers2: Buyers, server2: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=5)
    async with room(alice, shop.show_id) as socket:
        giveaway = await start_giveaway(alice, shop)
        started = await socket.next("giveaway_started")
    gid = giveaway["id"]
    # The seed's hash is out before any entry; the seed itself is not.
    assert started["giveaway"]["seed_hash"] == giveaway["seed_hash"]
    assert started["giveaway"]["entries_count"] == 0
    assert giveaway["seed"] is None
    assert len(giveaway["seed_hash"]) == 64
    # The unit is taken from stock at the start.
    assert (await levels(alice, shop.variant_id))[0] == 4

    guests = [await buyers(f"Guest {n}") for n in range(3)] + [await buyers2("Far guest")]
    # One guest's many tabs at once get one entry.
    repeated = await asyncio.gather(*(enter(guests[0], shop.show_id, gid) for _ in range(8)))
    statuses = sorted(response.status for response in repeated)
    assert statuses == [200] * 7 + [201]
    ids = {(await response.json())["entry"]["id"] for response in repeated}
    assert len(ids) == 1
    for guest in guests[1:]:
        assert (await enter(guest, shop.show_id, gid)).status == 201

    # Two processes draw at once: one draw, the same answer for both.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        session.cookie_jar.update_cookies(
            alice.session.cookie_jar.filter_cookies(alice.make_url("/"))
        )
        first, second = await asyncio.gather(
            draw_when_closed(alice, shop.show_id, gid),
            draw_on(session, server2, shop.show_id, gid),
        )
    assert first == {**second, "server_now_ms": first["server_now_ms"]}
    assert first["state"] == "drawn"
    assert first["entries_count"] == 4

    # Anyone recomputes the winner from the published seed and entries.
    proof = await (await guests[1].get(f"/api/giveaways/{gid}/draw")).json()
    assert hashlib.sha256(proof["seed"].encode()).hexdigest() == giveaway["seed_hash"]
    entry_ids = [entry["id"] for entry in proof["entries"]]
    assert sorted(entry_ids) == ["000001", "000002", "000003", "000004"]
    assert all(set(entry) == {"id", "name"} for entry in proof["entries"])
    winner_id = recomputed_winner(proof["seed"], entry_ids)
    assert proof["winner_entry_id"] == winner_id == first["winner"]["entry_id"]
    names = {entry["id"]: entry["name"] for entry in proof["entries"]}
    assert first["winner"]["name"] == names[winner_id]

    # Each guest learns whether they won; only the winner may claim.
    winner = loser = None
    for guest in guests:
        mine = await (await guest.get(f"/api/shows/{shop.show_id}/giveaways/{gid}")).json()
        if mine["you"]["won"]:
            winner = guest
        else:
            loser = guest
        assert mine["you"]["entry_id"] in names
    assert winner is not None
    assert loser is not None
    claim = f"/api/shows/{shop.show_id}/giveaways/{gid}/claim"
    await assert_error(
        await loser.post(claim, json=BUYER, headers=origin(loser)), 403, "giveaway_not_winner"
    )
    bad = {**BUYER, "address": {**BUYER["address"], "country": "USA"}}
    await assert_error(
        await winner.post(claim, json=bad, headers=origin(winner)), 400, "validation_failed"
    )
    response = await winner.post(claim, json=BUYER, headers=origin(winner))
    assert response.status == 201, await response.text()
    order = (await response.json())["order"]
    assert (order["status"], order["total_minor"], order["gateway"]) == ("paid", 0, "giveaway")
    again = await (await winner.post(claim, json=BUYER, headers=origin(winner))).json()
    assert again["order"]["id"] == order["id"]
    # The seller sees it with their orders, and the unit is sold.
    seen = await seller_order(alice, order["id"])
    assert seen["gateway"] == "giveaway"
    assert seen["lines"][0]["unit_price_minor"] == 0
    available, held, sold = await levels(alice, shop.variant_id)
    assert (available, held, sold) == (4, 0, 1)
    # It took no money: a refund is refused and changes nothing; it ships like any order.
    refund = await alice.post(f"/api/orders/{order['id']}/refund", headers=origin(alice))
    await assert_error(refund, 409, "order_state")
    shipped = await alice.post(
        f"/api/orders/{order['id']}/fulfil", json={"carrier": "DHL"}, headers=origin(alice)
    )
    assert shipped.status == 200, await shipped.text()
    assert (await shipped.json())["order"]["status"] == "fulfilled"


async def test_who_may_start_enter_and_draw(
    alice: Client, bob: Client, buyers: Buyers, server: TestServer
) -> None:
    shop = await open_live_shop(alice, stock=1)
    path = f"/api/shows/{shop.show_id}/giveaways"
    body = {"variant_id": shop.variant_id, "duration_seconds": DURATION, "rules": ""}
    await assert_error(await bob.post(path, json=body, headers=origin(bob)), 403, "not_owner")
    too_long = {**body, "duration_seconds": 301}
    details = await assert_error(
        await alice.post(path, json=too_long, headers=origin(alice)), 400, "validation_failed"
    )
    assert details["field"] == "duration_seconds"
    # Cross-site writes are refused.
    response = await alice.post(path, json=body, headers={"Origin": "https://evil.example"})
    assert response.status == 403
    giveaway = await start_giveaway(alice, shop)
    gid = giveaway["id"]
    # One at a time per show, and the only unit is taken.
    await assert_error(
        await alice.post(path, json=body, headers=origin(alice)), 409, "giveaway_running"
    )
    await assert_error(await bob.post(f"{path}/{gid}/draw", headers=origin(bob)), 403, "not_owner")
    await assert_error(
        await alice.post(f"{path}/{gid}/draw", headers=origin(alice)), 409, "giveaway_not_ended"
    )

    # Moderators, banned and muted guests cannot enter; a guest with no name must choose one.
    moderator, banned, muted = await buyers("Mod"), await buyers("Ban"), await buyers("Mute")
    ids = {}
    for guest in (moderator, banned, muted):
        ids[guest] = (await (await guest.get("/api/viewer")).json())["viewer"]["id"]
    response = await alice.post(
        "/api/moderators", json={"viewer_id": ids[moderator]}, headers=origin(alice)
    )
    assert response.status in (200, 201, 204), await response.text()
    response = await alice.post(
        f"/api/shows/{shop.show_id}/bans", json={"viewer_id": ids[banned]}, headers=origin(alice)
    )
    assert response.status in (200, 201, 204), await response.text()
    response = await alice.post(
        f"/api/shows/{shop.show_id}/mutes",
        json={"viewer_id": ids[muted], "seconds": 60},
        headers=origin(alice),
    )
    assert response.status in (200, 201, 204), await response.text()
    for guest, reason in ((moderator, "moderator"), (banned, "banned"), (muted, "muted")):
        details = await assert_error(
            await enter(guest, shop.show_id, gid), 403, "giveaway_entry_refused"
        )
        assert details["reason"] == reason
    await assert_error(await enter(bob, shop.show_id, gid), 401, "viewer_required")
    await assert_error(
        await enter(await buyers("Mia"), shop.show_id, "gvw_nope"), 404, "giveaway_not_found"
    )
    listed = await (await bob.get(path)).json()
    assert [g["entries_count"] for g in listed["giveaways"]] == [0]

    # Nobody entered: the draw names no winner and the unit goes back on sale.
    drawn = await draw_when_closed(alice, shop.show_id, gid)
    assert drawn["winner"] is None
    assert drawn["seed"] is not None
    assert (await levels(alice, shop.variant_id))[0] == 1
    late = await buyers("Late")
    await assert_error(await enter(late, shop.show_id, gid), 409, "giveaway_closed")
