"""Fixtures for direct-message tests: cheap sign-ups, buyers with accounts and a send limit
a test can reach."""

from __future__ import annotations

import dataclasses

import pytest

from livesale.config import Settings
from tests.support.clients import Buyers, cheap_auth
from tests.support.viewer_accounts import with_accounts

SENDS_PER_WINDOW = 6


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with cheap password hashing and a low direct-message limit."""
    messages = dataclasses.replace(settings.messages, rate_messages=SENDS_PER_WINDOW)
    return dataclasses.replace(cheap_auth(settings), messages=messages)


@pytest.fixture
def members(buyers: Buyers) -> Buyers:
    """Make guest buyers with accounts (only they may write to shops): `await members("Mia")`."""
    return with_accounts(buyers)
