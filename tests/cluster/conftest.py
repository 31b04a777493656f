"""Redis Cluster fixtures: three real masters on loopback, emptied per test; the shop on them."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from aiohttp.test_utils import TestServer

from livesale.app import create_app
from livesale.config import RedisSettings, Settings
from tests.support.clients import cheap_auth
from tests.support.processes import HOST
from tests.support.redis_cluster import ClusterSetUp, running_cluster


@pytest.fixture(scope="session")
def cluster_set_up() -> Iterator[ClusterSetUp]:
    """One cluster for the folder's tests (forming one takes seconds)."""
    with (
        tempfile.TemporaryDirectory(prefix="livesale-cluster-", dir="/tmp") as folder,
        running_cluster(Path(folder)) as set_up,
    ):
        yield set_up


@pytest.fixture
def cluster(cluster_set_up: ClusterSetUp) -> ClusterSetUp:
    """The cluster, every master emptied for this test."""
    for port in cluster_set_up.servers:
        with redis.Redis(HOST, port) as client:
            client.flushall()
    return cluster_set_up


@pytest.fixture
def settings(settings: Settings, cluster: ClusterSetUp) -> Settings:
    """The shop on the cluster, behind a proxy on 127.0.0.1 (each buyer its own address)."""
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    # Trusting a proxy makes the server reachable by others: test payments are chosen by name.
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(
        cheap_auth(settings),
        redis=RedisSettings(cluster_nodes=cluster.nodes),
        server=server,
        payments=payments,
    )


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """A second shop process in spirit: its own app on the same cluster and record."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server
