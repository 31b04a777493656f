"""Local fan-out: a show's connections in this process, and batched writes to all of them.

Cost model: per flush, the batch is joined and UTF-8 encoded once; per
connection there is one buffer-size check and one frame write (a header plus
the shared payload), with no JSON work and no task. Writes never wait: the
writer limit is set so high that aiohttp never pauses a send for flow control,
and a connection whose transport buffer grows past `max_send_buffer_bytes`
is closed instead (it reconnects and gets a fresh snapshot). So one slow
phone costs nothing to the others and holds a bounded amount of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from aiohttp import WSMsgType, web

from livesale import metrics
from livesale.domain.chat import Participant
from livesale.live.protocol import CLOSE_TOO_SLOW, batch_frame, dumps
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# aiohttp drains (awaits) after this many bytes are written; we never want that.
NO_FLOW_CONTROL_LIMIT = 2**62
CLOSE_TIMEOUT_SECONDS = 2.0
# A flush to thousands of connections lets other work (chat intake, pins) run
# between slices, so no request waits for a whole flush.
CONNECTIONS_PER_SLICE = 1000
# The writer may spend at most 1/FLUSH_DUTY_FACTOR of the time flushing one show:
# a small room flushes almost at once, a big one at most every flush interval.
FLUSH_DUTY_FACTOR = 3


class Connection:
    """One viewer's WebSocket in a show's room."""

    def __init__(
        self,
        show_id: str,
        creator_id: str | None,
        ws: web.WebSocketResponse,
        transport: asyncio.BaseTransport | None,
        who: Participant,
        max_buffer_bytes: int,
    ) -> None:
        self.show_id = show_id
        self.creator_id = creator_id
        self.who = who
        self.ws = ws
        # A cast, not an isinstance check: uvloop's transports do not subclass asyncio's.
        self._transport = cast(asyncio.WriteTransport | None, transport)
        self._max_buffer = max_buffer_bytes
        # Until the snapshot is out, events wait here, so none is missed or overtakes it.
        self.ready = False
        self.backlog: list[str] = []
        self.closed = False
        self.you: dict[str, Any] = {}
        self.like_window = 0
        self.likes_in_window = 0
        self.address = ""  # the client's address as a person key (IPv6 cut to its /64)
        # Who the connection counts as among the viewers (audience key, replay); None for
        # the show's creator and for a connection refused over its address's cap.
        self.person: tuple[str, bool] | None = None
        self._close_task: asyncio.Task[None] | None = None
        self.on_gone: Callable[[Connection], None] = lambda _conn: None

    async def send_raw(self, data: bytes) -> bool:
        """Write one text frame now; False (and closing) for a slow or gone peer."""
        if self.closed:
            return False
        transport = self._transport
        if transport is None or transport.is_closing():
            self.closed = True
            self.on_gone(self)
            return False
        if transport.get_write_buffer_size() > self._max_buffer:
            self.close_soon(CLOSE_TOO_SLOW, "too slow: reconnect for a fresh snapshot")
            metrics.ROOM_SLOW_CLOSED.inc()
            return False
        try:
            await self.ws.send_frame(data, WSMsgType.TEXT)
        except (ConnectionError, RuntimeError):
            self.closed = True
            self.on_gone(self)
            return False
        return True

    async def send(self, event: dict[str, Any] | list[dict[str, Any]]) -> bool:
        """Serialise and send one event (or an array) to this connection only."""
        return await self.send_raw(dumps(event).encode())

    def close_soon(self, code: int, reason: str) -> asyncio.Task[None]:
        """Stop writing and close with `code` in the background (idempotent)."""
        if self._close_task is None:
            self.closed = True
            self.on_gone(self)
            self._close_task = asyncio.get_running_loop().create_task(self._close(code, reason))
        return self._close_task

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            # No drain: the buffer may be full of events this peer will never read.
            async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                await self.ws.close(code=code, message=reason.encode(), drain=False)
        if self._transport is not None and not self._transport.is_closing():
            self._transport.abort()


class ShowFanout:
    """One show's local connections and the batching writer that serves them."""

    def __init__(self, show_id: str, flush_interval: float) -> None:
        self.show_id = show_id
        self.connections: dict[Connection, None] = {}  # insertion-ordered set
        self.seq = 0  # bus events received, for snapshot-cache freshness
        self._interval = flush_interval
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._last_flush = -float("inf")
        self._last_duration = 0.0
        self._task = asyncio.get_running_loop().create_task(self._run())

    def push(self, raw: str, *, from_bus: bool = True) -> None:
        """Queue one serialised event for every local connection of the show."""
        if from_bus:
            self.seq += 1
        self._pending.append(raw)
        self._wake.set()

    async def close(self) -> None:
        """Stop the writer task."""
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            # A lone event goes at once. After that, the gap before the next
            # flush grows with what a flush costs (so a small room stays
            # near-instant and a big one batches), never beyond the interval.
            gap = min(self._interval, FLUSH_DUTY_FACTOR * self._last_duration)
            delay = self._last_flush + gap - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self._wake.clear()
            raws, self._pending = self._pending, []
            self._last_flush = loop.time()
            try:
                await self._flush(raws)
            except Exception:  # one bad flush must not stop the room
                logger.exception("room flush failed for show %s", self.show_id)
            self._last_duration = loop.time() - self._last_flush

    async def _flush(self, raws: list[str]) -> None:
        if not raws:
            return
        started = time.perf_counter()
        data = batch_frame(raws).encode()
        sent = 0
        for index, conn in enumerate(list(self.connections), start=1):
            if conn.ready:
                sent += await conn.send_raw(data)
            else:
                conn.backlog.extend(raws)
            if index % CONNECTIONS_PER_SLICE == 0:
                await asyncio.sleep(0)
        metrics.ROOM_MESSAGES_SENT.inc(sent)
        metrics.ROOM_FANOUT_SECONDS.observe(time.perf_counter() - started)
