"""HTTP: health, the error shape, request ids and the show API."""

from __future__ import annotations

import dataclasses

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client


async def test_healthz(app_client: Client) -> None:
    response = await app_client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert response.headers["X-Request-ID"]


async def test_request_id_is_echoed_when_sane(app_client: Client) -> None:
    response = await app_client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    response = await app_client.get("/healthz", headers={"X-Request-ID": "bad id\tforged"})
    assert response.headers["X-Request-ID"] != "bad id\tforged"


async def test_unknown_route_is_json_404(app_client: Client) -> None:
    response = await app_client.get("/no/such/page")
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "not_found"
    assert set(body["error"]) == {"code", "message", "details"}
    assert response.headers["X-Request-ID"]


async def test_wrong_method_is_json_405_with_allow(app_client: Client) -> None:
    response = await app_client.post("/healthz")
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


async def _echo(request: web.Request) -> web.Response:
    return web.Response(body=await request.read())


async def _crash(request: web.Request) -> web.Response:
    raise RuntimeError("secret internals")


async def test_too_large_body_and_crash(settings: Settings) -> None:
    # A small limit keeps the test body small (aiohttp warns about big raw bodies).
    settings = dataclasses.replace(
        settings, server=dataclasses.replace(settings.server, max_body_bytes=1024)
    )
    app = create_app(settings)
    # Test-only routes: one reads the body (so client_max_size applies), one crashes.
    app.router.add_post("/test/echo", _echo)
    app.router.add_get("/test/crash", _crash)
    async with TestClient(TestServer(app)) as client:
        limit = settings.server.max_body_bytes
        response = await client.post("/test/echo", data=b"x" * (limit + 1))
        assert response.status == 413
        body = await response.json()
        assert body["error"]["code"] == "payload_too_large"
        assert body["error"]["details"]["max_body_bytes"] == limit

        response = await client.get("/test/crash")
        assert response.status == 500
        text = await response.text()
        assert "secret internals" not in text
        assert (await response.json())["error"]["code"] == "internal_error"


async def test_show_api(app_client: Client) -> None:
    app = app_client.app
    show, _key = await app[SERVICES].storage.shows.create("Spring sale")
    response = await app_client.get(f"/api/shows/{show.id}")
    assert response.status == 200
    body = await response.json()
    base = app[SERVICES].settings.base_url
    assert body["id"] == show.id
    assert body["title"] == "Spring sale"
    assert body["status"] == "scheduled"
    assert body["live"] is False
    assert body["whip_url"] == f"{base}/whip/{show.id}"
    assert body["whep_url"] == f"{base}/whep/{show.id}"
    assert body["watch_url"] == f"{base}/watch/{show.id}"

    listing = await (await app_client.get("/api/shows")).json()
    assert [s["id"] for s in listing["shows"]] == [show.id]


async def test_show_api_errors(app_client: Client) -> None:
    response = await app_client.get("/api/shows/nosuchshow00")
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "show_not_found"
    assert body["error"]["details"] == {"show_id": "nosuchshow00"}
    response = await app_client.get("/api/shows", params={"limit": "many"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "validation_failed"


async def test_unauthorized_names_the_bearer_scheme(
    app_client: TestClient[web.Request, web.Application],
) -> None:
    response = await app_client.post(
        "/whip/any-show", data="v=0\r\n", headers={"Content-Type": "application/sdp"}
    )
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = await response.json()
    assert body["error"]["code"] == "unauthorized"
