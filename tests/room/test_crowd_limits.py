"""A fake crowd from one address: the exact floods of issue 14, against the real room.

One address (127.0.0.1) plays the bot: 300 anonymous sockets, 40 fresh guests,
a banned guest with a new cookie. A real viewer at another address
(127.0.0.2) watches and chats next to it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.live.protocol import CLOSE_TOO_MANY_CONNECTIONS
from livesale.storage.chat import ChatRepository
from tests.room.crowd_helpers import NEIGHBOUR_ADDRESS, AddressedBrowser, browser_at, fresh_guest
from tests.room.helpers import RoomSocket, room
from tests.support.clients import Client, origin
from tests.support.polling import poll_until

DEADLINE = 30.0  # 300 handshakes on a busy two-core machine


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def _limited(limit: str) -> float:
    return _sample("livesale_room_address_limited_total", {"limit": limit})


async def _ban(alice: Client, show_id: str, viewer_id: str) -> dict[str, Any]:
    response = await alice.post(
        f"/api/shows/{show_id}/bans", json={"viewer_id": viewer_id}, headers=origin(alice)
    )
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def _bans(alice: Client) -> list[dict[str, Any]]:
    response = await alice.get("/api/bans")
    assert response.status == 200, await response.text()
    bans: list[dict[str, Any]] = (await response.json())["bans"]
    return bans


async def _error(ws: RoomSocket, code: str) -> dict[str, Any]:
    return await ws.next("error", lambda e: e["code"] == code)


async def test_a_banned_guest_who_drops_the_cookie_is_still_banned(
    server: TestServer, alice: Client, show_id: str
) -> None:
    messages = ChatRepository(server.app[SERVICES].storage.database)
    async with browser_at(server) as first, browser_at(server, NEIGHBOUR_ADDRESS) as neighbour:
        banned_id = await fresh_guest(server, first, "Mallory")
        await fresh_guest(server, neighbour, "Nina")
        async with room(first, show_id) as ws, room(neighbour, show_id) as nina:
            await ws.chat("cheap followers at spam.example")
            await nina.next("chat")
            body = await _ban(alice, show_id, banned_id)
            assert body == {"viewer_id": banned_id, "banned": True, "address_held": True}
            assert await ws.closed() == 4003
        before = _limited("ban")
        # The same person, cookie dropped: a brand-new guest from the same address.
        async with browser_at(server) as again:
            second_id = await fresh_guest(server, again, "Mallory again")
            async with room(again, show_id) as ws:
                await ws.chat("I am back")
                refused = await _error(ws, "chat_banned")
                assert refused["details"] == {"reason": "address"}
                assert [m.text for m in await messages.recent(show_id, 10)] == [
                    "cheap followers at spam.example"
                ]
                assert _limited("ban") == before + 1
                # The neighbour's address is not held.
                async with room(neighbour, show_id) as nina:
                    await nina.chat("is the blue one still there?")
                    await nina.next("chat", lambda e: e["message"]["author"]["name"] == "Nina")
                [ban] = await _bans(alice)
                assert ban["viewer_id"] == banned_id
                assert ban["display_name"] == "Mallory"
                assert ban["addresses_held"] == 1
                assert ban["others_caught"] == 1
                # Lifting the ban lifts its address too.
                response = await alice.delete(
                    f"/api/shows/{show_id}/bans/{banned_id}", headers=origin(alice)
                )
                assert response.status == 204
                await ws.chat("hello again")
                await ws.next("chat", lambda e: e["message"]["author"]["id"] == second_id)
        assert await _bans(alice) == []


async def test_a_muted_guest_with_a_new_cookie_is_still_muted(
    server: TestServer, alice: Client, show_id: str
) -> None:
    async with browser_at(server) as first:
        muted_id = await fresh_guest(server, first, "Loud")
        async with room(first, show_id):
            pass  # the room notes where the guest watches from
        response = await alice.post(
            f"/api/shows/{show_id}/mutes",
            json={"viewer_id": muted_id, "seconds": 60},
            headers=origin(alice),
        )
        assert response.status == 200, await response.text()
        assert (await response.json())["address_held"] is True
    async with browser_at(server) as again:
        await fresh_guest(server, again, "Loud again")
        async with room(again, show_id) as ws:
            assert ws.snapshot["you"]["muted_until"] is not None
            await ws.chat("still here")
            refused = await _error(ws, "chat_muted")
            assert refused["details"]["reason"] == "address"


async def test_forty_fresh_guests_cannot_put_200_lines_in_two_seconds(
    server: TestServer, show_id: str, settings: Settings
) -> None:
    limit = settings.chat.address_rate_messages
    async with browser_at(server, NEIGHBOUR_ADDRESS) as real:
        await fresh_guest(server, real, "Real buyer")
        async with room(real, show_id) as watcher:
            bots = [AddressedBrowser(server, "127.0.0.1") for _ in range(40)]
            sockets: list[RoomSocket] = []
            try:
                for n, bot in enumerate(bots):
                    await fresh_guest(server, bot, f"Bot {n}")
                for bot in bots:
                    sockets.append(await _open_room(bot, show_id))
                started = time.monotonic()
                await asyncio.gather(
                    *(
                        ws.chat(f"SPAM {n}-{line}")
                        for n, ws in enumerate(sockets)
                        for line in range(5)
                    )
                )

                def answered() -> int:
                    refused = sum(
                        1
                        for ws in sockets
                        for e in ws.events
                        if e.get("type") == "error" and e["code"] == "chat_rate_limited"
                    )
                    return refused + _spam(watcher)

                async def all_answered() -> bool:
                    for ws in [*sockets, watcher]:
                        await ws.drain(0.01)
                    return answered() == 200

                await poll_until(all_answered, DEADLINE, "every spam line to be answered")
                elapsed = time.monotonic() - started
                delivered = _spam(watcher)
                assert elapsed < settings.chat.address_rate_window_seconds
                assert delivered == limit, f"{delivered} spam lines delivered"
                reasons = {
                    e["details"]["reason"]
                    for ws in sockets
                    for e in ws.events
                    if e.get("type") == "error"
                }
                assert reasons == {"address"}
                # The real buyer next to the bot still chats at once.
                await watcher.chat("does it come in blue?")
                await watcher.next(
                    "chat", lambda e: e["message"]["text"] == "does it come in blue?"
                )
            finally:
                for ws in sockets:
                    await ws.ws.close()
                for bot in bots:
                    await bot.session.close()


def _spam(ws: RoomSocket) -> int:
    return sum(
        1 for e in ws.events if e.get("type") == "chat" and e["message"]["text"].startswith("SPAM")
    )


async def _open_room(client: AddressedBrowser, show_id: str) -> RoomSocket:
    ws = await client.session.ws_connect(
        f"/api/shows/{show_id}/events", headers={"Origin": client.origin}
    )
    socket = RoomSocket(ws)
    socket.snapshot = await socket.next("snapshot", timeout=DEADLINE)
    return socket


async def test_300_anonymous_sockets_do_not_make_a_crowd_or_3000_likes(
    server: TestServer, alice: Client, show_id: str, settings: Settings
) -> None:
    cap = settings.room.max_counted_viewers_per_address
    per_address = settings.room.max_connections_per_address
    like_cap = settings.room.max_likes_per_address_per_second
    await server.app[SERVICES].storage.shows.mark_live(show_id)
    async with (
        browser_at(server, NEIGHBOUR_ADDRESS) as real,
        room(real, show_id) as watcher,
        browser_at(server) as bot,
    ):
        assert watcher.snapshot["viewers"] == 1
        refused_before = _limited("connections")
        # Every socket claims a browser id of its own, the worst case for unique viewers.
        path = f"/api/shows/{show_id}/events"
        sockets = await asyncio.gather(
            *(bot.session.ws_connect(path, params={"visitor": _visitor()}) for _ in range(300))
        )
        try:
            firsts = await asyncio.gather(*(ws.receive(timeout=DEADLINE) for ws in sockets))
            kinds = [json.loads(m.data)["type"] for m in firsts]
            accepted = [ws for ws, kind in zip(sockets, kinds, strict=True) if kind == "snapshot"]
            refused = [ws for ws, kind in zip(sockets, kinds, strict=True) if kind == "error"]
            assert len(accepted) == per_address
            assert len(refused) == 300 - per_address
            codes = {json.loads(m.data).get("code") for m, k in zip(firsts, kinds, strict=True)}
            assert codes == {None, "too_many_connections"}
            for ws in refused:
                assert (await ws.receive(timeout=DEADLINE)).type is WSMsgType.CLOSE
                assert ws.close_code == CLOSE_TOO_MANY_CONNECTIONS
            assert _limited("connections") == refused_before + 300 - per_address

            # The public count: the real viewer and at most `cap` for the bot's address.
            await watcher.next("viewers", lambda e: e["count"] == 1 + cap, timeout=DEADLINE)
            await watcher.drain(0.5)
            assert max(e["count"] for e in watcher.events if e["type"] == "viewers") == 1 + cap

            # 3,000 likes: 30 from each socket the address holds, as fast as it can.
            likes_before = _sample("livesale_room_likes_total")
            started = time.monotonic()
            for _ in range(3):
                await asyncio.gather(
                    *(ws.send_str('{"type":"like","count":10}') for ws in accepted)
                )
            await asyncio.gather(*(_ping(ws) for ws in accepted))
            windows = int(time.monotonic()) - int(started) + 1
            liked = _sample("livesale_room_likes_total") - likes_before
            assert 0 < liked <= like_cap * windows < 3000
            await watcher.next("like", lambda e: e["total"] == liked, timeout=DEADLINE)

            # The creator's analytics count the same people.
            await server.app[SERVICES].storage.activity.flush()
            viewers = (await _analytics(alice, show_id))["viewers"]
            assert viewers["peak"] == 1 + cap
            assert viewers["unique"] == 1 + cap
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))
        await watcher.next("viewers", lambda e: e["count"] == 1, timeout=DEADLINE)
    await server.app[SERVICES].storage.activity.flush()
    viewers = (await _analytics(alice, show_id))["viewers"]
    assert viewers["unique"] == 1 + cap


def _visitor() -> str:
    return secrets.token_urlsafe(16)


async def _ping(ws: ClientWebSocketResponse) -> None:
    """Wait until the server has handled everything sent before (it answers in order)."""
    await ws.send_str('{"type":"ping"}')
    while True:
        message = await ws.receive(timeout=DEADLINE)
        if message.type is not WSMsgType.TEXT:
            raise AssertionError(f"the socket closed: {message}")
        events = json.loads(message.data)
        if any(e.get("type") == "pong" for e in (events if isinstance(events, list) else [events])):
            return


async def _analytics(alice: Client, show_id: str) -> dict[str, Any]:
    response = await alice.get(f"/api/shows/{show_id}/analytics")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body
