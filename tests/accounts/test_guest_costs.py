"""A guest identity has a cost: a few free per address each hour, then a proof of work, then 429.

What broke: 326 guest identities in 5 s from one address (`PUT /api/viewer`
with a fresh cookie each time, no limit at all).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import AuthSettings, Settings
from tests.challenge_solver import solve
from tests.support.clients import Client, explicit_dummy, origin

ADDRESS = "203.0.113.9"
FLOOD = 326
FREE = AuthSettings().guest_free_creations_per_address_per_hour


def _settings(settings: Settings, **auth_changes: Any) -> Settings:
    """The default guest limits, behind a trusted proxy (the test client), so each request
    names its address."""
    defaults = AuthSettings()
    auth = dataclasses.replace(
        settings.auth,
        guest_creations_per_address_per_hour=defaults.guest_creations_per_address_per_hour,
        guest_free_creations_per_address_per_hour=defaults.guest_free_creations_per_address_per_hour,
    )
    auth = dataclasses.replace(auth, **auth_changes)
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    return explicit_dummy(dataclasses.replace(settings, auth=auth, server=server))


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    """The app with the default guest limits and an easy challenge (tests solve many)."""
    easy = _settings(settings, challenge_max_number=50, challenge_cost=10)
    async with TestClient(TestServer(create_app(easy))) as c:
        yield c


@pytest.fixture
async def cookieless(client: Client) -> AsyncIterator[aiohttp.ClientSession]:
    """A session that keeps no cookies: every request is a browser without a guest."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


async def new_guest(
    client: Client,
    session: aiohttp.ClientSession,
    address: str = ADDRESS,
    challenge: str | None = None,
    name: str = "Guest",
) -> tuple[int, dict[str, Any]]:
    """`PUT /api/viewer` without a guest cookie (a new identity) from `address`."""
    body: dict[str, Any] = {"display_name": name}
    if challenge is not None:
        body["challenge"] = challenge
    async with session.put(
        client.make_url("/api/viewer"),
        json=body,
        headers={**origin(client), "X-Forwarded-For": address},
    ) as response:
        return response.status, await response.json()


