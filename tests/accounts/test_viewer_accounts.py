"""Viewer accounts over HTTP: a guest keeps everything, another device becomes that person."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.accounts import hash_token
from livesale.web.auth import VIEWER_COOKIE
from tests.challenge_solver import solve
from tests.support.clients import (
    DEFAULT_PASSWORD,
    Buyers,
    Client,
    assert_error,
    become_viewer,
    explicit_dummy,
    origin,
)
from tests.support.shopping import paid_order
from tests.support.world import open_live_shop

EMAIL = "Mia@Example.com"


async def make_account(
    client: Client, email: str = EMAIL, password: str = DEFAULT_PASSWORD
) -> ClientResponse:
    """POST /api/viewer/account with the client's own cookies."""
    return await client.post(
        "/api/viewer/account",
        json={"email": email, "password": password},
        headers=origin(client),
    )


async def sign_in(
    client: Client, email: str = EMAIL, password: str = DEFAULT_PASSWORD, **extra: Any
) -> ClientResponse:
    """POST /api/viewer/login."""
    return await client.post(
        "/api/viewer/login",
        json={"email": email, "password": password, **extra},
        headers=origin(client),
    )


def viewer_token_of(response: ClientResponse) -> str:
    """The viewer cookie a response sets (fails if it sets none)."""
    for header in response.headers.getall("Set-Cookie", []):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if VIEWER_COOKIE in cookie:
            return cookie[VIEWER_COOKIE].value
    raise AssertionError("no viewer cookie set")


async def me(client: Client) -> dict[str, Any] | None:
    viewer: dict[str, Any] | None = (await (await client.get("/api/viewer")).json())["viewer"]
    return viewer


