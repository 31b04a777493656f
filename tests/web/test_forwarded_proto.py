"""Behind a TLS-terminating proxy: its `X-Forwarded-Proto: https` makes cookies `Secure`."""

from __future__ import annotations

import dataclasses
from http.cookies import SimpleCookie

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import Settings
from livesale.web.auth import SESSION_COOKIE
from livesale.web.client_address import TrustedProxies, client_address_middleware
from tests.support.clients import DEFAULT_PASSWORD, Client, explicit_dummy, origin


def session_cookie(response: ClientResponse) -> SimpleCookie:
    """The session's Set-Cookie, parsed."""
    for header in response.headers.getall("Set-Cookie", []):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if SESSION_COOKIE in cookie:
            return cookie
    raise AssertionError("no session cookie set")


async def _sign_up(client: Client, email: str, headers: dict[str, str]) -> ClientResponse:
    body = {"email": email, "password": DEFAULT_PASSWORD, "display_name": "Ada"}
    return await client.post("/api/auth/signup", json=body, headers=headers)


def https_origin(client: Client) -> dict[str, str]:
    """What a browser on the proxy's https address sends, as the proxy passes it on."""
    return {
        "Origin": origin(client)["Origin"].replace("http://", "https://"),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.7",
    }


async def test_a_trusted_proxy_saying_https_gets_a_secure_session_cookie(
    settings: Settings,
) -> None:
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    app = create_app(explicit_dummy(dataclasses.replace(settings, server=server)))
    async with TestClient(TestServer(app)) as client:
        response = await _sign_up(client, "ada@example.com", https_origin(client))
        assert response.status == 201, await response.text()
        assert session_cookie(response)[SESSION_COOKIE]["secure"] is True
        # The proxy's plain-http side stays plain.
        plain = await _sign_up(
            client, "bob@example.com", {**origin(client), "X-Forwarded-Proto": "http"}
        )
        assert plain.status == 201, await plain.text()
        assert not session_cookie(plain)[SESSION_COOKIE]["secure"]


async def test_anyone_elses_forwarded_proto_is_ignored(settings: Settings) -> None:
    async with TestClient(TestServer(create_app(settings))) as client:
        # Not a trusted proxy: the request stays http, so an https Origin is cross-site.
        refused = await _sign_up(client, "eve@example.com", https_origin(client))
        assert refused.status == 403
        headers = {**origin(client), "X-Forwarded-Proto": "https"}
        response = await _sign_up(client, "eve@example.com", headers)
        assert response.status == 201, await response.text()
        assert not session_cookie(response)[SESSION_COOKIE]["secure"]


async def who(request: web.Request) -> web.Response:
    """What the handlers below the middleware see of the client."""
    return web.json_response({"remote": request.remote, "scheme": request.scheme})


async def test_a_proxy_names_the_client_and_its_scheme_together() -> None:
    app = web.Application(middlewares=[client_address_middleware(TrustedProxies(["127.0.0.1"]))])
    app.router.add_get("/who", who)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        both = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        seen = await (await client.get("/who", headers=both)).json()
        assert seen == {"remote": "203.0.113.7", "scheme": "https"}
        only_proto = await (await client.get("/who", headers={"X-Forwarded-Proto": "https"})).json()
        assert only_proto == {"remote": "127.0.0.1", "scheme": "https"}
        odd = {"X-Forwarded-Proto": "gopher"}
        assert (await (await client.get("/who", headers=odd)).json())["scheme"] == "http"
