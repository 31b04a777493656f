"""Web Push: each new notification to every subscribed device of its person, queued and
sent concurrently under a rate cap, encrypted (aes128gcm) and signed (VAPID).

The queue lives in the memory of the process that made the notifications (the
sweep's, which claims each event once), so every push is sent once; the show's
processes never wait for it. A clean stop sends what is queued within
`push_drain_seconds` and counts the rest as dropped; a crash loses the queue (the
notifications themselves are in the record). Subscriptions a push service says are
gone (404, 410) are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from py_vapid import Vapid02
from pywebpush import WebPusher, WebPushException

from livesale import metrics
from livesale.config import NotifySettings
from livesale.domain.notifications import Notification, NotificationKind
from livesale.storage.push_keys import load_or_create, public_key_b64
from livesale.storage.push_subscriptions import PushSubscription, PushSubscriptionRepository
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# A VAPID token may be good for up to 24 h (RFC 8292): one is signed per push service for
# 12 h and reused by every push to it until an hour before it expires, so a push service
# never sees one about to lapse (and clocks may differ a little).
TOKEN_SECONDS = 12 * 3600
TOKEN_RENEW_BEFORE_SECONDS = 3600
REQUEST_TIMEOUT_SECONDS = 10.0
_GONE = (404, 410)
# Sent at once even to a device saving its battery: a live show, or an auction ending soon.
_URGENT = {
    NotificationKind.LIVE,
    NotificationKind.REMINDER_LIVE,
    NotificationKind.REMINDER_SOON,
    NotificationKind.OUTBID,
}


@dataclass(frozen=True, slots=True)
class _Push:
    subscription: PushSubscription
    notification: Notification
    queued_at: float


class PushSender:
    """Queues pushes and sends them from a few workers, at most `push_per_second`."""

    def __init__(
        self,
        *,
        subscriptions: PushSubscriptionRepository,
        data_dir: Path,
        settings: NotifySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.subscriptions = subscriptions
        self._data_dir = data_dir
        self._vapid: Vapid02 | None = None
        self._settings = settings
        self._clock = clock
        self._queue: asyncio.Queue[_Push] = asyncio.Queue()
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[str, tuple[dict[str, str], float]] = {}
        self._next_slot = 0.0
        self._sending = 0  # taken off the queue by a worker, not yet sent or failed

    def open(self) -> None:
        """Read the VAPID key pair from the data folder, making it on the first start."""
        if self._vapid is None:
            self._vapid = load_or_create(self._data_dir)

    @property
    def public_key(self) -> str:
        """The VAPID public key browsers subscribe with."""
        self.open()
        assert self._vapid is not None
        return public_key_b64(self._vapid)

    async def enqueue(self, made: Mapping[str, Notification]) -> int:
        """Queue a push of each new notification to each device of its person; how many."""
        if not made:
            return 0
        devices = await self.subscriptions.of_viewers(list(made))
        now = time.monotonic()
        for device in devices:
            self._queue.put_nowait(_Push(device, made[device.viewer_id], now))
        if devices:
            metrics.PUSH_QUEUED.inc(len(devices))
            self._start()
        return len(devices)

    async def drained(self) -> None:
        """Wait until every queued push has been sent or has failed."""
        await self._queue.join()

    async def close(self) -> None:
        """Send what is queued within `push_drain_seconds`, then stop the workers; pushes
        still queued or under way then are dropped, counted and logged; close the connections."""
        if self._workers:
            with contextlib.suppress(TimeoutError):  # what is left is counted below
                await asyncio.wait_for(self._queue.join(), self._settings.push_drain_seconds)
        dropped = self._queue.qsize() + self._sending
        for worker in self._workers:
            worker.cancel()  # all at once: none takes another push while others stop
        for worker in self._workers:
            await cancel_and_wait(worker)
        self._workers = []
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        if dropped:
            metrics.PUSH_FAILED.labels("shutdown").inc(dropped)
            logger.warning("push: %d pushes still queued at shutdown were dropped", dropped)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _start(self) -> None:
        if self._workers:
            return
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS),
            connector=aiohttp.TCPConnector(limit=self._settings.push_concurrency),
        )
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._work()) for _ in range(self._settings.push_concurrency)
        ]

    async def _work(self) -> None:
        while True:
            push = await self._queue.get()
            self._sending += 1
            try:
                await self._pace()
                await self._send(push)
            except Exception:
                logger.exception("push: sending failed unexpectedly")
                metrics.PUSH_FAILED.labels("error").inc()
            finally:
                self._sending -= 1
                self._queue.task_done()

    async def _pace(self) -> None:
        """Wait for this push's slot: at most `push_per_second` from this process."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self._settings.push_per_second
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _send(self, push: _Push) -> None:
        device = push.subscription
        info = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        urgency = "high" if push.notification.kind in _URGENT else "normal"
        headers = {**self._vapid_headers(device.endpoint), "Urgency": urgency}
        payload = _payload(push.notification, device.lang)
        try:
            # Here, not in a worker thread: a fresh key, an ECDH and AES-GCM take ~0.2 ms
            # holding the GIL, and handing them to a thread cost as much CPU again.
            body = _encrypt(info, payload)
        except (WebPushException, ValueError):
            # Keys a payload cannot be encrypted for: the subscription is useless.
            await self.subscriptions.delete(device.endpoint)
            metrics.PUSH_FAILED.labels("bad_subscription").inc()
            return
        headers["TTL"] = str(self._settings.push_ttl_seconds)
        headers["Content-Encoding"] = "aes128gcm"
        assert self._session is not None
        try:
            async with self._session.post(device.endpoint, data=body, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError):
            metrics.PUSH_FAILED.labels("network").inc()
            return
        if status in _GONE:
            await self.subscriptions.delete(device.endpoint)
            metrics.PUSH_FAILED.labels("gone").inc()
        elif status == 429:
            metrics.PUSH_FAILED.labels("rate_limited").inc()
        elif status >= 400 or status == 0:
            metrics.PUSH_FAILED.labels("rejected").inc()
        else:
            metrics.PUSH_SENT.inc()
            metrics.PUSH_SECONDS.observe(time.monotonic() - push.queued_at)

    def _vapid_headers(self, endpoint: str) -> dict[str, str]:
        """The Authorization header for the endpoint's push service: its token while it has
        more than TOKEN_RENEW_BEFORE_SECONDS left, else a new one."""
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = self._clock()
        cached = self._tokens.get(audience)
        if cached is not None and cached[1] > now:
            return cached[0]
        self.open()
        assert self._vapid is not None
        expires = int(now + TOKEN_SECONDS)
        claims = {"aud": audience, "exp": expires, "sub": self._settings.push_contact}
        headers: dict[str, str] = dict(self._vapid.sign(claims))
        self._tokens[audience] = (headers, expires - TOKEN_RENEW_BEFORE_SECONDS)
        metrics.PUSH_TOKENS_SIGNED.inc()
        return headers


def _encrypt(info: dict[str, Any], payload: bytes) -> bytes:
    """The payload encrypted for the device (RFC 8291, aes128gcm)."""
    encoded: dict[str, bytes] = WebPusher(info).encode(payload, "aes128gcm")
    return encoded["body"]


def _payload(notification: Notification, lang: str) -> bytes:
    """What the service worker shows: the kind and its words' values, and the language."""
    body: dict[str, Any] = {**notification.json(), "lang": lang}
    return json.dumps(body, separators=(",", ":")).encode()
