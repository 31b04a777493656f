"""`server.trusted_proxies`: a proxy's X-Forwarded-For names the client; nobody else's does."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import ConfigError, Settings, load_settings
from livesale.web.client_address import TrustedProxies
from tests.support.clients import Client, explicit_dummy, origin
from tests.support.clocks import FakeClock

FREE = 2
ADDRESS_LIMIT = FREE * 4  # the throttle's per-address allowance (ADDRESS_FREE_FACTOR)


def test_the_nearest_untrusted_hop_is_the_client() -> None:
    proxies = TrustedProxies(["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"])
    # A trusted proxy names the client; chained trusted proxies are walked past.
    assert proxies.client_of("127.0.0.1", ["203.0.113.7"]) == "203.0.113.7"
    assert proxies.client_of("127.0.0.1", ["203.0.113.7, 10.1.2.3"]) == "203.0.113.7"
    assert proxies.client_of("127.0.0.1", ["198.51.100.1, 203.0.113.7", "10.0.0.9"]) == (
        "203.0.113.7"
    ), "what a client wrote before the first proxy is not believed"
    assert proxies.client_of("2001:db8::1", ["2001:db9::5"]) == "2001:db9::5"
    # Anyone else's header is ignored, and garbage never replaces the socket's address.
    assert proxies.client_of("198.51.100.1", ["203.0.113.7"]) == "198.51.100.1"
    assert proxies.client_of("127.0.0.1", ["not-an-address"]) == "127.0.0.1"
    assert proxies.client_of("127.0.0.1", ["10.0.0.1, 10.0.0.2"]) == "10.0.0.1"
    # A unix socket peer is this server's own shop process.
    assert proxies.client_of("", ["203.0.113.7"]) == "203.0.113.7"
    assert TrustedProxies([]).client_of("127.0.0.1", ["203.0.113.7"]) == "127.0.0.1"


def test_a_proxy_that_is_no_address_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_settings(env={"LIVESALE__SERVER__TRUSTED_PROXIES": '["10.0.0.0/8", "proxy.lan"]'})


@pytest.fixture
def throttled(settings: Settings) -> Settings:
    """Settings with FREE free login failures."""
    return dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, login_free_failures=FREE)
    )


async def _client(settings: Settings, clock: FakeClock) -> Client:
    client: Client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    client.app[SERVICES].accounts.login_throttle.clock = clock
    return client


@pytest.fixture
async def behind_proxy(throttled: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """An app that trusts its loopback peer (the test client) as a proxy."""
    server = dataclasses.replace(throttled.server, trusted_proxies=("127.0.0.1", "::1"))
    # Reachable through a proxy: test payments must be chosen explicitly.
    client = await _client(explicit_dummy(dataclasses.replace(throttled, server=server)), clock)
    yield client
    await client.close()


@pytest.fixture
async def direct(throttled: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """An app that trusts no proxy."""
    client = await _client(throttled, clock)
    yield client
    await client.close()


async def _guess(client: Client, number: int, forwarded_for: str) -> int:
    response = await client.post(
        "/api/auth/login",
        json={"email": f"user{number}@example.com", "password": "guess"},
        headers={**origin(client), "X-Forwarded-For": forwarded_for},
    )
    return response.status


async def test_behind_a_trusted_proxy_each_client_is_throttled_alone(behind_proxy: Client) -> None:
    for number in range(ADDRESS_LIMIT):
        assert await _guess(behind_proxy, number, "203.0.113.7") == 401
    assert await _guess(behind_proxy, 100, "203.0.113.7") == 429
    # Another user behind the same proxy is not punished for the first one's guesses.
    assert await _guess(behind_proxy, 101, "198.51.100.20") == 401


async def test_a_client_cannot_pick_its_address_without_a_trusted_proxy(direct: Client) -> None:
    for number in range(ADDRESS_LIMIT):
        # A fresh forged address each time: all of them count against the real one.
        assert await _guess(direct, number, f"203.0.113.{number + 1}") == 401
    assert await _guess(direct, 100, "198.51.100.20") == 429
