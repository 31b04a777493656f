"""Guest viewers: a display name and a cookie, no account."""

from __future__ import annotations

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
from livesale.domain.errors import ViewerNotFound
from livesale.web.auth import VIEWER_COOKIE, Identity
from tests.support.clients import Client, become_viewer, origin


def viewer_cookie(response: ClientResponse) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        cookie.load(header)
    return cookie


async def test_guest_create_rename_and_cookie(
    app_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await app_client.get("/api/viewer")
    assert (await response.json()) == {"viewer": None}

    response = await app_client.put(
        "/api/viewer", json={"display_name": "  Mei  "}, headers=origin(app_client)
    )
    assert response.status == 200
    viewer = (await response.json())["viewer"]
    assert viewer["display_name"] == "Mei"
    assert set(viewer) == {"id", "display_name"}
    cookie = viewer_cookie(response)[VIEWER_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == str(app_client.app[SERVICES].settings.auth.guest_ttl_seconds)
    token = cookie.value
    assert token not in await response.text()
    stored = await app_client.app[SERVICES].storage.database.fetchone(
        "SELECT token_hash FROM viewers"
    )
    assert stored is not None
    assert stored[0] == hash_token(token)

    assert (await (await app_client.get("/api/viewer")).json()) == {"viewer": viewer}

    # Renaming keeps the identity and sets no new cookie.
    renamed = await app_client.put(
        "/api/viewer", json={"display_name": "Mei Mei"}, headers=origin(app_client)
    )
    assert (await renamed.json())["viewer"] == {"id": viewer["id"], "display_name": "Mei Mei"}
    assert VIEWER_COOKIE not in viewer_cookie(renamed)
    assert token not in caplog.text

    # Bad names change nothing.
    for bad in ["", "x" * 41, "a\nb", None]:
        response = await app_client.put(
            "/api/viewer", json={"display_name": bad}, headers=origin(app_client)
        )
        assert response.status == 400
        assert (await response.json())["error"]["details"]["field"] == "display_name"
    current = await (await app_client.get("/api/viewer")).json()
    assert current["viewer"]["display_name"] == "Mei Mei"
    count = await app_client.app[SERVICES].storage.database.fetchone("SELECT COUNT(*) FROM viewers")
    assert count is not None
    assert count[0] == 1


async def test_invalid_first_name_creates_no_guest(app_client: Client) -> None:
    response = await app_client.put(
        "/api/viewer", json={"display_name": "\u202eevil"}, headers=origin(app_client)
    )
    assert response.status == 400
    assert "Set-Cookie" not in response.headers
    count = await app_client.app[SERVICES].storage.database.fetchone("SELECT COUNT(*) FROM viewers")
    assert count is not None
    assert count[0] == 0


async def test_unknown_guest_cookie_is_nobody_and_gets_a_new_identity(app_client: Client) -> None:
    app_client.session.cookie_jar.update_cookies({VIEWER_COOKIE: "x" * 43})
    assert (await (await app_client.get("/api/viewer")).json()) == {"viewer": None}
    viewer = await become_viewer(app_client, "Fresh")
    assert viewer["display_name"] == "Fresh"


async def test_require_viewer_and_repository(settings: Settings) -> None:
    async def whoami(request: web.Request, *, identity: Identity) -> web.Response:
        return web.json_response({"id": (await identity.require_viewer(request)).id})

    app = create_app(settings)
    app.router.add_get(
        "/api/test/viewer", partial(whoami, identity=app[SERVICES].accounts.identity)
    )
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/api/test/viewer")
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "viewer_required"
        viewer = await become_viewer(client, "Kai")
        assert (await (await client.get("/api/test/viewer")).json()) == {"id": viewer["id"]}

        viewers = client.app[SERVICES].accounts.viewers
        assert (await viewers.get(viewer["id"])).display_name == "Kai"
        found = await viewers.get_many([viewer["id"], "missing"])
        assert list(found) == [viewer["id"]]
        assert await viewers.get_many([]) == {}
        with pytest.raises(ViewerNotFound):
            await viewers.get("missing")
        with pytest.raises(ViewerNotFound):
            await viewers.rename("missing", "Name")
