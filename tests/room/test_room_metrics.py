"""Room metrics move with what happens: chat accepted or refused, likes, moderation."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from livesale.config import Settings
from tests.room.helpers import DEADLINE_SECONDS, guest, room
from tests.support.clients import Client, origin
from tests.support.polling import poll_until

MODERATION = "livesale_room_moderation_actions_total"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Two messages per window, so the third is rate-limited."""
    return dataclasses.replace(settings, chat=dataclasses.replace(settings.chat, rate_messages=2))


def sample(name: str, **labels: str) -> float:
    """A metric's value now (0 before its first change); tests compare before and after."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def grows_by(amount: float, name: str, before: float, **labels: str) -> None:
    """Wait until the metric is `amount` above `before` (some counts follow the reply)."""
    await poll_until(
        lambda: sample(name, **labels) - before == amount,
        DEADLINE_SECONDS,
        f"{name}{labels} to grow by {amount} (now {sample(name, **labels) - before})",
    )


async def test_chat_counts_accepted_and_rate_limited_messages(
    server: TestServer, show_id: str
) -> None:
    accepted = sample("livesale_room_chat_messages_total")
    limited = sample("livesale_room_chat_rejected_total", reason="chat_rate_limited")
    async with guest(server, "Mia") as (client, _), room(client, show_id) as ws:
        for text in ("hello", "again"):
            await ws.chat(text)
            assert (await ws.next("chat"))["message"]["text"] == text
        await ws.chat("one too many")
        assert (await ws.next("error"))["code"] == "chat_rate_limited"
    await grows_by(2, "livesale_room_chat_messages_total", accepted)
    assert sample("livesale_room_chat_rejected_total", reason="chat_rate_limited") == limited + 1


async def test_likes_count_what_was_accepted(server: TestServer, show_id: str) -> None:
    before = sample("livesale_room_likes_total")
    async with guest(server) as (client, _), room(client, show_id) as ws:
        await ws.send({"type": "like", "count": 7})
        await ws.send({"type": "like"})
        await ws.next("like", lambda e: e["total"] == 8)
    # Counted when taken in, so before the event that carries them out.
    assert sample("livesale_room_likes_total") == before + 8


async def test_moderation_actions_that_took_effect(
    server: TestServer, alice: Client, show_id: str
) -> None:
    async with guest(server, "Loud") as (_, loud_id):
        mute = sample(MODERATION, action="mute")
        response = await alice.post(
            f"/api/shows/{show_id}/mutes",
            json={"viewer_id": loud_id, "seconds": 60},
            headers=origin(alice),
        )
        assert response.status == 200, await response.text()
        assert sample(MODERATION, action="mute") == mute + 1

        # Removing someone who is not a moderator changes nothing and is not counted.
        removed = sample(MODERATION, action="remove_moderator")
        response = await alice.delete(f"/api/moderators/{loud_id}", headers=origin(alice))
        assert response.status == 404
        assert sample(MODERATION, action="remove_moderator") == removed

    blocked = sample(MODERATION, action="block_word")
    unblocked = sample(MODERATION, action="unblock_word")
    for words in (["alpha", "beta"], ["beta", "gamma"]):
        response = await alice.put(
            "/api/blocked-words", json={"words": words}, headers=origin(alice)
        )
        assert response.status == 200, await response.text()
    assert sample(MODERATION, action="block_word") == blocked + 3  # alpha, beta, then gamma
    assert sample(MODERATION, action="unblock_word") == unblocked + 1  # alpha
