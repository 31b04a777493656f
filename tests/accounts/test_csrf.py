"""Cross-site writes under /api/ are refused; same-origin ones and other paths are not."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from aiohttp.test_utils import make_mocked_request

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.web.auth import SESSION_COOKIE
from livesale.web.csrf import is_same_origin
from tests.support.clients import DEFAULT_PASSWORD, Client, origin, sign_up

EVIL = "https://evil.example"
NEW_ACCOUNT = {"email": "new@example.com", "password": DEFAULT_PASSWORD, "display_name": "N"}


async def creator_count(client: Client) -> int:
    row = await client.app[SERVICES].storage.database.fetchone("SELECT COUNT(*) FROM creators")
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
        {"Origin": "not a url"},
        {},  # neither header: API clients must say where they come from
    ],
)
async def test_cross_site_signup_is_refused_and_changes_nothing(
    app_client: Client, headers: dict[str, str]
) -> None:
    response = await app_client.post("/api/auth/signup", json=NEW_ACCOUNT, headers=headers)
    assert response.status == 403
    body = await response.json()
    assert body["error"]["code"] == "cross_site_refused"
    assert set(body["error"]) == {"code", "message", "details"}
    assert "Set-Cookie" not in response.headers
    assert await creator_count(app_client) == 0


async def test_sec_fetch_site_decides_even_with_our_origin(app_client: Client) -> None:
    # A browser's Sec-Fetch-Site is more trustworthy than a matching Origin.
    headers = {**origin(app_client), "Sec-Fetch-Site": "cross-site"}
    response = await app_client.post("/api/auth/signup", json=NEW_ACCOUNT, headers=headers)
    assert response.status == 403


@pytest.mark.parametrize(
    "headers_of",
    [
        lambda client: origin(client),
        lambda client: {"Sec-Fetch-Site": "same-origin"},
        lambda client: {"Sec-Fetch-Site": "none"},
        lambda client: {"Origin": "http://127.0.0.1:8080"},  # the configured public URL
        lambda client: {"Origin": str(client.make_url("/")).rstrip("/").upper()},
    ],
)
async def test_same_origin_writes_pass(
    app_client: Client, headers_of: Callable[[Client], dict[str, str]]
) -> None:
    headers = headers_of(app_client)
    response = await app_client.post("/api/auth/signup", json=NEW_ACCOUNT, headers=headers)
    assert response.status == 201
    assert await creator_count(app_client) == 1


async def test_cross_site_logout_keeps_the_session(app_client: Client) -> None:
    await sign_up(app_client)
    response = await app_client.post("/api/auth/logout", headers={"Origin": EVIL})
    assert response.status == 403
    assert (await app_client.get("/api/auth/me")).status == 200
    row = await app_client.app[SERVICES].storage.database.fetchone(
        "SELECT COUNT(*) FROM creator_sessions"
    )
    assert row is not None
    assert row[0] == 1
    assert SESSION_COOKIE in {c.key for c in app_client.session.cookie_jar}


async def test_cross_site_viewer_rename_is_refused(app_client: Client) -> None:
    response = await app_client.put(
        "/api/viewer", json={"display_name": "Mallory"}, headers={"Origin": EVIL}
    )
    assert response.status == 403
    row = await app_client.app[SERVICES].storage.database.fetchone("SELECT COUNT(*) FROM viewers")
    assert row is not None
    assert row[0] == 0


async def test_reads_and_non_api_paths_are_not_checked(app_client: Client) -> None:
    response = await app_client.get("/api/viewer", headers={"Origin": EVIL})
    assert response.status == 200
    # WHIP/WHEP are for third-party tools: they answer for themselves (401 here, not 403).
    response = await app_client.post(
        "/whip/anyshow",
        data="v=0\r\n",
        headers={"Origin": EVIL, "Content-Type": "application/sdp"},
    )
    assert response.status == 401


async def test_only_the_stripe_webhook_is_exempt(app_client: Client) -> None:
    # The webhook proves itself with a signature: it gets past the CSRF check to that check.
    response = await app_client.post("/api/payments/stripe/webhook", headers={"Origin": EVIL})
    assert response.status == 404  # the dummy gateway is in use, not Stripe
    assert (await response.json())["error"]["code"] == "payment_not_found"
    # The dummy card form is a cookie-authenticated write like any other.
    response = await app_client.post(
        "/api/payments/dummy/dp_x/confirm", json={"card_number": "4242"}, headers={"Origin": EVIL}
    )
    assert response.status == 403


def test_is_same_origin_against_an_https_public_url(settings: Settings) -> None:
    settings = dataclasses.replace(
        settings, server=dataclasses.replace(settings.server, public_url="https://Shop.Example/")
    )

    def same_origin(headers: dict[str, str]) -> bool:
        request = make_mocked_request("GET", "/", headers={"Host": "10.0.0.5:8080", **headers})
        return is_same_origin(request, settings.base_url)

    assert same_origin({"Origin": "https://shop.example"})
    assert same_origin({"Origin": "https://shop.example:443"})
    assert same_origin({"Origin": "http://10.0.0.5:8080"})  # as addressed
    assert not same_origin({"Origin": "http://shop.example"})  # scheme differs
    assert not same_origin({"Origin": "https://shop.example.evil.example"})
    assert not same_origin({"Origin": "https://shop.example:8443"})
    assert not same_origin({})
