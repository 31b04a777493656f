"""Notifications to the people connected to this process, from any process.

One Redis channel carries every new notification with the ids of those it is
for (many to a message, so a go-live to 10,000 followers is a few messages);
each process hands them to its own listeners (the notification streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livesale import metrics
from livesale.domain.notifications import Notification
from livesale.live.bus import dedicated_client
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

CHANNEL = "livesale:notifications"
PEOPLE_PER_MESSAGE = 500
# A listener that stopped reading loses its oldest news rather than holding memory.
QUEUE_LIMIT = 100
IDLE_PING_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 5.0
# Put in a person's queues instead of a notification: their streams end (they were erased).
END: dict[str, Any] = {"end": True}


class NotificationHub:
    """Publishes notifications to every process and delivers them to local listeners."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._client: Redis | None = None
        self._listeners: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def publish(self, made: Mapping[str, Notification]) -> None:
        """Send each person's new notification to whichever process they are connected to."""
        items = list(made.items())
        for start in range(0, len(items), PEOPLE_PER_MESSAGE):
            chunk = {viewer: n.json() for viewer, n in items[start : start + PEOPLE_PER_MESSAGE]}
            await self._redis.publish(CHANNEL, json.dumps(chunk, separators=(",", ":")))

    async def end(self, viewer_id: str) -> None:
        """End the person's open notification streams in every process."""
        await self._redis.publish(CHANNEL, json.dumps({viewer_id: END}, separators=(",", ":")))

    async def listen(self, viewer_id: str) -> asyncio.Queue[dict[str, Any]]:
        """A queue of the person's new notifications (start the subscription on first use)."""
        if self._task is None:
            self._client = dedicated_client(self._redis)
            self._task = asyncio.get_running_loop().create_task(self._run())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.connected.wait(), 5.0)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._listeners.setdefault(viewer_id, set()).add(queue)
        metrics.NOTIFY_LISTENERS.inc()
        return queue

    def stop_listening(self, viewer_id: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Forget a listener (its stream closed)."""
        queues = self._listeners.get(viewer_id)
        if queues is not None and queue in queues:
            queues.discard(queue)
            metrics.NOTIFY_LISTENERS.dec()
            if not queues:
                del self._listeners[viewer_id]

    async def close(self) -> None:
        """Stop the subscription."""
        await cancel_and_wait(self._task)
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        assert self._client is not None
        failures = 0
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                self.connected.set()
                failures = 0
                await self._read(pubsub)
            except (RedisError, OSError) as exc:
                logger.warning("notification hub lost Redis (%s); reconnecting", exc)
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            failures += 1
            delay = min(BACKOFF_MAX_SECONDS, 0.1 * 2**failures)
            # Jitter so that many processes do not hit a restarted Redis together.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    async def _read(self, pubsub: Any) -> None:
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
            if message["type"] == "message":
                self._deliver(json.loads(message["data"]))

    def _deliver(self, chunk: dict[str, dict[str, Any]]) -> None:
        for viewer_id, notification in chunk.items():
            for queue in self._listeners.get(viewer_id, ()):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(notification)
                metrics.NOTIFY_DELIVERED.inc()
