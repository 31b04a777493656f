"""Fixtures for account tests: cheap password hashing and a clock tests can move."""

from __future__ import annotations

import pytest

from livesale.config import Settings
from tests.support.clients import cheap_auth
from tests.support.clocks import FakeClock


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with the cheapest argon2 costs (one test keeps the defaults)."""
    return cheap_auth(settings)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh fake clock."""
    return FakeClock()
