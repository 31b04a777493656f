"""The app's Redis commands: every round trip timed and counted, stock writes WAITed on.

Apart from connecting (`redis_client.py`), so the services' stores can use it
without reaching the parts that start or find a Redis server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from prometheus_client.metrics import Histogram
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livesale import metrics
from livesale.domain.errors import TryAgainSoon

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


class InstrumentedCluster(RedisCluster):
    """The app's Redis Cluster client: every round trip timed and counted like InstrumentedRedis's.

    Each command goes to the master of its key's slot (a script's: of its first
    key; every script names keys of one slot). PUBLISH, which the asyncio
    cluster client has no method for, is sent to any node: a cluster forwards
    classic pub/sub messages to every node.
    """

    # Commands in flight at once, set by connect_redis. The asyncio cluster client
    # fails a command past a node's max_connections instead of waiting for a free
    # connection (as the single-server client's blocking pool does), so a burst
    # of buyers waits here instead.
    in_flight: asyncio.Semaphore | None = None

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        """Run one command (a registered Script's EVALSHA included), timed by its name."""
        if self.in_flight is None:
            return await _timed(args[0], super().execute_command(*args, **kwargs))
        async with self.in_flight:
            return await _timed(args[0], super().execute_command(*args, **kwargs))

    async def publish(self, channel: str, message: str) -> int:
        """Publish on the cluster's bus; the number of subscribers on the node that took it."""
        received: int = await self.execute_command(
            "PUBLISH", channel, message, target_nodes=RedisCluster.RANDOM
        )
        return received


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
