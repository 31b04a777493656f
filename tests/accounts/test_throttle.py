"""Login throttling: growing waits after the free failures, per account and per address."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.person import address_key
from livesale.storage.login_throttle import ADDRESS_FREE_FACTOR, MEMORY_SECONDS
from tests.support.clients import DEFAULT_PASSWORD, Client, origin, sign_up
from tests.support.clocks import FakeClock

FREE = 3
MAX_DELAY = 8.0
EMAIL = "ada@example.com"


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """An app with FREE free failures, a MAX_DELAY cap and the fake clock in its throttle."""
    auth = dataclasses.replace(
        settings.auth, login_free_failures=FREE, login_max_delay_seconds=MAX_DELAY
    )
    async with TestClient(TestServer(create_app(dataclasses.replace(settings, auth=auth)))) as c:
        c.app[SERVICES].accounts.login_throttle.clock = clock
        await sign_up(c, email=EMAIL)
        c.session.cookie_jar.clear()
        yield c


async def login(client: Client, password: str, email: str = EMAIL) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=origin(client)
    )
    body: dict[str, Any] = await response.json()
    if response.status == 429:
        assert response.headers["Retry-After"] == str(
            body["error"]["details"]["retry_after_seconds"]
        )
    return response.status, body


def retry_after(body: dict[str, Any]) -> int:
    assert body["error"]["code"] == "challenge_required"
    wait: int = body["error"]["details"]["retry_after_seconds"]
    return wait


async def test_waits_grow_and_bind_even_the_right_password(
    client: Client, clock: FakeClock
) -> None:
    for _ in range(FREE):
        assert (await login(client, "wrong password"))[0] == 401
    status, body = await login(client, DEFAULT_PASSWORD)
    assert status == 429
    assert retry_after(body) == 1
    assert (await client.get("/api/auth/me")).status == 401  # no session was made

    # Each further failure doubles the wait, up to the cap.
    remaining = 1
    for wait in [2, 4, 8, 8]:
        clock.advance(remaining)
        assert (await login(client, "wrong password"))[0] == 401
        status, body = await login(client, DEFAULT_PASSWORD)
        assert status == 429
        assert retry_after(body) == wait
        clock.advance(wait / 2)  # half-way through the wait: still refused
        status, body = await login(client, DEFAULT_PASSWORD)
        assert status == 429
        assert retry_after(body) == wait // 2
        remaining = wait // 2

    clock.advance(remaining)
    status, body = await login(client, DEFAULT_PASSWORD)
    assert status == 200
    assert body["creator"]["email"] == EMAIL
    # Success forgot the account's failures: the free ones are free again.
    for _ in range(FREE):
        assert (await login(client, "wrong password"))[0] == 401
    assert (await login(client, "wrong password"))[0] == 429


async def test_counters_are_keyed_without_the_email_and_expire(
    client: Client, clock: FakeClock
) -> None:
    assert (await login(client, "wrong password"))[0] == 401
    redis = client.app[SERVICES].storage.redis
    names = sorted([key async for key in redis.scan_iter("livesale:login:*")])
    # One for the account on this address, one for the address, one for the account.
    assert len(names) == 3
    assert not any("ada" in name or "example" in name for name in names)
    for name in names:
        assert 0 < await redis.ttl(name) <= MEMORY_SECONDS


async def test_an_address_is_slowed_across_accounts(client: Client) -> None:
    allowed = FREE * ADDRESS_FREE_FACTOR
    for i in range(allowed):
        # A new email each time: no single account reaches its limit.
        assert (await login(client, "guess", email=f"user{i}@example.com"))[0] == 401
    status, body = await login(client, DEFAULT_PASSWORD)
    assert status == 429
    assert retry_after(body) == 1


async def test_a_success_does_not_wash_the_address_clean(client: Client) -> None:
    allowed = FREE * ADDRESS_FREE_FACTOR
    for i in range(allowed - 1):
        assert (await login(client, "guess", email=f"user{i}@example.com"))[0] == 401
    # The attacker's own account logs in fine; it gives back only its own attempt.
    assert (await login(client, DEFAULT_PASSWORD))[0] == 200
    assert (await login(client, "guess", email="last@example.com"))[0] == 401
    assert (await login(client, "guess", email="more@example.com"))[0] == 429


async def test_parallel_guesses_cannot_slip_past_the_limit(client: Client) -> None:
    results = await asyncio.gather(*(login(client, f"guess {i}") for i in range(12)))
    statuses = sorted(status for status, _ in results)
    # Attempts are counted when they start, so only FREE of them are ever tried.
    assert statuses == [401] * FREE + [429] * (12 - FREE)


def test_addresses_are_grouped_as_one_host_owns_them() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    # One IPv6 host usually has a whole /64 to rotate through.
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key(None) == address_key("garbage") == "unknown"
