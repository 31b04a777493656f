"""Fixtures for feed tests: cheap password hashing, every watch learnt from, no candidate cache."""

from __future__ import annotations

import dataclasses

import pytest

from livesale.config import Settings
from tests.support.clients import cheap_auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings; a watch of any length counts and each feed reads the shows anew."""
    feed = dataclasses.replace(settings.feed, min_watch_seconds=0.0, shared_cache_seconds=0.0)
    return dataclasses.replace(cheap_auth(settings), feed=feed)
