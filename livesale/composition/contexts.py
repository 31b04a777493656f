"""One cleanup context per resource: each opens its part, yields, and closes it.

The root appends them to `app.cleanup_ctx` in order, so they open in that
order and close in reverse; a context whose opening fails closes what it
opened itself, and aiohttp closes the ones before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web
from redis.asyncio import Redis

from livesale.composition.services import LocalVideo, RemoteVideo
from livesale.config import Settings
from livesale.live.lifecycle import ShowLifecycle
from livesale.live.notifier import Notifier
from livesale.live.room import Room
from livesale.live.signals import Signals
from livesale.shop.assembly import Shop
from livesale.shop.background import run_every
from livesale.storage.activity import ActivityRecorder
from livesale.storage.database import Database
from livesale.storage.images import ImageStore
from livesale.storage.leases import Leadership
from livesale.storage.redis_client import open_connections, verify_redis_config
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.search_index import index_missing
from livesale.tasks import cancel_and_wait


async def database_ctx(_app: web.Application, *, database: Database) -> AsyncIterator[None]:
    """Connect to the record and migrate it, index for search what is not yet; close it last
    of all."""
    await database.open()
    try:
        await index_missing(database)
        yield
    finally:
        await database.close()


async def images_ctx(_app: web.Application, *, images: ImageStore) -> AsyncIterator[None]:
    """Stop the image decoder's threads when the app stops."""
    try:
        yield
    finally:
        images.close()


async def embedded_redis_ctx(
    _app: web.Application, *, server: EmbeddedRedis
) -> AsyncIterator[None]:
    """Start the private redis-server child (it stops itself if it cannot start)."""
    await server.start()
    try:
        yield
    finally:
        await server.close()


async def redis_ctx(_app: web.Application, *, redis: Redis) -> AsyncIterator[None]:
    """Check Redis is set up safely for stock holds, and open the pool's connections now."""
    try:
        await verify_redis_config(redis)
        await open_connections(redis)
        yield
    finally:
        await redis.aclose()


async def local_video_ctx(_app: web.Application, *, video: LocalVideo) -> AsyncIterator[None]:
    """Repair the parts a crash cut short (in the background); close the relay's sessions."""
    video.repair.start()
    try:
        yield
    finally:
        try:
            await video.media.close()
        finally:
            await video.repair.close()


async def remote_video_ctx(_app: web.Application, *, video: RemoteVideo) -> AsyncIterator[None]:
    """Open the client of the media process."""
    await video.proxy.open()
    try:
        yield
    finally:
        await video.proxy.close()


async def activity_ctx(_app: web.Application, *, activity: ActivityRecorder) -> AsyncIterator[None]:
    """Record show events for analytics; flush the last ones when the app stops."""
    activity.start()
    try:
        yield
    finally:
        await activity.stop()


async def signals_ctx(_app: web.Application, *, signals: Signals) -> AsyncIterator[None]:
    """Apply viewer signals to the feed's profiles; apply the queued ones when the app stops."""
    signals.start()
    try:
        yield
    finally:
        await signals.stop()


async def room_ctx(_app: web.Application, *, room: Room) -> AsyncIterator[None]:
    """Follow the room's Redis channels and start its timers."""
    try:
        await room.start()
        yield
    finally:
        await room.stop()


async def lifecycle_ctx(_app: web.Application, *, lifecycle: ShowLifecycle) -> AsyncIterator[None]:
    """Sweep shows whose publisher is gone."""
    lifecycle.start()
    try:
        yield
    finally:
        await lifecycle.close()


async def every_ctx(
    _app: web.Application,
    *,
    interval: float,
    job: Callable[[], Awaitable[object]],
    name: str,
) -> AsyncIterator[None]:
    """Run `job` every `interval` seconds while the app runs (e.g. replay retention)."""
    task = asyncio.create_task(run_every(interval, job, name))
    try:
        yield
    finally:
        await cancel_and_wait(task)


async def notify_ctx(_app: web.Application, *, notifier: Notifier) -> AsyncIterator[None]:
    """Make or read the push key at start; at the end close the notification subscription
    (opened by the first stream) and the push workers."""
    notifier.push.open()
    try:
        yield
    finally:
        await notifier.push.close()
        await notifier.hub.close()


async def leased_every_ctx(
    _app: web.Application,
    *,
    lease: Leadership,
    interval: float,
    job: Callable[[], Awaitable[object]],
    name: str,
) -> AsyncIterator[None]:
    """Run `job` every `interval` seconds in the one process holding `lease` (across nodes)."""
    lease.start()
    task = asyncio.create_task(run_every(interval, lease.only_when_leading(job), name))
    try:
        yield
    finally:
        await cancel_and_wait(task)
        await lease.close()


async def shop_ctx(_app: web.Application, *, shop: Shop) -> AsyncIterator[None]:
    """Close the stock messages and the payment gateway's connections."""
    try:
        yield
    finally:
        await shop.close()


async def shop_jobs_ctx(
    _app: web.Application, *, shop: Shop, settings: Settings
) -> AsyncIterator[None]:
    """Run the hold sweeper and the reconciliation (shop processes only)."""
    shop.start(settings)
    try:
        yield
    finally:
        await shop.stop_jobs()
