"""Fixtures for fulfilment tests: a live show selling two products."""

from __future__ import annotations

import pytest

from livesale.config import Settings
from tests.support.clients import Client, cheap_auth
from tests.support.world import TwoItemShop, open_two_item_shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)


@pytest.fixture
async def two_items(alice: Client) -> TwoItemShop:
    """Alice's live show with a Tee and a Mug."""
    return await open_two_item_shop(alice)
