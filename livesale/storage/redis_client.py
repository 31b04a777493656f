"""The Redis client of the app and the check that Redis is safe to keep stock in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.sentinel import MasterNotFoundError, Sentinel, SentinelConnectionPool
from redis.exceptions import ResponseError

from livesale.config import RedisSettings, Settings, redis_address, sentinel_address
from livesale.storage.redis_commands import InstrumentedCluster, InstrumentedRedis, ReplicaAcks
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


def connect_redis(settings: Settings, embedded: EmbeddedRedis | None) -> Redis:
    """A client for the embedded server, the master named by `redis.sentinels`, the Redis
    Cluster of `redis.cluster_nodes`, or `redis.url`.

    The blocking pool makes a burst of requests wait for a connection instead
    of failing with "Too many connections".
    """
    redis = settings.redis
    if redis.cluster_nodes:
        return _cluster(redis)
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


def _cluster(redis: RedisSettings) -> Redis:
    """The instrumented Redis Cluster client; it learns the slots' masters from the nodes given.

    Typed as Redis for the stores: the cluster client has the same command
    methods, and every script and multi-key command the stores send names keys
    of one slot (see docs/scaling.md, "Redis Cluster").
    """
    client = InstrumentedCluster(
        startup_nodes=[
            ClusterNode(*redis_address(node, "redis.cluster_nodes")) for node in redis.cluster_nodes
        ],
        max_connections=MAX_CONNECTIONS,
        socket_connect_timeout=MASTER_CONNECT_TIMEOUT_SECONDS,
        decode_responses=True,
    )
    # Never more in flight than one node's connections: every command may go to one node.
    client.in_flight = asyncio.Semaphore(MAX_CONNECTIONS)
    return cast(Redis, client)


def is_cluster(client: Redis) -> bool:
    """Whether `client` is a Redis Cluster client (typed as Redis for the stores)."""
    return isinstance(client, RedisCluster)


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
    times over. On a Redis Cluster every master's pool is opened: a sale's
    buyers reach every master at once, and a connection opened in that burst
    can time out on a busy machine (the buyer gets 503).
    """
    if isinstance(client, RedisCluster):
        # One master at a time: all `count` pings in flight at once open `count` connections.
        for node in client.get_primaries():
            await asyncio.gather(*(client.ping(target_nodes=node) for _ in range(count)))
        return
    pings: list[Awaitable[Any]] = [client.ping() for _ in range(count)]  # type: ignore[misc]
    await asyncio.gather(*pings)


async def verify_redis_config(client: Redis) -> None:
    """Raise RedisMisconfigured unless AOF is on and eviction is off."""
    where = _describe(client)
    for name, wanted in REQUIRED_CONFIG.items():
        try:
            reply: dict[Any, Any] = await _config_get(client, name)
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


async def _config_get(client: Redis, name: str) -> dict[Any, Any]:
    """`name` from the server, or on a Redis Cluster the first node's value that is not
    the same as every other's (each node must be configured alike)."""
    if not isinstance(client, RedisCluster):
        reply: dict[Any, Any] = await client.config_get(name)
        return reply
    replies: dict[str, dict[Any, Any]] = await client.config_get(
        name, target_nodes=RedisCluster.ALL_NODES
    )
    values = list(replies.values())
    wanted = REQUIRED_CONFIG[name]
    odd = [value for value in values if _text(value.get(name, "")) != wanted]
    return odd[0] if odd else values[0]


def _describe(client: Redis) -> str:
    if isinstance(client, RedisCluster):
        nodes = ", ".join(f"{node.host}:{node.port}" for node in client.get_nodes())
        return f"the cluster of {nodes or 'no node'}"
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
