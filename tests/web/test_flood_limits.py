"""Floods from one client: viewer seats per address, caps under concurrent offers, stalled bodies.

Found by the chaos scenario "floods": offers sent together all passed the
viewer caps before any was counted, one address could take every seat of a
show, and a request whose body stopped arriving held its connection forever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from livesale.app import create_app
from livesale.config import Settings
from tests.support.clients import Client, explicit_dummy
from tests.support.services import relay
from tests.support.whip import SDP, check_error_body, on_air, recvonly_offer, serve

OFFERS = 10


async def post_offers(
    client: Client, show_id: str, offer: str, headers: dict[str, str] | None = None
) -> list[tuple[int, str]]:
    """`OFFERS` WHEP offers at once; each answer's status and body."""

    async def one() -> tuple[int, str]:
        response = await client.post(
            f"/whep/{show_id}", data=offer, headers={**SDP, **(headers or {})}
        )
        return response.status, await response.text()

    return await asyncio.gather(*(one() for _ in range(OFFERS)))


async def test_offers_sent_together_stop_at_the_address_cap(settings: Settings) -> None:
    async with (
        serve(settings, max_viewers_per_address=3) as client,
        on_air(client, "Flooded") as air,
    ):
        media = relay(client.app)
        offer = await recvonly_offer()
        answers = await post_offers(client, air.show_id, offer)
        # The on-air viewer holds one of the address's three seats.
        assert Counter(status for status, _ in answers) == {201: 2, 429: OFFERS - 2}
        for status, body in answers:
            if status == 429:
                assert check_error_body(body, "rate_limited")["details"]["limit"] == 3
        assert media.viewer_count(air.show_id) == 3


async def test_another_address_still_gets_a_seat(settings: Settings) -> None:
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    async with (
        # Reachable through a proxy: test payments must be chosen explicitly.
        serve(
            explicit_dummy(dataclasses.replace(settings, server=server)),
            max_viewers_per_address=1,
        ) as client,
        on_air(client, "Shared") as air,
    ):
        offer = await recvonly_offer()
        refused = await client.post(f"/whep/{air.show_id}", data=offer, headers=SDP)
        assert refused.status == 429, await refused.text()
        # Behind a trusted proxy, another client's address has seats of its own.
        other = {**SDP, "X-Forwarded-For": "203.0.113.9"}
        accepted = await client.post(f"/whep/{air.show_id}", data=offer, headers=other)
        assert accepted.status == 201, await accepted.text()


async def test_offers_sent_together_stop_at_the_show_cap(settings: Settings) -> None:
    async with (
        serve(settings, max_viewers_per_show=3, max_viewers_per_address=0) as client,
        on_air(client, "Full house") as air,
    ):
        media = relay(client.app)
        answers = await post_offers(client, air.show_id, await recvonly_offer())
        assert Counter(status for status, _ in answers) == {201: 2, 503: OFFERS - 2}
        assert media.viewer_count(air.show_id) == 3


@asynccontextmanager
async def body_timeout_server(settings: Settings, seconds: float) -> AsyncIterator[TestServer]:
    """The app on a real port with `server.body_timeout_seconds = seconds`."""
    server = dataclasses.replace(settings.server, body_timeout_seconds=seconds)
    app = create_app(dataclasses.replace(settings, server=server))
    test_server = TestServer(app, host="127.0.0.1")
    async with test_server:
        yield test_server


def put_viewer_head(server: TestServer, length: int) -> bytes:
    """The headers of `PUT /api/viewer` with a JSON body of `length` bytes."""
    origin = f"http://127.0.0.1:{server.port}"
    return (
        f"PUT /api/viewer HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nOrigin: {origin}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def test_a_stalled_body_gets_408_and_its_connection_closed(settings: Settings) -> None:
    async with body_timeout_server(settings, 0.5) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            started = time.monotonic()
            writer.write(put_viewer_head(server, 100) + b'{"display_name"')
            # read() returns at EOF: the server answers and then hangs up.
            answer = await asyncio.wait_for(reader.read(), 10)
            elapsed = time.monotonic() - started
        finally:
            writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer
        error = check_error_body(body.decode(), "request_timeout")
        assert error["details"]["body_timeout_seconds"] == 0.5
        assert 0.5 <= elapsed < 5, elapsed


async def test_a_slow_body_that_keeps_coming_is_read(settings: Settings) -> None:
    body = json.dumps({"display_name": "Slow but steady"}).encode()
    async with body_timeout_server(settings, 0.6) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(put_viewer_head(server, len(body)))
            started = time.monotonic()
            for start in range(0, len(body), 4):
                writer.write(body[start : start + 4])
                await writer.drain()
                await asyncio.sleep(0.15)  # the client's pace: slower than the timeout in total
            status_line = await asyncio.wait_for(reader.readline(), 10)
        finally:
            writer.close()
        assert time.monotonic() - started > 0.6  # the whole body took longer than the timeout
        assert status_line.startswith(b"HTTP/1.1 200"), status_line
