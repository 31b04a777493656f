"""Creator sign-up, login, logout and /me over HTTP, with real SQLite and Redis."""

from __future__ import annotations

import dataclasses
import logging
from functools import partial
from http.cookies import SimpleCookie

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.accounts import hash_token
from livesale.web.auth import SESSION_COOKIE, Identity
from tests.support.clients import DEFAULT_PASSWORD, Client, explicit_dummy, origin, sign_up

SIGNUP = {"email": "Ada@Example.com", "password": DEFAULT_PASSWORD, "display_name": "Ada"}


def set_cookie(response: ClientResponse, name: str) -> SimpleCookie:
    """The Set-Cookie header for `name`, parsed (fails if there is none)."""
    headers = response.headers.getall("Set-Cookie", [])
    for header in headers:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            return cookie
    raise AssertionError(f"no Set-Cookie for {name} in {headers}")


async def count(client: Client, table: str) -> int:
    row = await client.app[SERVICES].storage.database.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def test_signup_me_logout(app_client: Client) -> None:
    response = await app_client.post("/api/auth/signup", json=SIGNUP, headers=origin(app_client))
    assert response.status == 201
    creator = (await response.json())["creator"]
    assert set(creator) == {"id", "email", "display_name", "created_at"}
    assert creator["email"] == "Ada@Example.com"
    assert creator["display_name"] == "Ada"

    cookie = set_cookie(response, SESSION_COOKIE)[SESSION_COOKIE]
    ttl = app_client.app[SERVICES].settings.auth.session_ttl_seconds
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == str(ttl)
    assert not cookie["secure"]  # plain http in tests
    # Only the hash of the token is stored.
    row = await app_client.app[SERVICES].storage.database.fetchone(
        "SELECT token_hash, creator_id, expires_at - created_at AS ttl FROM creator_sessions"
    )
    assert row is not None
    assert row["token_hash"] == hash_token(cookie.value) != cookie.value
    assert row["creator_id"] == creator["id"]
    assert row["ttl"] == ttl

    me = await app_client.get("/api/auth/me")
    assert me.status == 200
    assert (await me.json()) == {"creator": creator}

    out = await app_client.post("/api/auth/logout", headers=origin(app_client))
    assert out.status == 204
    cleared = set_cookie(out, SESSION_COOKIE)[SESSION_COOKIE]
    assert cleared.value == ""
    assert cleared["max-age"] == "0"
    assert await count(app_client, "creator_sessions") == 0

    me = await app_client.get("/api/auth/me")
    assert me.status == 401
    assert (await me.json())["error"]["code"] == "not_signed_in"
    # The old cookie is dead on the server too, not just forgotten by this browser.
    me = await app_client.get("/api/auth/me", cookies={SESSION_COOKIE: cookie.value})
    assert me.status == 401
    # Logging out again (no session) is harmless.
    assert (await app_client.post("/api/auth/logout", headers=origin(app_client))).status == 204


