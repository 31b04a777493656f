"""Fixtures for replay tests: cheap password hashing (worlds are in tests/support/replay.py)."""

from __future__ import annotations

import pytest

from livesale.config import Settings
from tests.support.clients import cheap_auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing."""
    return cheap_auth(settings)
