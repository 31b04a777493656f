"""Slow consumers, dead peers, capacity, and the bus surviving a Redis connection loss."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.room.helpers import browser, eventually, room


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small send buffer, quick heartbeats and a cap of 3 connections."""
    room_settings = dataclasses.replace(
        settings.room,
        max_send_buffer_bytes=262_144,
        heartbeat_seconds=0.3,
        max_connections_per_process=3,
    )
    return dataclasses.replace(settings, room=room_settings)


@asynccontextmanager
async def raw_socket(server: TestServer, show_id: str) -> AsyncIterator[asyncio.StreamReader]:
    """A WebSocket handshake by hand, then a client that never reads or answers pings.

    The tiny receive buffer makes the server's unsent data pile up quickly.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    assert server.port is not None
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /api/shows/{show_id}/events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    assert b" 101 " in status, status
    try:
        yield reader
    finally:
        writer.close()


async def test_slow_consumer_is_closed_and_others_get_everything(
    server: TestServer, show_id: str
) -> None:
    room_service = server.app[SERVICES].live.room
    events = server.app[SERVICES].live.events
    before = _slow_closed()
    async with browser(server) as good, room(good, show_id) as ws, raw_socket(server, show_id):
        await eventually(lambda: room_service.local_connection_count(show_id) == 2)
        count = 1200
        # The good client reads all the while; the raw one never does.
        reading = asyncio.create_task(ws.next("pin", lambda e: e["n"] == count - 1, timeout=20))
        payload = "x" * 8_000
        # ~10 MB: more than kernel buffers hold, so the raw client's share piles up.
        for n in range(count):
            await events.publish(show_id, {"type": "pin", "n": n, "pad": payload})
            if n % 10 == 0:
                await asyncio.sleep(0.002)
        await reading
        await eventually(lambda: room_service.local_connection_count(show_id) == 1)
        numbers = [e["n"] for e in ws.events if e["type"] == "pin"]
        assert numbers == list(range(count))
    assert _slow_closed() == before + 1


def _slow_closed() -> float:
    value = REGISTRY.get_sample_value("livesale_room_slow_consumers_closed_total")
    return value or 0.0


async def test_dead_connections_are_reaped_by_the_heartbeat(
    server: TestServer, show_id: str
) -> None:
    room_service = server.app[SERVICES].live.room
    async with raw_socket(server, show_id):
        await eventually(lambda: room_service.local_connection_count(show_id) == 1)
        # The raw client never answers pings: gone after about 1.5 heartbeats.
        await eventually(lambda: room_service.local_connection_count(show_id) == 0, timeout=5)


async def test_capacity_per_process(server: TestServer, show_id: str) -> None:
    async with (
        browser(server) as client,
        room(client, show_id),
        room(client, show_id),
        room(client, show_id),
    ):
        status, body = await client.call("GET", f"/api/shows/{show_id}/events")
        assert (status, body["error"]["code"]) == (503, "capacity_reached")


async def test_clients_resync_after_the_bus_loses_redis(
    server: TestServer, server2: TestServer, show_id: str
) -> None:
    async with browser(server) as client, room(client, show_id) as ws:
        redis = server.app[SERVICES].storage.redis
        # Kill every pub/sub connection: both instances' buses lose their link.
        # redis-py leaves execute_command untyped.
        killed = await redis.execute_command(  # type: ignore[no-untyped-call]
            "CLIENT", "KILL", "TYPE", "pubsub"
        )
        assert int(killed) >= 1
        again = await ws.next("snapshot", timeout=10)
        assert again["show"]["id"] == show_id
        # And events flow again, from the other instance too.
        await server2.app[SERVICES].live.events.publish(show_id, {"type": "pin", "pin": {"id": 1}})
        await ws.next("pin")
