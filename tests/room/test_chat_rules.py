"""Every chat rule, as the WebSocket reports it; refused messages are never stored or sent."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.room.helpers import Event, browser, guest, room
from tests.support.clients import Client, origin


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Operator-wide blocked words, a short message limit."""
    chat = dataclasses.replace(
        settings.chat, blocked_words=("spamword", "坏蛋"), max_length=20, rate_messages=3
    )
    return dataclasses.replace(settings, chat=chat)


async def test_empty_and_too_long(server: TestServer, show_id: str) -> None:
    async with guest(server) as (client, _), room(client, show_id) as ws:
        await ws.chat("   \n ")
        assert (await ws.next("error"))["code"] == "chat_empty"
        await ws.send({"type": "chat"})
        assert (await ws.next("error"))["code"] == "chat_empty"
        await ws.chat("x" * 21)
        error = await ws.next("error")
        assert error["code"] == "chat_too_long"
        assert error["details"] == {"max_length": 20, "length": 21}
        await ws.chat("  " + "y" * 20 + "  ")  # stripped first, so exactly 20
        assert (await ws.next("chat"))["message"]["text"] == "y" * 20
        assert not [
            e for e in ws.events if e["type"] == "chat" and e["message"]["text"] != "y" * 20
        ]


async def test_anonymous_cannot_chat(server: TestServer, show_id: str) -> None:
    async with browser(server) as client, room(client, show_id) as ws:
        await ws.chat("hello")
        assert (await ws.next("error"))["code"] == "viewer_required"
        await ws.send({"type": "ping"})
        await ws.next("pong")
        assert not [e for e in ws.events if e["type"] == "chat"]


async def test_rate_limit_is_shared_across_instances(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with guest(server, "Mia") as (on_one, viewer_id), browser(server2) as other:
        other.adopt_identity(on_one)  # the same guest on the other instance
        async with room(on_one, show_id) as ws1, room(other, show_id) as ws2:
            assert ws2.snapshot["you"]["id"] == viewer_id
            for n in range(2):
                await ws1.chat(f"one {n}")
                await ws1.next("chat", saying(f"one {n}"))
            await ws2.chat("two 0")
            await ws2.next("chat", lambda e: e["message"]["text"] == "two 0")
            await ws2.chat("two 1")
            error = await ws2.next("error")
            assert error["code"] == "chat_rate_limited"
            assert 0 < error["details"]["retry_after_ms"] <= 10_000
            await ws1.chat("one 2")
            assert (await ws1.next("error"))["code"] == "chat_rate_limited"
    history = await server.app[SERVICES].live.chat.history(show_id)
    assert [m.text for m in history] == ["one 0", "one 1", "two 0"]


async def test_slow_mode_set_by_the_creator(
    server: TestServer, alice: Client, show_id: str
) -> None:
    async with guest(server) as (client, _), room(client, show_id) as ws:
        response = await alice.put(
            f"/api/shows/{show_id}/slow-mode", json={"seconds": 30}, headers=origin(alice)
        )
        assert response.status == 200, await response.text()
        event = await ws.next("show")
        assert event["slow_mode_seconds"] == 30
        assert event["show"]["slow_mode_seconds"] == 30
        assert event["show"]["id"] == show_id
        await ws.chat("first")
        await ws.next("chat")
        await ws.chat("second")
        error = await ws.next("error")
        assert error["code"] == "chat_slow_mode"
        assert 25_000 < error["details"]["retry_after_ms"] <= 30_000
        # The creator is not slowed down.
        async with room(alice, show_id) as creator_ws:
            assert creator_ws.snapshot["slow_mode_seconds"] == 30
            for text in ("a", "b"):
                await creator_ws.chat(text)
                await creator_ws.next("chat", saying(text))
        response = await alice.put(
            f"/api/shows/{show_id}/slow-mode", json={"seconds": 0}, headers=origin(alice)
        )
        assert response.status == 200
        await ws.next("show", lambda e: e["slow_mode_seconds"] == 0)
        await ws.chat("third")
        await ws.next("chat", lambda e: e["message"]["text"] == "third")


async def test_slow_mode_validation(alice: Client, show_id: str) -> None:
    for bad in (-1, 301, 1.5, "10", True, None):
        response = await alice.put(
            f"/api/shows/{show_id}/slow-mode", json={"seconds": bad}, headers=origin(alice)
        )
        assert response.status == 400, bad
        assert (await response.json())["error"]["details"]["field"] == "seconds"


async def test_blocked_words(server: TestServer, alice: Client, show_id: str) -> None:
    response = await alice.put(
        "/api/blocked-words", json={"words": [" Darn ", "darn", "ass"]}, headers=origin(alice)
    )
    assert response.status == 200
    assert (await response.json())["words"] == ["ass", "darn"]
    assert (await (await alice.get("/api/blocked-words")).json())["words"] == ["ass", "darn"]
    async with guest(server) as (client, _), room(client, show_id) as ws:
        for text in ("DARN it", "oh, darn!", "SpamWord here", "你是坏蛋吗", "kick ass"):
            await ws.chat(text)
            assert (await ws.next("error"))["code"] == "chat_blocked_word", text
        # ASCII entries match whole words only: no Scunthorpe problem.
        for text in ("first class", "darned socks"):
            await ws.chat(text)
            await ws.next("chat", saying(text))
    texts = [m.text for m in await server.app[SERVICES].live.chat.history(show_id)]
    assert texts == ["first class", "darned socks"]


async def test_blocked_words_validation(alice: Client) -> None:
    for bad in ("darn", [1], [""], ["x" * 51]):
        response = await alice.put("/api/blocked-words", json={"words": bad}, headers=origin(alice))
        assert response.status == 400, bad
    assert (await (await alice.get("/api/blocked-words")).json())["words"] == []


async def test_xss_payload_is_stored_and_sent_verbatim(server: TestServer, show_id: str) -> None:
    payload = "<b onclick=alert(1)>"  # 20 characters: this module's limit
    async with guest(server, "<b>x</b>") as (client, _), room(client, show_id) as ws:
        await ws.chat(payload)
        message = (await ws.next("chat"))["message"]
        assert message["text"] == payload
        assert message["author"]["name"] == "<b>x</b>"
    assert [m.text for m in await server.app[SERVICES].live.chat.history(show_id)] == [payload]


def saying(text: str) -> Callable[[Event], bool]:
    """Whether a chat event carries `text`."""
    return lambda event: bool(event["message"]["text"] == text)
