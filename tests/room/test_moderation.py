"""Moderation: who may delete, mute, ban; across instances; REST for moderators."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from tests.room.helpers import Browser, browser, guest, room
from tests.support.clients import Client, origin


async def _post_chat(server: TestServer, show_id: str, text: str = "hello") -> tuple[int, str]:
    """A message by a fresh guest; returns its id and the guest's viewer id."""
    async with guest(server, "Author") as (client, viewer_id), room(client, show_id) as ws:
        await ws.chat(text)
        message = (await ws.next("chat"))["message"]
        return int(message["id"]), viewer_id


async def _make_moderator(alice: Client, viewer_id: str) -> None:
    response = await alice.post(
        "/api/moderators", json={"viewer_id": viewer_id}, headers=origin(alice)
    )
    assert response.status == 201, await response.text()


async def test_moderator_list(server: TestServer, alice: Client) -> None:
    async with guest(server, "Mod") as (_client, mod_id):
        await _make_moderator(alice, mod_id)
        await _make_moderator(alice, mod_id)  # idempotent
        body = await (await alice.get("/api/moderators")).json()
        assert [(m["id"], m["display_name"]) for m in body["moderators"]] == [(mod_id, "Mod")]
        response = await alice.post(
            "/api/moderators", json={"viewer_id": "nobody"}, headers=origin(alice)
        )
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "viewer_not_found"
        response = await alice.delete(f"/api/moderators/{mod_id}", headers=origin(alice))
        assert response.status == 204
        response = await alice.delete(f"/api/moderators/{mod_id}", headers=origin(alice))
        assert response.status == 404
        assert (await (await alice.get("/api/moderators")).json())["moderators"] == []


async def test_moderators_and_blocked_words_are_creator_only(server: TestServer) -> None:
    async with guest(server) as (viewer, _):
        for method, path, body in (
            ("GET", "/api/moderators", None),
            ("POST", "/api/moderators", {"viewer_id": "x"}),
            ("GET", "/api/blocked-words", None),
            ("PUT", "/api/blocked-words", {"words": []}),
        ):
            status, reply = await viewer.call(method, path, body)
            assert status == 401, (path, reply)
            assert reply["error"]["code"] == "not_signed_in"


async def test_creator_deletes_a_message_across_instances(
    server: TestServer, server2: TestServer, alice: Client, show_id: str
) -> None:
    message_id, _author = await _post_chat(server, show_id, "delete me")
    await _post_chat(server, show_id, "keep me")
    async with browser(server2) as watcher, room(watcher, show_id) as ws:
        assert [m["text"] for m in ws.snapshot["chat"]] == ["delete me", "keep me"]
        response = await alice.delete(
            f"/api/shows/{show_id}/chat/{message_id}", headers=origin(alice)
        )
        assert response.status == 204, await response.text()
        assert (await ws.next("chat_deleted"))["id"] == message_id
    async with browser(server) as late, room(late, show_id) as ws:
        assert [m["text"] for m in ws.snapshot["chat"]] == ["keep me"]
    for bad in ("999999", "abc"):
        response = await alice.delete(f"/api/shows/{show_id}/chat/{bad}", headers=origin(alice))
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "chat_message_not_found"