def sample(name: str, **labels: str) -> float:
    """A metric's value now; tests compare before and after."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_the_flood_of_326_guests_gets_the_free_ones_only(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    refused_before = sample("livesale_guest_creations_refused_total", reason="challenge_required")
    # The exact request that broke: 326 fresh identities at once from one address.
    replies = await asyncio.gather(*(new_guest(client, cookieless) for _ in range(FLOOD)))
    codes = Counter(
        "created" if status == 200 else body["error"]["code"] for status, body in replies
    )
    assert codes["created"] == FREE
    # The rest are asked for a challenge, or (past the issuing rate) told to slow down.
    assert codes["challenge_required"] + codes["rate_limited"] == FLOOD - FREE
    assert codes["challenge_required"] >= 1
    refusal = next(
        body for _, body in replies if body.get("error", {}).get("code") == "challenge_required"
    )
    assert refusal["error"]["details"]["purpose"] == "guest"
    assert refusal["error"]["details"]["challenge_url"] == "/api/challenge?purpose=guest"
    assert (
        sample("livesale_guest_creations_refused_total", reason="challenge_required")
        - refused_before
        == codes["challenge_required"]
    )


async def test_a_solved_challenge_creates_one_guest_once(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    for _ in range(FREE):
        assert (await new_guest(client, cookieless))[0] == 200
    status, body = await new_guest(client, cookieless)
    assert status == 429
    assert body["error"]["code"] == "challenge_required"
    solved_before = sample("livesale_challenges_solved_total", purpose="guest")

    payload = solve(body["error"]["details"]["challenge"])
    status, created = await new_guest(client, cookieless, challenge=payload, name="Solver")
    assert status == 200
    assert created["viewer"]["display_name"] == "Solver"
    assert sample("livesale_challenges_solved_total", purpose="guest") == solved_before + 1

    # The same solution a second time (a replay) is refused and creates nothing.
    reused_before = sample("livesale_challenges_failed_total", purpose="guest", reason="reused")
    status, replay = await new_guest(client, cookieless, challenge=payload)
    assert status == 403
    assert replay["error"]["code"] == "challenge_invalid"
    assert replay["error"]["details"]["reason"] == "reused"
    assert (
        sample("livesale_challenges_failed_total", purpose="guest", reason="reused")
        == reused_before + 1
    )


async def test_a_challenge_from_the_route_works_too(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    for _ in range(FREE):
        await new_guest(client, cookieless)
    response = await client.get(
        "/api/challenge?purpose=guest", headers={"X-Forwarded-For": ADDRESS}
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    challenge = await response.json()
    assert challenge["parameters"]["algorithm"] == "PBKDF2/SHA-256"
    assert challenge["parameters"]["data"] == {"purpose": "guest"}
    assert (await new_guest(client, cookieless, challenge=solve(challenge)))[0] == 200


def _tampered(payload: str, change: dict[str, Any]) -> str:
    decoded = json.loads(base64.b64decode(payload))
    for path, value in change.items():
        target = decoded
        *parents, last = path.split(".")
        for part in parents:
            target = target[part]
        target[last] = value
    return base64.b64encode(json.dumps(decoded).encode()).decode()


async def test_wrong_expired_foreign_and_garbled_solutions_are_refused(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    for _ in range(FREE):
        await new_guest(client, cookieless)

    async def challenge(purpose: str) -> dict[str, Any]:
        response = await client.get(f"/api/challenge?purpose={purpose}")
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result

    good = solve(await challenge("guest"))
    cases = {
        "wrong_solution": _tampered(good, {"solution.derivedKey": "00" * 32}),
        # A harder challenge than the server signed (a smaller counter range is no shortcut).
        "bad_signature": _tampered(good, {"challenge.parameters.keyPrefix": "00"}),
        "wrong_purpose": solve(await challenge("login")),
        "malformed": "not a payload",
    }
    for reason, payload in cases.items():
        status, body = await new_guest(client, cookieless, challenge=payload)
        assert (status, body["error"]["code"]) == (403, "challenge_invalid"), reason
        assert body["error"]["details"]["reason"] == reason
    for wrong_type in (12, ["x"], {"a": 1}, "x" * 5000):
        status, body = await new_guest(client, cookieless, challenge=wrong_type)  # type: ignore[arg-type]
        assert body["error"]["details"]["reason"] == "malformed"

    # Expired: a challenge issued by a server whose clock said it was long ago.
    challenges = client.app[SERVICES].accounts.challenges
    challenges.clock = lambda: time.time() - 2 * challenges_ttl(client)
    stale = solve(await challenge("guest"))
    challenges.clock = time.time
    status, body = await new_guest(client, cookieless, challenge=stale)
    assert body["error"]["details"]["reason"] == "expired"
    # The good one was never used up by the refusals around it.
    assert (await new_guest(client, cookieless, challenge=good))[0] == 200


def challenges_ttl(client: Client) -> int:
    """How long a challenge of this app lives, in seconds."""
    return client.app[SERVICES].settings.auth.challenge_ttl_seconds


async def test_the_hourly_limit_holds_even_with_solutions(
    settings: Settings, cookieless: aiohttp.ClientSession
) -> None:
    tight = _settings(
        settings,
        guest_free_creations_per_address_per_hour=2,
        guest_creations_per_address_per_hour=4,
        challenge_max_number=20,
        challenge_cost=10,
    )
    async with TestClient(TestServer(create_app(tight))) as c:
        statuses = [(await new_guest(c, cookieless))[0] for _ in range(2)]
        assert statuses == [200, 200]
        for _ in range(2):
            status, body = await new_guest(c, cookieless)
            assert body["error"]["code"] == "challenge_required"
            payload = solve(body["error"]["details"]["challenge"])
            assert (await new_guest(c, cookieless, challenge=payload))[0] == 200
        # The hour's limit is reached: a solution does not buy more.
        refused_before = sample("livesale_guest_creations_refused_total", reason="rate_limited")
        response = await c.get("/api/challenge?purpose=guest")
        payload = solve(await response.json())
        status, body = await new_guest(c, cookieless, challenge=payload)
        assert (status, body["error"]["code"]) == (429, "rate_limited")
        assert 0 < body["error"]["details"]["retry_after_seconds"] <= 3600
        assert body["error"]["details"]["limit"] == 4
        assert (
            sample("livesale_guest_creations_refused_total", reason="rate_limited")
            == refused_before + 1
        )


async def test_one_ipv6_64_is_one_address_and_others_are_untouched(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    for host in range(FREE):
        assert (await new_guest(client, cookieless, f"2001:db8:5:5::{host + 1:x}"))[0] == 200
    _, body = await new_guest(client, cookieless, "2001:db8:5:5:ffff::77")
    assert body["error"]["code"] == "challenge_required"
    # Another /64 and another IPv4 address each have their own free guests.
    assert (await new_guest(client, cookieless, "2001:db8:5:6::1"))[0] == 200
    assert (await new_guest(client, cookieless, "198.51.100.4"))[0] == 200


async def test_renaming_is_not_a_creation(client: Client) -> None:
    headers = {**origin(client), "X-Forwarded-For": ADDRESS}
    first = await client.put("/api/viewer", json={"display_name": "Ann"}, headers=headers)
    viewer_id = (await first.json())["viewer"]["id"]
    for n in range(3 * FREE):
        renamed = await client.put(
            "/api/viewer", json={"display_name": f"Ann {n}"}, headers=headers
        )
        assert renamed.status == 200
        assert (await renamed.json())["viewer"]["id"] == viewer_id
    # The address still has its other free creations.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as fresh:
        for _ in range(FREE - 1):
            assert (await new_guest(client, fresh))[0] == 200
        assert (await new_guest(client, fresh))[0] == 429


async def test_a_bad_name_is_refused_before_it_counts(
    client: Client, cookieless: aiohttp.ClientSession
) -> None:
    for _ in range(2 * FREE):
        status, body = await new_guest(client, cookieless, name="")
        assert (status, body["error"]["code"]) == (400, "validation_failed")
    for _ in range(FREE):
        assert (await new_guest(client, cookieless))[0] == 200


async def test_the_limit_holds_across_processes(
    settings: Settings, cookieless: aiohttp.ClientSession
) -> None:
    # Two shop processes share one Redis (and one challenge secret).
    shared = _settings(settings, challenge_max_number=20, challenge_cost=10)
    async with (
        TestClient(TestServer(create_app(shared))) as one,
        TestClient(TestServer(create_app(shared))) as two,
    ):
        created = 0
        for n in range(2 * FREE):
            status, _ = await new_guest(one if n % 2 else two, cookieless)
            created += status == 200
        assert created == FREE
        # A challenge issued by one process is accepted by the other.
        challenge = await (await one.get("/api/challenge?purpose=guest")).json()
        assert (await new_guest(two, cookieless, challenge=solve(challenge)))[0] == 200


async def test_challenges_are_issued_at_a_bounded_rate(client: Client) -> None:
    headers = {"X-Forwarded-For": "198.51.100.99"}
    statuses = [
        (await client.get("/api/challenge?purpose=login", headers=headers)).status
        for _ in range(client.app[SERVICES].settings.auth.challenges_per_address_per_minute + 1)
    ]
    assert statuses[:-1] == [200] * (len(statuses) - 1)
    assert statuses[-1] == 429
    bad = await client.get("/api/challenge?purpose=everything")
    assert bad.status == 400
    assert (await bad.json())["error"]["details"]["field"] == "purpose"
