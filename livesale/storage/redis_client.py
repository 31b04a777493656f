"""The Redis client of the app and the check that Redis is safe to keep stock in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from time import perf_counter
from typing import Any

from prometheus_client.metrics import Histogram
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livesale import metrics
from livesale.config import Settings
from livesale.storage.redis_server import EmbeddedRedis

MAX_CONNECTIONS = 64
# Seconds a caller waits for a free pooled connection before failing.
POOL_TIMEOUT_SECONDS = 5.0
REQUIRED_CONFIG = {"appendonly": "yes", "maxmemory-policy": "noeviction"}


class RedisMisconfigured(Exception):
    """Redis runs with settings that could lose or evict carts and stock holds."""


# Label children looked up once per command name: `labels()` takes a lock and
# builds a key, which thousands of calls a second should not pay each time.
_TIMERS: dict[object, Histogram] = {}
# Created up front so the error series exist at 0 before the first failure
# (an `increase()` over a series that appears with its first error misses it).
_ERRORS = {
    kind: metrics.REDIS_ERRORS.labels(kind) for kind in ("connection", "timeout", "response")
}
_COUNTED = (RedisConnectionError, RedisTimeoutError, ResponseError)


class InstrumentedRedis(Redis):
    """The app's client: times every round trip and counts failures (livesale_redis_*)."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Run one command (a registered Script's EVALSHA included), timed by its name."""
        call = super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        return await _timed(args[0], call)

    def pipeline(
        self, transaction: bool = True, shard_hint: str | None = None
    ) -> InstrumentedPipeline:
        """A pipeline whose execute() is timed once, as PIPELINE."""
        return InstrumentedPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


class InstrumentedPipeline(Pipeline):
    """A pipeline: one round trip for all its queued commands."""

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send the queued commands; timed as PIPELINE."""
        result: list[Any] = await _timed("PIPELINE", super().execute(raise_on_error))
        return result

    async def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
        """A command sent at once (after WATCH, or loading a pipeline's scripts), timed by name."""
        call = super().immediate_execute_command(*args, **options)  # type: ignore[no-untyped-call]
        return await _timed(args[0], call)


async def _timed(command: object, call: Awaitable[Any]) -> Any:
    """Await one round trip: observe its duration, count its failure, re-raise unchanged."""
    timer = _timer(command)
    start = perf_counter()
    try:
        return await call
    except _COUNTED as exc:
        _count_error(exc)
        raise
    finally:
        timer.observe(perf_counter() - start)


def _timer(command: object) -> Histogram:
    timer = _TIMERS.get(command)
    if timer is None:
        # Bounded: only livesale's own code issues commands, so few names appear.
        name = command.decode() if isinstance(command, bytes) else str(command)
        timer = _TIMERS[command] = metrics.REDIS_COMMAND_DURATION.labels(name.upper())
    return timer


def _count_error(exc: Exception) -> None:
    if isinstance(exc, NoScriptError):
        return  # redis-py's Script loads the script and retries: an expected miss
    if isinstance(exc, ResponseError):
        _ERRORS["response"].inc()
    elif isinstance(exc, RedisTimeoutError):
        _ERRORS["timeout"].inc()
    else:
        _ERRORS["connection"].inc()


def connect_redis(settings: Settings, embedded: EmbeddedRedis | None) -> InstrumentedRedis:
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
    client = InstrumentedRedis.from_pool(pool)
    assert isinstance(client, InstrumentedRedis)  # from_pool is typed as returning Redis
    return client


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
