"""Sentinel test fixtures: a real master, replica and three sentinels; the shop on them."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from livesale.config import RedisSettings, Settings
from tests.support.clients import cheap_auth
from tests.support.sentinel import MASTER_NAME, SentinelSetUp, running_sentinels


@pytest.fixture
def sentinels() -> Iterator[SentinelSetUp]:
    """A fresh set-up per test (the failover test kills its master)."""
    with (
        tempfile.TemporaryDirectory(prefix="livesale-sentinel-", dir="/tmp") as folder,
        running_sentinels(Path(folder)) as set_up,
    ):
        yield set_up


@pytest.fixture
def settings(settings: Settings, sentinels: SentinelSetUp) -> Settings:
    """The shop on the sentinels' master, waiting for its replica on every stock write.

    Behind a proxy on 127.0.0.1, so each buyer of a crowd can have an address of its own.
    """
    redis = RedisSettings(
        sentinels=sentinels.addresses, master_name=MASTER_NAME, min_replicas_acked=1
    )
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    # Trusting a proxy makes the server reachable by others: test payments are chosen by name.
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(cheap_auth(settings), redis=redis, server=server, payments=payments)
