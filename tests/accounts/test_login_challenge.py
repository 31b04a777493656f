"""Past the login throttle, a solved challenge lets one attempt through instead of a hard wait.

What broke: five wrong passwords locked the real owner out (throttle per
account only); the per-account+address throttle then made everyone behind
it wait. Now the wait is the fallback: a person solves the challenge the
answer carries (about a second in a browser) and tries again at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.challenge_solver import solve
from tests.support.clients import DEFAULT_PASSWORD, Client, explicit_dummy, origin, sign_up
from tests.support.clocks import FakeClock

EMAIL = "owner@example.com"
ATTACKER = "203.0.113.66"
FREE = 3
ACCOUNT_FREE = 6


@pytest.fixture
async def client(settings: Settings, clock: FakeClock) -> AsyncIterator[Client]:
    """Behind a trusted proxy, with the default challenge difficulty and a low account ceiling."""
    auth = dataclasses.replace(
        settings.auth, login_free_failures=FREE, login_account_free_failures=ACCOUNT_FREE
    )
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    proxied = explicit_dummy(dataclasses.replace(settings, auth=auth, server=server))
    async with TestClient(TestServer(create_app(proxied))) as c:
        c.app[SERVICES].accounts.login_throttle.clock = clock
        await sign_up(c, email=EMAIL)
        c.session.cookie_jar.clear()
        yield c


async def login(
    client: Client, password: str, address: str = ATTACKER, challenge: str | None = None
) -> tuple[int, dict[str, Any]]:
    body = {"email": EMAIL, "password": password}
    if challenge is not None:
        body["challenge"] = challenge
    response = await client.post(
        "/api/auth/login", json=body, headers={**origin(client), "X-Forwarded-For": address}
    )
    client.session.cookie_jar.clear()
    return response.status, await response.json()


def challenge_of(body: dict[str, Any]) -> dict[str, Any]:
    """The challenge a challenge_required answer carries."""
    assert body["error"]["code"] == "challenge_required"
    details: dict[str, Any] = body["error"]["details"]
    assert details["purpose"] == "login"
    assert details["retry_after_seconds"] >= 1  # waiting works too
    challenge: dict[str, Any] = details["challenge"]
    return challenge


async def test_a_solved_challenge_lets_one_attempt_through_at_once(client: Client) -> None:
    for _ in range(FREE):
        assert (await login(client, "wrong password"))[0] == 401
    status, body = await login(client, DEFAULT_PASSWORD)
    assert status == 429
    solved_before = REGISTRY.get_sample_value(
        "livesale_challenges_solved_total", {"purpose": "login"}
    )

    # One solution, one attempt: a wrong password with it is checked (401)...
    payload = solve(challenge_of(body))
    assert (await login(client, "still wrong", challenge=payload))[0] == 401
    # ...the next attempt without a solution is asked again, and the old one is spent.
    status, body = await login(client, DEFAULT_PASSWORD)
    assert status == 429
    status, reused = await login(client, DEFAULT_PASSWORD, challenge=payload)
    assert (status, reused["error"]["details"]["reason"]) == (403, "reused")

    # A fresh solution with the right password signs in without waiting.
    status, signed_in = await login(client, DEFAULT_PASSWORD, challenge=solve(challenge_of(body)))
    assert status == 200
    assert signed_in["creator"]["email"] == EMAIL
    assert (
        REGISTRY.get_sample_value("livesale_challenges_solved_total", {"purpose": "login"})
        == (solved_before or 0) + 2
    )


async def test_a_guest_challenge_does_not_open_a_login(client: Client) -> None:
    for _ in range(FREE):
        await login(client, "wrong password")
    guest = await (await client.get("/api/challenge?purpose=guest")).json()
    status, body = await login(client, DEFAULT_PASSWORD, challenge=solve(guest))
    assert (status, body["error"]["code"]) == (403, "challenge_invalid")
    assert body["error"]["details"]["reason"] == "wrong_purpose"


async def test_past_the_account_ceiling_the_owner_on_a_new_address_is_never_locked_out(
    client: Client,
) -> None:
    # Many addresses together use up the account's ceiling.
    for i in range(ACCOUNT_FREE):
        assert (await login(client, "guess", f"192.0.2.{i + 1}"))[0] == 401
    # The owner, on a phone network they never logged in from, is asked to prove
    # they are a browser, not made to wait: one solution and they are in.
    status, body = await login(client, DEFAULT_PASSWORD, "198.51.100.7")
    assert status == 429
    payload = solve(challenge_of(body))
    assert (await login(client, DEFAULT_PASSWORD, "198.51.100.7", payload))[0] == 200
