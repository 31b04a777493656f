"""Room test helpers: a WebSocket client that reads events, guests, polling with deadlines."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import ClientSession, ClientWebSocketResponse, CookieJar, WSMsgType
from aiohttp.test_utils import TestServer
from yarl import URL

from tests.support.clients import Client, origin
from tests.support.polling import poll_until

Event = dict[str, Any]
DEADLINE_SECONDS = 5.0


class RoomSocket:
    """One room connection: every event received is kept, frames split into events."""

    def __init__(self, ws: ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[Event] = []
        self.frames = 0
        self.snapshot: Event = {}
        self._seen = 0

    async def send(self, message: Any) -> None:
        """Send a JSON message."""
        await self.ws.send_str(json.dumps(message))

    async def chat(self, text: str) -> None:
        """Send a chat message."""
        await self.send({"type": "chat", "text": text})

    async def next(
        self,
        kind: str,
        where: Callable[[Event], bool] = lambda _e: True,
        timeout: float = DEADLINE_SECONDS,
    ) -> Event:
        """The next not yet returned event of this type matching `where`."""
        deadline = time.monotonic() + timeout
        while True:
            while self._seen < len(self.events):
                event = self.events[self._seen]
                self._seen += 1
                if event.get("type") == kind and where(event):
                    return event
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no matching {kind} event in time; got {self.events[-8:]}"
            with contextlib.suppress(TimeoutError):
                await self._read(remaining)

    async def drain(self, seconds: float) -> None:
        """Keep reading for `seconds` (to check that something does NOT arrive)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                await self._read(remaining)
            except TimeoutError:
                return

    async def closed(self, timeout: float = DEADLINE_SECONDS) -> int | None:
        """Read until the server closes the connection; returns the close code."""
        deadline = time.monotonic() + timeout
        while not self.ws.closed:
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the connection was not closed in time"
            try:
                await self._read(remaining)
            except TimeoutError:
                continue
        return self.ws.close_code

    async def _read(self, timeout: float) -> None:
        msg = await self.ws.receive(timeout=timeout)
        if msg.type is WSMsgType.TEXT:
            self.frames += 1
            parsed = json.loads(msg.data)
            self.events.extend(parsed if isinstance(parsed, list) else [parsed])
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            await asyncio.sleep(0)


class Browser:
    """A cookie-keeping client of one server that, unlike TestClient, leaves it running."""

    def __init__(self, server: TestServer) -> None:
        self.origin = str(server.make_url("/")).rstrip("/")
        self.session = ClientSession(
            base_url=server.make_url("/"), cookie_jar=CookieJar(unsafe=True)
        )

    def adopt_identity(self, other: Browser) -> None:
        """Carry `other`'s cookies here: the same person on another instance."""
        cookies = other.session.cookie_jar.filter_cookies(URL(other.origin))
        self.session.cookie_jar.update_cookies({k: m.value for k, m in cookies.items()})

    async def call(self, method: str, path: str, json_body: Any = None) -> tuple[int, Any]:
        """A same-origin API call; returns the status and the JSON body (or None)."""
        async with self.session.request(
            method, path, json=json_body, headers={"Origin": self.origin}
        ) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body


@asynccontextmanager
async def room(client: Client | Browser, show_id: str) -> AsyncIterator[RoomSocket]:
    """Open the show's room from this client (same origin, its cookies), snapshot read."""
    path = f"/api/shows/{show_id}/events"
    if isinstance(client, Browser):
        ws = await client.session.ws_connect(path, headers={"Origin": client.origin})
    else:
        ws = await client.ws_connect(path, headers=origin(client))
    socket = RoomSocket(ws)
    try:
        socket.snapshot = await socket.next("snapshot")
        yield socket
    finally:
        await ws.close()


@asynccontextmanager
async def browser(server: TestServer) -> AsyncIterator[Browser]:
    """An anonymous browser of `server`."""
    client = Browser(server)
    try:
        yield client
    finally:
        await client.session.close()


@asynccontextmanager
async def guest(server: TestServer, name: str = "Guest") -> AsyncIterator[tuple[Browser, str]]:
    """A browser with a guest identity; yields it and the viewer id."""
    async with browser(server) as client:
        status, body = await client.call("PUT", "/api/viewer", {"display_name": name})
        assert status == 200, body
        yield client, str(body["viewer"]["id"])


async def eventually(
    check: Callable[[], Awaitable[bool] | bool], timeout: float = DEADLINE_SECONDS
) -> None:
    """Poll `check` until it is true, failing after `timeout` seconds."""
    await poll_until(check, timeout, "the condition")
