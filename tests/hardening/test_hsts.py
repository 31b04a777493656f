"""HSTS when the public URL is https: on pages, API answers, errors and protocol errors."""

from __future__ import annotations

import dataclasses

from aiohttp.test_utils import TestClient, TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import explicit_dummy
from tests.support.processes import HOST
from tests.support.raw_http import exchange
from tests.support.served import served

HSTS = "Strict-Transport-Security"


def _public(settings: Settings, url: str, max_age: int = 31_536_000) -> Settings:
    server = dataclasses.replace(settings.server, public_url=url, hsts_max_age_seconds=max_age)
    # Reachable by others: test payments must be chosen explicitly.
    return explicit_dummy(dataclasses.replace(settings, server=server))


async def _headers(settings: Settings, path: str) -> dict[str, str]:
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.get(path)
        return dict(response.headers)


async def test_an_https_public_url_gets_hsts_everywhere(settings: Settings) -> None:
    https = _public(settings, "https://live.example.com")
    for path in ("/", "/api/shows/nope", "/no/such/route", "/healthz"):
        assert (await _headers(https, path))[HSTS] == "max-age=31536000", path


async def test_no_hsts_over_plain_http_or_when_turned_off(settings: Settings) -> None:
    assert HSTS not in await _headers(settings, "/")
    assert HSTS not in await _headers(_public(settings, "http://live.example.com"), "/")
    assert HSTS not in await _headers(_public(settings, "https://live.example.com", 0), "/")


async def test_protocol_errors_carry_hsts_too() -> None:
    async with served(
        server__shop_processes="0",
        server__public_url="https://live.example.com",
        payments__gateway="dummy",
    ) as running:
        answer = await exchange(HOST, running.port, b"GE\x00T / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.status == 400
    assert answer.headers[HSTS] == "max-age=31536000"
