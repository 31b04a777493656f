"""The Redis client of the app and the check that Redis is safe to keep stock in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import ResponseError

from livesale.config import Settings
from livesale.storage.redis_server import EmbeddedRedis

MAX_CONNECTIONS = 64
# Seconds a caller waits for a free pooled connection before failing.
POOL_TIMEOUT_SECONDS = 5.0
REQUIRED_CONFIG = {"appendonly": "yes", "maxmemory-policy": "noeviction"}


class RedisMisconfigured(Exception):
    """Redis runs with settings that could lose or evict carts and stock holds."""


def connect_redis(settings: Settings, embedded: EmbeddedRedis | None) -> Redis:
    """A client for the embedded server, or for `settings.redis.url`.

    The blocking pool makes a burst of requests wait for a connection instead
    of failing with "Too many connections".
    """
    url = embedded.url if embedded is not None else settings.redis.url
    if not url:
        raise ValueError("redis.url is empty and no embedded redis was started")
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_TIMEOUT_SECONDS,
        decode_responses=True,
    )
    # from_pool: the client owns the pool, so aclose() disconnects it too.
    return Redis.from_pool(pool)


async def open_connections(client: Redis, count: int = MAX_CONNECTIONS) -> None:
    """Open the pool's connections now, not in the first burst of buyers.

    A new redis-py connection costs about a millisecond of CPU (it looks up its
    own package version), which a flash sale's first second would pay dozens of
    times over.
    """
    pings: list[Awaitable[Any]] = [client.ping() for _ in range(count)]  # type: ignore[misc]
    await asyncio.gather(*pings)


async def verify_redis_config(client: Redis) -> None:
    """Raise RedisMisconfigured unless AOF is on and eviction is off."""
    where = _describe(client)
    for name, wanted in REQUIRED_CONFIG.items():
        try:
            reply: dict[Any, Any] = await client.config_get(name)
        except ResponseError as exc:
            raise RedisMisconfigured(
                f"cannot read {name} from redis at {where} ({exc}); livesale needs "
                f"`{name} {wanted}` and must be allowed to check it with CONFIG GET"
            ) from exc
        actual = _text(reply.get(name, reply.get(name.encode(), "")))
        if actual != wanted:
            raise RedisMisconfigured(
                f"redis at {where} has {name}={actual or '(unset)'}; set `{name} {wanted}` "
                f"in redis.conf or run CONFIG SET {name} {wanted}"
            )


def _describe(client: Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
