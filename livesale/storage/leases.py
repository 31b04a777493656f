"""Leader leases: a background job that must run once across every process and node.

Each process that could run a cluster-wide job keeps a `Leadership` for it. One of
them holds the Redis key `livesale:leader:<job>` (set only if absent, with a time to
live) and renews it every third of the lease; the others keep trying to take it. A
holder that stops cleanly gives the key up at once; one that dies (a killed node, a
lost network) lets it expire, and another process takes over within the lease time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from livesale import metrics
from livesale.metrics import BackgroundJob
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# Long enough that a busy event loop never loses its lease between renewals, short
# enough that a dead node's jobs move to another node within seconds.
LEASE_SECONDS = 10.0
KEY_PREFIX = "livesale:leader:"

# Takes the key when it is free, renews it when it is ours: 1 if we hold it after the call.
_CLAIM_LUA = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# Gives the key up only if it is still ours (another may hold it after an expiry).
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

T = TypeVar("T")


def leader_key(job: str) -> str:
    """The Redis key naming the process that leads `job`."""
    return KEY_PREFIX + job


def holder_name() -> str:
    """What a lease holder writes into the key: its host and pid (for operators), then a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Leadership:
    """Whether this process leads one cluster-wide job, kept up to date by a renewal task."""

    def __init__(
        self, redis: Redis, job: BackgroundJob, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self._redis = redis
        self._job = job
        self._lease_ms = int(lease_seconds * 1000)
        self._renew_every = lease_seconds / 3
        self._holder = holder_name()
        self._claim = redis.register_script(_CLAIM_LUA)
        self._release = redis.register_script(_RELEASE_LUA)
        self._leading = False
        # A lease is only trusted until it could have expired: a loop that stalled
        # past it acts as a follower until its next renewal says otherwise.
        self._held_until = 0.0
        self._task: asyncio.Task[None] | None = None
        # Set once the first claim has answered (or failed): jobs wait for it, so a leader's
        # first round runs at start-up rather than one interval later.
        self._first_claim = asyncio.Event()
        # At 0 from the start: a process that could lead says so before it first tries.
        metrics.BACKGROUND_JOB_LEADER.labels(job).set(0)

    @property
    def job(self) -> BackgroundJob:
        """The job this lease is for."""
        return self._job

    @property
    def leading(self) -> bool:
        """Whether this process holds the lease (renewed, and not expired since)."""
        return self._leading and time.monotonic() < self._held_until

    async def claim(self) -> bool:
        """Take or renew the lease once; whether this process holds it now."""
        started = time.monotonic()
        try:
            held = bool(
                await self._claim(keys=[leader_key(self._job)], args=[self._holder, self._lease_ms])
            )
        except (RedisError, OSError) as exc:
            # Without Redis nobody can tell who leads: stop until it answers again.
            logger.warning("lease of %s not renewed: %s", self._job, exc)
            held = False
        self._held_until = started + self._lease_ms / 1000
        self._set(held)
        self._first_claim.set()
        return held

    def start(self) -> None:
        """Start claiming and renewing in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep(), name=f"lease-{self._job}")

    async def close(self) -> None:
        """Stop renewing and give the lease up, so another process takes it at once."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._leading:
            self._set(False)
            try:
                await self._release(keys=[leader_key(self._job)], args=[self._holder])
            except (RedisError, OSError) as exc:
                logger.warning("lease of %s not given up (it expires): %s", self._job, exc)

    def only_when_leading(
        self, job: Callable[[], Awaitable[T]]
    ) -> Callable[[], Awaitable[T | None]]:
        """`job` wrapped to do nothing (None) while another process leads (once claimed)."""

        async def led() -> T | None:
            await self._first_claim.wait()
            if not self.leading:
                return None
            return await job()

        return led

    async def _keep(self) -> None:
        while True:
            await self.claim()
            await asyncio.sleep(self._renew_every)

    def _set(self, held: bool) -> None:
        if held != self._leading:
            logger.info("%s %s", "leading" if held else "no longer leading", self._job)
        self._leading = held
        metrics.BACKGROUND_JOB_LEADER.labels(self._job).set(1 if held else 0)
