"""The process's one Redis pub/sub connection: show events in, reconnects with backoff.

Each process subscribes to the channel of every show it has local connections
for (and to one control channel), on a dedicated connection without redis-py's
silent retries: when the link drops, messages may have been lost, so the bus
reconnects with exponential backoff, subscribes again, and then asks the room
to resync its clients (fresh snapshots).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any

from redis.asyncio import ConnectionPool, Redis, RedisCluster
from redis.asyncio.client import PubSub
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from livesale.storage.room_redis import CONTROL_CHANNEL, events_channel, show_of_channel
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT_SECONDS = 5.0
# With no traffic for this long the bus pings; no answer by the next idle spell = dead link.
IDLE_PING_SECONDS = 5.0
BACKOFF_FIRST_SECONDS = 0.1
BACKOFF_MAX_SECONDS = 5.0


class Bus:
    """Subscribes to the shows that have local connections and hands their events on."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._on_event: Callable[[str, str], None] = _ignore
        self._on_control: Callable[[str], None] = _ignore
        self._on_resync: Callable[[], None] = _ignore
        self._client = dedicated_client(redis)
        self._shows: set[str] = set()  # followed: shows with local connections
        self._confirmed: set[str] = set()  # followed and confirmed on the current link
        # Subscribe/unsubscribe commands go one at a time, so their order is the calls' order.
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pubsub: PubSub | None = None
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._connected_once = False
        self.connected = asyncio.Event()

    async def start(
        self,
        on_event: Callable[[str, str], None],
        on_control: Callable[[str], None],
        on_resync: Callable[[], None],
    ) -> None:
        """Start the reader; returns when the first subscription is confirmed (or times out).

        What it hears goes to `on_event(show_id, raw)` and `on_control(raw)`;
        `on_resync()` follows a reconnect, when events may have been lost.
        """
        self._on_event, self._on_control, self._on_resync = on_event, on_control, on_resync
        self._task = asyncio.get_running_loop().create_task(self._run())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), SUBSCRIBE_TIMEOUT_SECONDS)

    async def close(self) -> None:
        """Stop reading and close the dedicated connection."""
        for task in list(self._tasks):
            task.cancel()
        await cancel_and_wait(self._task)
        await self._client.aclose()

    async def subscribe(self, show_id: str) -> None:
        """Follow a show; returns once Redis confirmed it (or after a timeout)."""
        self._shows.add(show_id)
        if show_id in self._confirmed:
            return
        channel = events_channel(show_id)
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, []).append(waiter)
        async with self._lock:
            pubsub = self._pubsub
            if pubsub is not None:
                # A failure means the link is down: the reader reconnects and
                # subscribes to every followed show again, resolving the waiter.
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.subscribe(channel)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), SUBSCRIBE_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("no subscription confirmation for show %s in time", show_id)
        finally:
            waiters = self._waiters.get(channel, [])
            if waiter in waiters:
                waiters.remove(waiter)

    def unsubscribe(self, show_id: str) -> None:
        """Stop following a show (its last local connection left); the command goes soon."""
        self._shows.discard(show_id)
        self._confirmed.discard(show_id)
        task = asyncio.get_running_loop().create_task(self._send_unsubscribe(show_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_unsubscribe(self, show_id: str) -> None:
        async with self._lock:
            # Re-followed meanwhile: its SUBSCRIBE went (or goes) after this check.
            pubsub = self._pubsub
            if show_id in self._shows or pubsub is None:
                return
            with contextlib.suppress(RedisError, OSError):
                await pubsub.unsubscribe(events_channel(show_id))

    async def _run(self) -> None:
        failures = 0
        while True:
            pubsub = self._client.pubsub()
            try:
                async with self._lock:
                    channels = [CONTROL_CHANNEL, *(events_channel(s) for s in self._shows)]
                    await pubsub.subscribe(*channels)
                    self._pubsub = pubsub
                await self._read(pubsub)
            except (RedisError, OSError) as exc:
                logger.warning("room bus lost Redis (%s); reconnecting", exc)
            finally:
                established = self.connected.is_set()
                self._pubsub = None
                self._confirmed.clear()
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            # Quick first retry after a working link; doubling waits while Redis stays down.
            failures = 0 if established else failures + 1
            delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2**failures)
            # Jitter so that many processes do not hit a restarted Redis together.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    async def _read(self, pubsub: PubSub) -> None:
        ping_outstanding = False
        while True:
            message = await pubsub.get_message(timeout=IDLE_PING_SECONDS)
            if message is None:
                if ping_outstanding:
                    raise ConnectionError("Redis pub/sub stopped answering")
                await pubsub.ping()
                ping_outstanding = True
                continue
            ping_outstanding = False
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        channel = str(message["channel"]) if message["channel"] is not None else ""
        if kind == "message":
            if channel == CONTROL_CHANNEL:
                self._call(self._on_control, str(message["data"]))
                return
            show_id = show_of_channel(channel)
            if show_id is not None:
                self._call(self._on_event, show_id, str(message["data"]))
        elif kind == "subscribe":
            show_id = show_of_channel(channel)
            if show_id is not None and show_id in self._shows:
                self._confirmed.add(show_id)
            for waiter in self._waiters.pop(channel, []):
                if not waiter.done():
                    waiter.set_result(None)
            if channel == CONTROL_CHANNEL:
                # Channels of one SUBSCRIBE are confirmed in order, the control channel
                # first: from here on no event is missed, so clients can resync.
                if self._connected_once:
                    self._call(self._on_resync)
                self._connected_once = True
                self.connected.set()

    @staticmethod
    def _call(callback: Callable[..., None], *args: str) -> None:
        try:
            callback(*args)
        except Exception:  # a bad event must not stop the bus
            logger.exception("room bus callback failed")


def _ignore(*_args: str) -> None:
    """Where messages go before the reader starts (it subscribes to nothing until then)."""


def dedicated_client(redis: Redis) -> Redis:
    """A client on its own small pool like `redis`'s, with retries off (we handle them).

    On a Redis Cluster: a client of its first node. Classic PUBLISH reaches
    every node of a cluster, so one node hears every show's events (the asyncio
    cluster client has no pub/sub of its own).
    """
    if isinstance(redis, RedisCluster):
        node = next(iter(redis.nodes_manager.startup_nodes.values()))
        return Redis(
            host=node.host,
            port=node.port,
            decode_responses=True,
            retry=Retry(NoBackoff(), 0),
            max_connections=2,
        )
    pool = redis.connection_pool
    kwargs = dict(pool.connection_kwargs)
    kwargs["retry"] = Retry(NoBackoff(), 0)
    dedicated = ConnectionPool(connection_class=pool.connection_class, max_connections=2, **kwargs)
    return Redis.from_pool(dedicated)
