"""Fixtures for catalogue tests: a database with creators, the repositories, an API client."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import ImageSettings, Settings
from livesale.storage.database import Database
from livesale.storage.images import ImageStore
from livesale.storage.products import ProductRepository
from tests.support.clients import Client, cheap_auth
from tests.support.world import ALICE, BOB


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@pytest.fixture
async def db(database: Database) -> Database:
    """A fresh database with two creators, ALICE and BOB."""
    async with database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO creators (id, email, display_name, password_hash, created_at)"
            " VALUES (?, ?, ?, 'x', 0)",
            [(ALICE, "alice@example.com", "Alice"), (BOB, "bob@example.com", "Bob")],
        )
    return database


@pytest.fixture
def products(db: Database) -> ProductRepository:
    """The product repository over `db`."""
    return ProductRepository(db)


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Where the image store of `images` writes."""
    return tmp_path / "images"


@pytest.fixture
def images(db: Database, image_folder: Path) -> ImageStore:
    """An image store with small limits: 64 KiB and 1,000,000 pixels."""
    return ImageStore(db, image_folder, ImageSettings(max_bytes=65_536, max_pixels=1_000_000))


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    """An API client for an app with a small image limit (200 KiB, 4 megapixels)."""
    settings = dataclasses.replace(
        settings, images=ImageSettings(max_bytes=204_800, max_pixels=4_000_000)
    )
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


@pytest.fixture
async def other_client(client: Client) -> AsyncIterator[Client]:
    """A second client (own cookie jar) on the same server as `client`."""
    server = client.server
    assert isinstance(server, TestServer)  # the app's server, as `client` made it
    async with TestClient(server) as test_client:
        yield test_client
