"""Fixtures for room tests: two app instances on one Redis and SQLite, creators and guests."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client, cheap_auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Cheap password hashing, and room timers fast enough for tests."""
    room = dataclasses.replace(
        settings.room,
        presence_interval_seconds=0.1,
        like_interval_seconds=0.05,
        flush_interval_seconds=0.02,
    )
    return dataclasses.replace(cheap_auth(settings), room=room)


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """Instance 2: another process in spirit, same Redis and SQLite file."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


@pytest.fixture
async def show_id(server: TestServer, alice: Client) -> str:
    """A show of Alice's."""
    me = await (await alice.get("/api/auth/me")).json()
    show, _key = await server.app[SERVICES].storage.shows.create(
        "Spring drop", creator_id=me["creator"]["id"]
    )
    return show.id


@pytest.fixture
async def bob_show_id(server: TestServer, bob: Client) -> str:
    """A show of Bob's."""
    me = await (await bob.get("/api/auth/me")).json()
    show, _key = await server.app[SERVICES].storage.shows.create(
        "Bob's show", creator_id=me["creator"]["id"]
    )
    return show.id