async def count(client: Client, table: str) -> int:
    row = await client.app[SERVICES].storage.database.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Test payments chosen explicitly, as a server others reach needs them."""
    return explicit_dummy(settings)


async def test_a_guest_keeps_its_order_and_another_device_becomes_that_person(
    alice: Client, buyers: Buyers
) -> None:
    shop = await open_live_shop(alice)
    mia = await buyers("Mia")
    guest = await me(mia)
    assert guest is not None
    order = await paid_order(mia, shop.show_id, [(shop.variant_id, 1)])
    guest_token = mia.session.cookie_jar.filter_cookies(mia.make_url("/"))[VIEWER_COOKIE].value

    # A copy of the guest cookie (another browser, or a thief) is the guest until the account.
    copied = await buyers("Copy")
    copied.session.cookie_jar.clear()
    copied.session.cookie_jar.update_cookies({VIEWER_COOKIE: guest_token}, copied.make_url("/"))
    assert await me(copied) == guest

    made = await make_account(mia)
    assert made.status == 201, await made.text()
    body = await made.json()
    assert body["viewer"] == guest
    assert body["account"]["email"] == EMAIL
    session_token = viewer_token_of(made)
    assert session_token != guest_token
    # The account owns the guest's id: the order is still the person's own.
    assert await me(mia) == guest
    assert (await mia.get(f"/api/orders/{order['id']}")).status == 200
    got = await (await mia.get("/api/viewer/account")).json()
    assert got["account"]["email"] == EMAIL
    # Only the session's hash is stored, and the guest token no longer opens anything.
    row = await mia.app[SERVICES].storage.database.fetchone(
        "SELECT viewer_id FROM viewer_sessions WHERE token_hash = ?", (hash_token(session_token),)
    )
    assert row is not None
    assert row["viewer_id"] == guest["id"]
    assert await me(copied) is None
    assert (await copied.get(f"/api/orders/{order['id']}")).status in (401, 403, 404)

    # A phone with a guest of its own signs in: it becomes Mia, its guest is left as it was.
    phone = await buyers("Phone guest")
    phone_guest = await me(phone)
    assert phone_guest is not None
    assert (await phone.get(f"/api/orders/{order['id']}")).status in (401, 403, 404)
    signed_in = await sign_in(phone, email="  mia@example.COM ")
    assert signed_in.status == 200, await signed_in.text()
    assert (await signed_in.json())["viewer"] == guest
    assert await me(phone) == guest
    assert (await phone.get(f"/api/orders/{order['id']}")).status == 200
    assert (await phone.app[SERVICES].accounts.viewers.get(phone_guest["id"])) is not None

    # Signing the phone out ends its session only; the first device stays signed in.
    out = await phone.post("/api/viewer/logout", headers=origin(phone))
    assert out.status == 204
    assert await me(phone) is None
    assert await me(mia) == guest
    assert await count(mia, "viewer_sessions") == 1


async def test_wrong_inputs_change_nothing(app_client: Client) -> None:
    # No guest yet: an account needs one.
    await assert_error(await make_account(app_client), 401, "viewer_required")
    await become_viewer(app_client, "Mia")
    failures = [
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "email"),
        ({"email": EMAIL, "password": "short"}, "password"),
        ({"email": EMAIL, "password": DEFAULT_PASSWORD, "display_name": "x"}, "display_name"),
    ]
    for body, field in failures:
        response = await app_client.post(
            "/api/viewer/account", json=body, headers=origin(app_client)
        )
        details = await assert_error(response, 400, "validation_failed")
        assert details["field"] == field
    # A write from another site is refused before anything happens.
    cross = await app_client.post(
        "/api/viewer/account",
        json={"email": EMAIL, "password": DEFAULT_PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    await assert_error(cross, 403, "cross_site_refused")
    assert await count(app_client, "viewer_accounts") == 0

    assert (await make_account(app_client)).status == 201
    await assert_error(await make_account(app_client, "other@example.com"), 409, "account_exists")
    # Another browser (a fresh cookie jar) with a guest of its own.
    app_client.session.cookie_jar.clear()
    await become_viewer(app_client, "Other")
    # The same email in another letter case is taken.
    await assert_error(await make_account(app_client, "MIA@example.com"), 409, "email_taken")
    await assert_error(
        await sign_in(app_client, password="wrong password"), 401, "invalid_credentials"
    )
    await assert_error(
        await sign_in(app_client, email="nobody@example.com"), 401, "invalid_credentials"
    )
    assert await count(app_client, "viewer_accounts") == 1


async def test_a_plain_guest_signing_out_keeps_its_cookie(app_client: Client) -> None:
    guest = await become_viewer(app_client, "Mia")
    out = await app_client.post("/api/viewer/logout", headers=origin(app_client))
    assert out.status == 204
    assert VIEWER_COOKIE not in out.cookies
    assert await me(app_client) == guest
    assert (await (await app_client.get("/api/viewer/account")).json()) == {"account": None}


ATTACKER = "203.0.113.66"
FREE = 3


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[Client]:
    """Behind a trusted proxy with few free login failures; Mia has an account."""
    auth = dataclasses.replace(settings.auth, login_free_failures=FREE)
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    async with TestClient(
        TestServer(create_app(dataclasses.replace(settings, auth=auth, server=server)))
    ) as client:
        await become_viewer(client, "Mia")
        assert (await make_account(client)).status == 201
        client.session.cookie_jar.clear()
        yield client


async def test_viewer_logins_are_throttled_with_the_challenge(proxied: Client) -> None:
    forwarded = {"X-Forwarded-For": ATTACKER}
    for _ in range(FREE):
        response = await proxied.post(
            "/api/viewer/login",
            json={"email": EMAIL, "password": "wrong password"},
            headers={**origin(proxied), **forwarded},
        )
        await assert_error(response, 401, "invalid_credentials")
    # Even the right password now needs the challenge (or the wait).
    refused = await proxied.post(
        "/api/viewer/login",
        json={"email": EMAIL, "password": DEFAULT_PASSWORD},
        headers={**origin(proxied), **forwarded},
    )
    details = await assert_error(refused, 429, "challenge_required")
    assert await me(proxied) is None
    solved = solve(details["challenge"])
    accepted = await proxied.post(
        "/api/viewer/login",
        json={"email": EMAIL, "password": DEFAULT_PASSWORD, "challenge": solved},
        headers={**origin(proxied), **forwarded},
    )
    assert accepted.status == 200, await accepted.text()
    assert (await me(proxied)) is not None
