"""Chat that cannot impersonate: folded blocked words, inert text, the creator's name kept.

Issue 14: blocked words passed with a zero-width space, Cyrillic or
fullwidth letters, and a guest could chat as "Alice" in Alice's own room.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from livesale.config import Settings
from livesale.domain.chat import blocked_word_in
from tests.room.helpers import guest, room
from tests.support.clients import Client, origin

ZWSP = "\u200b"
# Cyrillic dze, er and a, drawn like the Latin "spa".
CYRILLIC_SPA = "\u0455\u0440\u0430"
FULLWIDTH_SPAMWORD = "\uff53\uff50\uff41\uff4d\uff57\uff4f\uff52\uff44"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An operator-wide blocked word in Latin letters, one in Chinese."""
    chat = dataclasses.replace(settings.chat, blocked_words=("spamword", "坏蛋"))
    return dataclasses.replace(settings, chat=chat)


DISGUISED = [
    "spam" + ZWSP + "word here",
    CYRILLIC_SPA + "mword",
    FULLWIDTH_SPAMWORD,
    "SpamWord!",
    "spam\u00adword",  # soft hyphen
    "这是spamword吧",  # Chinese letters around a Latin word are a boundary
    "你是坏" + ZWSP + "蛋",
]

INNOCENT = [
    "spamwords are words too",  # a longer word, not the blocked one
    "我们今天直播卖春季新款\uff0c大家好\uff01",  # with Chinese punctuation
    "class act, massive savings",
    "二〇二六年 ロゴ 工力",  # Chinese and Japanese characters TR39 folds together
]


@pytest.mark.parametrize("text", DISGUISED)
def test_disguised_blocked_words_are_found(text: str) -> None:
    assert blocked_word_in(text, ["spamword", "坏蛋"]) is not None


@pytest.mark.parametrize("text", INNOCENT)
def test_ordinary_text_is_not_blocked(text: str) -> None:
    assert blocked_word_in(text, ["spamword", "坏蛋", "ass", "口工"]) is None


async def test_disguised_blocked_words_are_refused_in_the_room(
    server: TestServer, alice: Client, show_id: str
) -> None:
    # The creator's own list is folded the same way as the operator's.
    response = await alice.put(
        "/api/blocked-words", json={"words": ["scam"]}, headers=origin(alice)
    )
    assert response.status == 200, await response.text()
    async with guest(server, "Mia") as (client, _), room(client, show_id) as ws:
        for text in [*DISGUISED, "\u0455c\u0430m" + ZWSP + " deal"]:
            await ws.chat(text)
            error = await ws.next("error")
            assert error["code"] == "chat_blocked_word", text
        for text in INNOCENT:
            await ws.chat(text)
            await ws.next("chat", _has_text(text))
        sent = [e["message"]["text"] for e in ws.events if e["type"] == "chat"]
        assert sent == INNOCENT


async def test_invisible_and_direction_controls_are_dropped_from_chat(
    server: TestServer, show_id: str
) -> None:
    async with guest(server, "Mia") as (client, _), room(client, show_id) as ws:
        await ws.chat("price \u202e0001\u202c ok" + ZWSP)
        message = (await ws.next("chat"))["message"]
        assert message["text"] == "price 0001 ok"
        family = "👩\u200d👩\u200d👧 ❤\ufe0f"
        await ws.chat(family)
        assert (await ws.next("chat"))["message"]["text"] == family
        await ws.chat(ZWSP + "\u2066\u2069")
        assert (await ws.next("error"))["code"] == "chat_empty"


async def test_a_guest_cannot_chat_as_the_creator_in_her_room(
    server: TestServer, alice: Client, show_id: str, bob_show_id: str
) -> None:
    # "Alice" with a Cyrillic capital A: a valid name, the creator's look-alike.
    async with guest(server, "\u0410lice") as (fake, _):
        async with room(fake, show_id) as ws:
            await ws.chat("Buy from my link instead")
            error = await ws.next("error")
            assert error["code"] == "chat_name_reserved"
            assert not [e for e in ws.events if e["type"] == "chat"]
            # The real Alice still chats.
            async with room(alice, show_id) as host:
                await host.chat("Welcome!")
                await ws.next("chat", lambda e: e["message"]["author"]["role"] == "creator")
        # Another name is fine.
        status, body = await fake.call("PUT", "/api/viewer", {"display_name": "Alice's fan"})
        assert status == 200, body
        async with room(fake, show_id) as ws:
            await ws.chat("Hello")
            message = (await ws.next("chat", lambda e: e["message"]["text"] == "Hello"))["message"]
            assert message["author"]["name"] == "Alice's fan"
    # The name is only kept in Alice's shows: in Bob's, "Alice" is just a name.
    async with guest(server, "ALICE") as (other, _), room(other, bob_show_id) as ws:
        await ws.chat("Hi Bob")
        await ws.next("chat", lambda e: e["message"]["text"] == "Hi Bob")


def _has_text(text: str) -> Callable[[dict[str, Any]], bool]:
    """A test of a chat event: does it carry `text`?"""
    return lambda event: bool(event["message"]["text"] == text)
