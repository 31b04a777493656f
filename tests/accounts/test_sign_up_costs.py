"""Sign-ups cost the attacker: a limit per address (and IPv6 /64), and slots of their own.

What broke: 32 concurrent sign-ups (no limit, sharing the four Argon2 slots
with login) delayed a real login from 0.19 s to 4 s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter

from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import DEFAULT_PASSWORD, Client, explicit_dummy, origin, sign_up
from tests.support.polling import poll_until

SIGN_UPS = 32


def _settings(settings: Settings, **auth_changes: object) -> Settings:
    auth = dataclasses.replace(settings.auth, **auth_changes)  # type: ignore[arg-type]
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    return explicit_dummy(dataclasses.replace(settings, auth=auth, server=server))


async def _sign_up(client: Client, number: int, address: str) -> int:
    response = await client.post(
        "/api/auth/signup",
        json={
            "email": f"bot{number}@example.com",
            "password": DEFAULT_PASSWORD,
            "display_name": f"Bot {number}",
        },
        headers={**origin(client), "X-Forwarded-For": address},
    )
    await response.read()
    return response.status


async def test_one_address_gets_a_few_sign_ups_then_429(settings: Settings) -> None:
    limited = _settings(settings, signups_per_address=10)
    async with TestClient(TestServer(create_app(limited))) as client:
        # The exact flood: 32 sign-ups at once from one address.
        statuses = await asyncio.gather(
            *(_sign_up(client, n, "203.0.113.9") for n in range(SIGN_UPS))
        )
        assert Counter(statuses) == {201: 10, 429: SIGN_UPS - 10}
        refused = await client.post(
            "/api/auth/signup",
            json={"email": "late@example.com", "password": DEFAULT_PASSWORD, "display_name": "L"},
            headers={**origin(client), "X-Forwarded-For": "203.0.113.9"},
        )
        error = (await refused.json())["error"]
        assert error["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) > 0
        assert error["details"]["limit"] == 10
        # Another address is not affected; one IPv6 host's /64 counts as one address.
        assert await _sign_up(client, 100, "198.51.100.4") == 201
        for n in range(10):
            assert await _sign_up(client, 200 + n, f"2001:db8:7:7::{n + 1:x}") == 201
        assert await _sign_up(client, 300, "2001:db8:7:7:ffff::1") == 429
        assert await _sign_up(client, 301, "2001:db8:7:8::1") == 201


async def test_a_login_does_not_wait_behind_a_burst_of_sign_ups(settings: Settings) -> None:
    # Real hashing work (not the tests' cheapest) and no sign-up limit, to see the slots alone.
    costly = _settings(
        settings,
        password_time_cost=2,
        password_memory_kib=16_384,
        signups_per_address=1000,
        login_hash_slots=3,
        signup_hash_slots=1,
    )
    async with TestClient(TestServer(create_app(costly))) as client:
        await sign_up(client, "owner@example.com")
        client.session.cookie_jar.clear()
        finished: list[float] = []

        async def one_sign_up(number: int) -> None:
            assert await _sign_up(client, number, f"198.51.100.{number + 1}") == 201
            finished.append(time.monotonic())

        flood = [asyncio.create_task(one_sign_up(n)) for n in range(SIGN_UPS)]
        # The owner logs in once the burst is being hashed (its first sign-up is done).
        await poll_until(lambda: bool(finished), 60, "the first sign-up of the burst")
        response = await client.post(
            "/api/auth/login",
            json={"email": "owner@example.com", "password": DEFAULT_PASSWORD},
            headers={**origin(client), "X-Forwarded-For": "192.0.2.1"},
        )
        logged_in_at = time.monotonic()
        assert response.status == 200
        await asyncio.gather(*flood)
    # The login was answered while most of the sign-ups were still waiting for a hash.
    done_before_login = sum(1 for t in finished if t <= logged_in_at)
    assert done_before_login <= SIGN_UPS // 4, (
        f"{done_before_login} of {SIGN_UPS} sign-ups finished before the login"
    )
