"""A Redis that loses power: killed, its AOF cut back by its last second of writes, restarted.

With `appendfsync everysec` Redis writes every change to the AOF file at once
but syncs it to disk once a second, so a power cut loses up to the last second.
Killing the process loses nothing (the kernel has the writes), so the loss is
made with Redis's own tool: `aof-timestamp-enabled` writes a `#TS:<second>`
line before the first change of each second, and `redis-check-aof
--truncate-to-timestamp` drops everything after a given second.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import redis
from aiohttp import ClientResponse

from livesale.storage.stock_keys import variant_key
from tests.support.polling import POLL_SECONDS, poll_until
from tests.support.redis_server import pooled_redis

# What a production Redis for livesale runs with, plus the timestamps to cut by.
POWER_CUT_OPTIONS = ("--appendfsync", "everysec", "--aof-timestamp-enabled", "yes")
# How long requests may keep answering 503 after Redis came back.
RESTART_RETRY_SECONDS = 15.0


def kill_redis(sock: Path) -> None:
    """SIGKILL the redis-server on `sock` and wait until it is gone."""
    client = redis.Redis(unix_socket_path=str(sock))
    try:
        info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
        pid = int(info["process_id"])
    finally:
        client.close()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(pid):
        assert time.monotonic() < deadline, "redis-server outlived SIGKILL"
        time.sleep(0.01)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def next_second() -> int:
    """Wait for the wall clock's next second (Redis stamps its AOF per second); returns it."""
    start = int(time.time())
    await poll_until(lambda: int(time.time()) > start, 2.0, "the next second")
    return int(time.time())


def cut_aof_before(directory: Path, second: int) -> str:
    """Drop every AOF write stamped `second` or later (a lost last second); the tool's report."""
    tool = shutil.which("redis-check-aof")
    assert tool is not None, "redis-check-aof is not installed: apt-get install redis-tools"
    manifest = directory / "appendonlydir" / "appendonly.aof.manifest"
    done = subprocess.run(
        [tool, "--truncate-to-timestamp", str(second - 1), str(manifest)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Successfully truncated" in done.stdout, done.stdout
    return done.stdout


def aof_seconds(directory: Path) -> list[int]:
    """The seconds stamped in the AOF's incremental files, in order."""
    seconds = []
    for part in sorted((directory / "appendonlydir").glob("*.incr.aof")):
        for line in part.read_bytes().splitlines():
            if line.startswith(b"#TS:"):
                seconds.append(int(line[4:]))
    return seconds


async def answered_after_restart(call: Callable[[], Awaitable[ClientResponse]]) -> ClientResponse:
    """The first answer that is not a 503 (each is retried, as Retry-After asks).

    After the restart every pooled connection to the old server fails once, and
    holds wait for the rebuild: both answer 503 and change nothing.
    """
    deadline = time.monotonic() + RESTART_RETRY_SECONDS
    while True:
        response = await call()
        if response.status != 503:
            return response
        assert "Retry-After" in response.headers
        assert time.monotonic() < deadline, "still 503 after the restart"
        await asyncio.sleep(POLL_SECONDS)


async def counters_in(sock: Path, variant_id: str) -> tuple[int, int, int]:
    """available, held, sold in the Redis on `sock` (a fresh client, not the app's pool)."""
    client = pooled_redis(f"unix://{sock}")
    try:
        # Any seller's: the variant id alone names one variant.
        keys = [key async for key in client.scan_iter(match=variant_key("*", variant_id))]
        assert len(keys) <= 1, keys
        values = [None] * 3
        if keys:
            values = await client.hmget(keys[0], ["available", "held", "sold"])  # type: ignore[misc]
    finally:
        await client.aclose()
    available, held, sold = (int(value or 0) for value in values)
    return available, held, sold
