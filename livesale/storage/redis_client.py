"""The Redis client of the app and the check that Redis is safe to keep stock in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from prometheus_client.metrics import Histogram
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livesale import metrics
from livesale.config import RedisSettings, Settings, sentinel_address
from livesale.domain.errors import TryAgainSoon
from livesale.storage.redis_server import EmbeddedRedis

MAX_CONNECTIONS = 64
# Seconds a caller waits for a free pooled connection before failing.
POOL_TIMEOUT_SECONDS = 5.0
# Through Sentinel: a dead master or sentinel must fail a connect fast (a 503 the
# buyer retries) instead of holding a request while the failover happens.
SENTINEL_SOCKET_TIMEOUT_SECONDS = 0.5
MASTER_CONNECT_TIMEOUT_SECONDS = 1.0
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
_ACKS = {outcome: metrics.REDIS_REPLICA_ACKS.labels(outcome) for outcome in ("ok", "short")}


@dataclass(frozen=True)
class ReplicaAcks:
    """How many replicas must confirm a stock write (WAIT), and for how long to wait."""

    count: int
    timeout_ms: int


class InstrumentedRedis(Redis):
    """The app's client: times every round trip and counts failures (livesale_redis_*)."""

    # Set by connect_redis from `redis.min_replicas_acked`; None: writes are not waited on.
    replica_acks: ReplicaAcks | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Run one command (a registered Script's EVALSHA included), timed by its name."""
        call = super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        return await _timed(args[0], call)

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        """Close the client, its pool and, through Sentinel, the clients of the sentinels."""
        await super().aclose(close_connection_pool)
        pool = self.connection_pool
        if isinstance(pool, SentinelConnectionPool):
            for sentinel in pool.sentinel_manager.sentinels:
                await sentinel.aclose()

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


async def run_replicated(
    redis: Redis, script: AsyncScript, keys: list[Any], args: list[Any]
) -> Any:
    """Run a stock script; with `replica_acks` set, WAIT for replicas on the same connection.

    WAIT cannot run inside a script, so it follows the script in one
    non-transactional pipeline: one round trip, one connection, and WAIT covers
    the script's writes. Too few acknowledgements raise TryAgainSoon (503):
    the change is made on the master and the retry of the same request finds it.
    """
    acks = _replica_acks(redis)
    if acks is None:
        return await script(keys=keys, args=args)
    try:
        return await _then_wait(redis, acks, "EVALSHA", script.sha, len(keys), *keys, *args)
    except NoScriptError:
        # A new master (after a failover) or a flushed script cache: load it, once.
        await redis.script_load(script.script)
        return await _then_wait(redis, acks, "EVALSHA", script.sha, len(keys), *keys, *args)


async def write_replicated(redis: Redis, *command: Any) -> Any:
    """Send one write command; with `replica_acks` set, WAIT for replicas (see run_replicated)."""
    acks = _replica_acks(redis)
    if acks is None:
        return await redis.execute_command(*command)  # type: ignore[no-untyped-call]
    return await _then_wait(redis, acks, *command)


def _replica_acks(redis: Redis) -> ReplicaAcks | None:
    return redis.replica_acks if isinstance(redis, InstrumentedRedis) else None


async def _then_wait(redis: Redis, acks: ReplicaAcks, *command: Any) -> Any:
    pipe = redis.pipeline(transaction=False)
    pipe.execute_command(*command)
    pipe.wait(acks.count, acks.timeout_ms)
    reply, acked = await pipe.execute(raise_on_error=False)
    if isinstance(reply, Exception):
        raise reply
    if isinstance(acked, Exception):
        raise acked
    _ACKS["ok" if acked >= acks.count else "short"].inc()
    if acked < acks.count:
        raise TryAgainSoon(
            "the shop could not yet make this change safe; try again", retry_after_seconds=1
        )
    return reply


class BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """Sentinel's pool (it asks the sentinels for the master on every new connection)
    with the blocking pool's waiting for a free connection instead of failing."""

    def __init__(self, service_name: str, sentinel_manager: Sentinel, **kwargs: Any) -> None:
        super().__init__(service_name, sentinel_manager, **kwargs)  # type: ignore[no-untyped-call]
        self._asking = asyncio.Lock()

    async def get_master_address(self) -> Any:
        """Ask the sentinels for the master, one question at a time.

        A failover reconnects every pooled connection at once; one by one, they
        put one question at a time to each sentinel instead of a burst of
        dozens on sentinel connections of their own.
        """
        async with self._asking:
            return await super().get_master_address()  # type: ignore[no-untyped-call]


def connect_redis(settings: Settings, embedded: EmbeddedRedis | None) -> InstrumentedRedis:
    """A client for the embedded server, the master named by `redis.sentinels`, or `redis.url`.

    The blocking pool makes a burst of requests wait for a connection instead
    of failing with "Too many connections".
    """
    redis = settings.redis
    if redis.sentinels:
        client = _sentinel_master(redis)
    else:
        url = embedded.url if embedded is not None else redis.url
        if not url:
            raise ValueError("redis.url is empty and no embedded redis was started")
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=POOL_TIMEOUT_SECONDS,
            decode_responses=True,
        )
        # from_pool: the client owns the pool, so aclose() disconnects it too.
        plain = InstrumentedRedis.from_pool(pool)
        assert isinstance(plain, InstrumentedRedis)  # from_pool is typed as returning Redis
        client = plain
    if redis.min_replicas_acked > 0:
        client.replica_acks = ReplicaAcks(
            redis.min_replicas_acked, max(1, round(redis.replica_ack_timeout_seconds * 1000))
        )
    return client


def _sentinel_master(redis: RedisSettings) -> InstrumentedRedis:
    """The instrumented client of the master the sentinels name; it follows failovers."""
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        [sentinel_address(address) for address in redis.sentinels],
        sentinel_kwargs={
            "socket_timeout": SENTINEL_SOCKET_TIMEOUT_SECONDS,
            "socket_connect_timeout": SENTINEL_SOCKET_TIMEOUT_SECONDS,
        },
    )
    client = sentinel.master_for(
        redis.master_name,
        redis_class=InstrumentedRedis,
        connection_pool_class=BlockingSentinelPool,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_TIMEOUT_SECONDS,
        socket_connect_timeout=MASTER_CONNECT_TIMEOUT_SECONDS,
        decode_responses=True,
    )
    assert isinstance(client, InstrumentedRedis)  # master_for is untyped
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
        except MasterNotFoundError as exc:
            raise RedisMisconfigured(
                f"no sentinel of {where} names a master that is up ({exc}); check "
                "redis.sentinels and redis.master_name"
            ) from exc
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
    pool = client.connection_pool
    if isinstance(pool, SentinelConnectionPool):
        sentinels = ", ".join(
            f"{s.connection_pool.connection_kwargs['host']}:"
            f"{s.connection_pool.connection_kwargs['port']}"
            for s in pool.sentinel_manager.sentinels
        )
        return f"master {pool.service_name!r} of sentinels {sentinels}"
    kwargs = pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