async def test_login_any_case_and_wrong_password_says_nothing_more(app_client: Client) -> None:
    await sign_up(app_client, email="ada@example.com")
    app_client.session.cookie_jar.clear()

    wrong_password = await app_client.post(
        "/api/auth/login",
        json={"email": "ada@example.com", "password": "not the password"},
        headers=origin(app_client),
    )
    unknown_email = await app_client.post(
        "/api/auth/login",
        json={"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
        headers=origin(app_client),
    )
    assert wrong_password.status == unknown_email.status == 401
    first, second = await wrong_password.json(), await unknown_email.json()
    assert first["error"]["code"] == "invalid_credentials"
    assert first == second  # same words either way: no hint which part was wrong
    assert "Set-Cookie" not in wrong_password.headers
    assert (await app_client.get("/api/auth/me")).status == 401

    response = await app_client.post(
        "/api/auth/login",
        json={"email": "  ADA@example.COM ", "password": DEFAULT_PASSWORD},
        headers=origin(app_client),
    )
    assert response.status == 200
    assert (await response.json())["creator"]["email"] == "ada@example.com"
    assert SESSION_COOKIE in set_cookie(response, SESSION_COOKIE)
    me = await app_client.get("/api/auth/me")
    assert (await me.json())["creator"]["email"] == "ada@example.com"


async def test_duplicate_email_is_409_whatever_the_case(app_client: Client) -> None:
    first = await sign_up(app_client, email="shop@example.com")
    response = await app_client.post(
        "/api/auth/signup",
        json={"email": "SHOP@Example.com", "password": "another password", "display_name": "B"},
        headers=origin(app_client),
    )
    assert response.status == 409
    body = await response.json()
    assert body["error"]["code"] == "email_taken"
    assert body["error"]["details"]["field"] == "email"
    assert await count(app_client, "creators") == 1
    # The first account keeps its password.
    login = await app_client.post(
        "/api/auth/login",
        json={"email": "shop@example.com", "password": DEFAULT_PASSWORD},
        headers=origin(app_client),
    )
    assert (await login.json())["creator"]["id"] == first["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 1025}, "password"),
        ({"password": 12345678}, "password"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "x" * 41}, "display_name"),
        ({"display_name": "bad\u0000name"}, "display_name"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_signup_validation(app_client: Client, change: dict[str, object], field: str) -> None:
    response = await app_client.post(
        "/api/auth/signup", json={**SIGNUP, **change}, headers=origin(app_client)
    )
    assert response.status == 400
    body = await response.json()
    assert body["error"]["code"] == "validation_failed"
    assert body["error"]["details"]["field"] == field
    assert "Set-Cookie" not in response.headers
    assert await count(app_client, "creators") == 0
    assert await count(app_client, "creator_sessions") == 0


async def test_signup_refuses_non_json(app_client: Client) -> None:
    response = await app_client.post(
        "/api/auth/signup", data="email=a@b.co", headers=origin(app_client)
    )
    assert response.status == 415
    response = await app_client.post(
        "/api/auth/signup",
        data="{not json",
        headers={**origin(app_client), "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    assert await count(app_client, "creators") == 0


async def test_cookie_is_secure_behind_https(settings: Settings) -> None:
    settings = dataclasses.replace(
        settings,
        server=dataclasses.replace(settings.server, public_url="https://shop.example"),
    )
    # A public URL: test payments must be chosen explicitly.
    async with TestClient(TestServer(create_app(explicit_dummy(settings)))) as client:
        response = await client.post(
            "/api/auth/signup", json=SIGNUP, headers={"Origin": "https://shop.example"}
        )
        assert response.status == 201
        assert set_cookie(response, SESSION_COOKIE)[SESSION_COOKIE]["secure"] is True
        out = await client.post("/api/auth/logout", headers={"Origin": "https://shop.example"})
        assert set_cookie(out, SESSION_COOKIE)[SESSION_COOKIE]["secure"] is True


async def test_secrets_never_reach_logs_or_bodies(
    app_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "hunter2-but-longer-and-unique"
    bodies: list[str] = []
    response = await app_client.post(
        "/api/auth/signup",
        json={"email": "log@example.com", "password": secret, "display_name": "Log"},
        headers=origin(app_client),
    )
    token = set_cookie(response, SESSION_COOKIE)[SESSION_COOKIE].value
    bodies.append(await response.text())
    for attempt in (secret + "x", secret):
        login = await app_client.post(
            "/api/auth/login",
            json={"email": "log@example.com", "password": attempt},
            headers=origin(app_client),
        )
        bodies.append(await login.text())
    too_long = await app_client.post(
        "/api/auth/signup",
        json={"email": "other@example.com", "password": secret * 40, "display_name": "Log"},
        headers=origin(app_client),
    )
    assert too_long.status == 400
    bodies.append(await too_long.text())
    bodies.append(await (await app_client.get("/api/auth/me")).text())

    assert f"creator {(await response.json())['creator']['id']} signed up" in caplog.text
    for text in [*bodies, caplog.text]:
        assert secret not in text
        assert token not in text
    stored = await app_client.app[SERVICES].storage.database.fetchone(
        "SELECT password_hash FROM creators"
    )
    assert stored is not None
    assert str(stored[0]).startswith("$argon2id$")
    assert secret not in str(stored[0])


async def test_require_creator_guards_a_route(settings: Settings) -> None:
    async def whoami(request: web.Request, *, identity: Identity) -> web.Response:
        return web.json_response({"id": (await identity.require_creator(request)).id})

    app = create_app(settings)
    app.router.add_post(
        "/api/test/whoami", partial(whoami, identity=app[SERVICES].accounts.identity)
    )
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/test/whoami", headers=origin(client))
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "not_signed_in"
        creator = await sign_up(client)
        response = await client.post("/api/test/whoami", headers=origin(client))
        assert (await response.json()) == {"id": creator["id"]}
        # A forged cookie is nobody.
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies({SESSION_COOKIE: "forged" * 7})
        response = await client.post("/api/test/whoami", headers=origin(client))
        assert response.status == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com"}, "password"),
        ({"password": DEFAULT_PASSWORD}, "email"),
        ({"email": ["a@example.com"], "password": DEFAULT_PASSWORD}, "email"),
        ({"email": "a@example.com", "password": DEFAULT_PASSWORD, "remember": True}, "remember"),
    ],
)
async def test_login_validation(app_client: Client, body: dict[str, object], field: str) -> None:
    response = await app_client.post("/api/auth/login", json=body, headers=origin(app_client))
    assert response.status == 400
    assert (await response.json())["error"]["details"]["field"] == field
    assert "Set-Cookie" not in response.headers
    # Malformed requests are not login attempts: nothing was counted.
    assert [
        key async for key in app_client.app[SERVICES].storage.redis.scan_iter("livesale:login:*")
    ] == []
