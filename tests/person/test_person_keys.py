"""The person keys of a request: one definition of "who" for every per-person limit."""

from __future__ import annotations

import dataclasses
from functools import partial

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.person import PersonKeys, address_key, person_keys
from livesale.web.auth import Identity
from livesale.web.person import request_address, request_person
from tests.support.clients import explicit_dummy, origin


def test_ipv4_is_kept_whole() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"


def test_ipv6_is_cut_to_its_64() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")


def test_ipv4_mapped_ipv6_is_the_ipv4_address() -> None:
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"


def test_missing_or_garbled_addresses_share_one_key() -> None:
    assert address_key(None) == address_key("") == address_key("garbage") == "unknown"


def test_keys_name_the_guest_then_the_address() -> None:
    assert person_keys("v1", "2001:db8::5").keys() == ("viewer:v1", "address:2001:db8::/64")
    assert person_keys(None, "203.0.113.7").keys() == ("address:203.0.113.7",)
    assert PersonKeys("v1", "203.0.113.7").viewer_key == "viewer:v1"


async def person_route(request: web.Request, *, identity: Identity) -> web.Response:
    person = await request_person(request, identity)
    return web.json_response({"keys": list(person.keys()), "address": request_address(request)})


async def test_a_request_gives_its_guest_and_its_settled_address(settings: Settings) -> None:
    # Behind a trusted proxy, so the address is the one X-Forwarded-For names.
    server_settings = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1", "::1"))
    app = create_app(explicit_dummy(dataclasses.replace(settings, server=server_settings)))
    app.router.add_get(
        "/test/person", partial(person_route, identity=app[SERVICES].accounts.identity)
    )
    async with TestClient(TestServer(app)) as client:
        headers = {"X-Forwarded-For": "2001:db8:7:7::42", **origin(client)}
        anonymous = await (await client.get("/test/person", headers=headers)).json()
        assert anonymous == {"keys": ["address:2001:db8:7:7::/64"], "address": "2001:db8:7:7::/64"}

        put = await client.put("/api/viewer", json={"display_name": "Guest"}, headers=headers)
        viewer_id = (await put.json())["viewer"]["id"]
        guest = await (await client.get("/test/person", headers=headers)).json()
        assert guest["keys"] == [f"viewer:{viewer_id}", "address:2001:db8:7:7::/64"]
