"""Live direct-message events for this process's open pages, from Redis pub/sub.

One subscription per process, whatever the number of open pages: each page
listens on its person's channel and the channels of the shops it answers for
(`direct_messages.viewer_channel`, `shop_channel`); the process subscribes to
a channel while a page here listens on it. A message published by any process
reaches every page listening on any process. Events are hints ("conversation
X has news"): a page that missed some while the link was down reads its inbox
again when `resync` arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from livesale.live.bus import dedicated_client
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# A page's queue holds this many events; a page that reads none for that long resyncs instead.
QUEUE_SIZE = 100
READ_TIMEOUT_SECONDS = 5.0
SUBSCRIBE_TIMEOUT_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 5.0
RESYNC = json.dumps({"type": "resync"})
CLOSED = ""
IDLE_CHANNEL = "livesale:dm:idle"


class Listener:
    """One open page's events; `get` returns CLOSED when the process shuts down."""

    def __init__(self, channels: frozenset[str]) -> None:
        self.channels = channels
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)

    async def get(self, timeout: float) -> str | None:
        """The next event (JSON text), CLOSED, or None after `timeout` seconds of quiet."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def put(self, event: str) -> None:
        """Queue an event; a full queue (a stalled page) is told to resync instead."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(RESYNC)


class MessageStream:
    """This process's one pub/sub link for direct-message events, shared by its open pages."""

    def __init__(self, redis: Redis) -> None:
        self._client = dedicated_client(redis)
        self._listeners: dict[str, set[Listener]] = {}
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closed = False
        # Channels Redis confirmed on the current link, and who waits for a confirmation.
        self._confirmed: set[str] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}

    async def listen(self, channels: Iterable[str]) -> Listener:
        """A listener on these channels, subscribed before this returns (or after `timeout`)."""
        listener = Listener(frozenset(channels))
        loop = asyncio.get_running_loop()
        async with self._lock:
            waits = []
            for channel in listener.channels:
                self._listeners.setdefault(channel, set()).add(listener)
                if channel not in self._confirmed:
                    waiter: asyncio.Future[None] = loop.create_future()
                    self._waiters.setdefault(channel, []).append(waiter)
                    waits.append(waiter)
            if self._task is None:
                self._task = asyncio.create_task(self._run(), name="message-stream")
            elif waits and self._pubsub is not None:
                await self._pubsub.subscribe(*listener.channels)
        if waits:
            # Without Redis the page still opens; it resyncs once the link is back.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits), SUBSCRIBE_TIMEOUT_SECONDS)
        return listener

    async def stop(self, listener: Listener) -> None:
        """Forget a listener (its page closed); unsubscribe channels nobody here listens on."""
        async with self._lock:
            gone = []
            for channel in listener.channels:
                listeners = self._listeners.get(channel)
                if listeners is None:
                    continue
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[channel]
                    gone.append(channel)
                    self._confirmed.discard(channel)
            if gone and self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(*gone)

    async def close(self) -> None:
        """End every open page's stream and the link (at shutdown)."""
        self._closed = True
        for listeners in list(self._listeners.values()):
            for listener in listeners:
                listener.put(CLOSED)
        await cancel_and_wait(self._task)
        self._task = None
        await self._client.aclose()

    async def _run(self) -> None:
        failures = 0
        while not self._closed:
            pubsub = self._client.pubsub()
            try:
                async with self._lock:
                    # Never an empty SUBSCRIBE: with no page listening, wait on a quiet channel.
                    await pubsub.subscribe(*(self._listeners or (IDLE_CHANNEL,)))
                    self._pubsub = pubsub
                if failures:
                    self._broadcast(RESYNC)
                failures = 0
                await self._read(pubsub)
            except (RedisError, OSError) as exc:
                logger.warning("direct-message stream lost Redis (%s); reconnecting", exc)
            finally:
                self._pubsub = None
                self._confirmed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            failures += 1
            await asyncio.sleep(
                min(BACKOFF_MAX_SECONDS, 0.1 * 2**failures) * random.uniform(0.5, 1)
            )

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            message = await pubsub.get_message(timeout=READ_TIMEOUT_SECONDS)
            if message is None:
                await pubsub.ping()
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            if message["type"] == "subscribe":
                self._confirm(channel)
                continue
            if message["type"] != "message":
                continue
            data = message["data"]
            event = data.decode() if isinstance(data, bytes) else str(data)
            for listener in list(self._listeners.get(channel, ())):
                listener.put(event)

    def _confirm(self, channel: str) -> None:
        if channel in self._listeners:
            self._confirmed.add(channel)
        for waiter in self._waiters.pop(channel, []):
            if not waiter.done():
                waiter.set_result(None)

    def _broadcast(self, event: str) -> None:
        for listeners in list(self._listeners.values()):
            for listener in listeners:
                listener.put(event)