async def test_authorisation_matrix(
    server: TestServer, alice: Client, bob: Client, show_id: str, bob_show_id: str
) -> None:
    message_id, author_id = await _post_chat(server, show_id)
    bob_message_id, _ = await _post_chat(server, bob_show_id)
    async with guest(server, "Viewer") as (viewer, _), guest(server, "Mod") as (mod, mod_id):
        await _make_moderator(alice, mod_id)

        async def attempts(client: Client | Browser, show: str, msg: int) -> list[int]:
            calls = [
                ("DELETE", f"/api/shows/{show}/chat/{msg}", None),
                ("POST", f"/api/shows/{show}/mutes", {"viewer_id": author_id, "seconds": 60}),
                ("POST", f"/api/shows/{show}/bans", {"viewer_id": author_id}),
                ("DELETE", f"/api/shows/{show}/bans/{author_id}", None),
            ]
            statuses = []
            for method, path, body in calls:
                if isinstance(client, Browser):
                    status, _reply = await client.call(method, path, body)
                else:
                    response = await client.request(method, path, json=body, headers=origin(client))
                    status = response.status
                statuses.append(status)
            return statuses

        # A plain viewer, and creator Bob, may do nothing in Alice's show.
        assert await attempts(viewer, show_id, message_id) == [403] * 4
        assert await attempts(bob, show_id, message_id) == [403] * 4
        async with browser(server) as nobody:
            assert await attempts(nobody, show_id, message_id) == [401] * 4
        # Alice's moderator may in Alice's shows, not in Bob's.
        assert await attempts(mod, bob_show_id, bob_message_id) == [403] * 4
        assert await attempts(mod, show_id, message_id) == [204, 200, 201, 204]
        # Slow mode is the creator's alone.
        status, reply = await mod.call("PUT", f"/api/shows/{show_id}/slow-mode", {"seconds": 5})
        assert (status, reply["error"]["code"]) == (403, "not_owner")
        # A moderator cannot mute or ban another moderator; the creator can.
        async with guest(server, "Mod2") as (_mod2, mod2_id):
            await _make_moderator(alice, mod2_id)
            status, reply = await mod.call(
                "POST", f"/api/shows/{show_id}/bans", {"viewer_id": mod2_id}
            )
            assert status == 403
            response = await alice.post(
                f"/api/shows/{show_id}/mutes",
                json={"viewer_id": mod2_id, "seconds": 5},
                headers=origin(alice),
            )
            assert response.status == 200
        assert await attempts(alice, show_id, message_id) == [204, 200, 201, 204]


async def test_mute(server: TestServer, alice: Client, show_id: str) -> None:
    async with guest(server, "Loud") as (loud, loud_id), room(loud, show_id) as ws:
        for bad in (0, 86_401, "60", None):
            response = await alice.post(
                f"/api/shows/{show_id}/mutes",
                json={"viewer_id": loud_id, "seconds": bad},
                headers=origin(alice),
            )
            assert response.status == 400, bad
        response = await alice.post(
            f"/api/shows/{show_id}/mutes",
            json={"viewer_id": loud_id, "seconds": 60},
            headers=origin(alice),
        )
        assert response.status == 200
        muted_until = (await response.json())["muted_until"]
        await ws.chat("can I talk?")
        error = await ws.next("error")
        assert error["code"] == "chat_muted"
        assert error["details"]["muted_until"] == muted_until
        async with room(loud, show_id) as again:
            assert again.snapshot["you"]["muted_until"] == muted_until
    assert await server.app[SERVICES].live.chat.history(show_id) == []


async def test_ban_kicks_across_instances_and_refuses_joining(
    server: TestServer, server2: TestServer, alice: Client, show_id: str
) -> None:
    async with guest(server2, "Troll") as (troll, troll_id):
        async with room(troll, show_id) as ws:
            response = await alice.post(
                f"/api/shows/{show_id}/bans", json={"viewer_id": troll_id}, headers=origin(alice)
            )
            assert response.status == 201
            assert (await ws.next("error"))["code"] == "chat_banned"
            assert await ws.closed() == 4003
        status, reply = await troll.call("GET", f"/api/shows/{show_id}/events")
        assert (status, reply["error"]["code"]) == (403, "chat_banned")
        response = await alice.delete(
            f"/api/shows/{show_id}/bans/{troll_id}", headers=origin(alice)
        )
        assert response.status == 204
        async with room(troll, show_id) as ws:
            await ws.chat("sorry")
            await ws.next("chat")
        response = await alice.delete(
            f"/api/shows/{show_id}/bans/{troll_id}", headers=origin(alice)
        )
        assert response.status == 404
