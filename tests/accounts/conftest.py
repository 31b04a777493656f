"""Fixtures for account tests: cheap password hashing and a clock tests can move."""

from __future__ import annotations

import pytest

from livesale.config import Settings
from tests.api_helpers import cheap_auth


class FakeClock:
    """A clock that moves only when told to, so waits are tested without sleeping."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with the cheapest argon2 costs (one test keeps the defaults)."""
    return cheap_auth(settings)


@pytest.fixture
def clock() -> FakeClock:
    """A fresh fake clock."""
    return FakeClock()
