"""Real `redis-server` for tests: start a throwaway one, a client like the app's, a snapshot.

Never skipped: a missing binary fails.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from redis.asyncio import BlockingConnectionPool, Redis

STARTUP_DEADLINE_SECONDS = 10.0


def _answers_ping(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False


@contextlib.contextmanager
def running_redis(
    directory: Path,
    *,
    appendonly: str = "yes",
    maxmemory_policy: str = "noeviction",
    options: Sequence[str] = (),
) -> Iterator[Path]:
    """Run redis-server on a unix socket in `directory` (plus `options`); yields the socket path."""
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is not installed: apt-get install redis-server"
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    process = subprocess.Popen(
        [
            binary,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(directory),
            "--appendonly", appendonly,
            "--maxmemory-policy", maxmemory_policy,
            "--save", "",
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while not _answers_ping(sock):
            assert process.poll() is None, f"redis-server exited with {process.returncode}"
            assert time.monotonic() < deadline, "redis-server did not answer PING in time"
            time.sleep(0.01)
        yield sock
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pooled_redis(url: str) -> Redis:
    """A client like the app's: a blocking pool, so bursts wait instead of failing."""
    pool = BlockingConnectionPool.from_url(url, max_connections=64, decode_responses=True)
    return Redis.from_pool(pool)


async def redis_snapshot(redis: Redis) -> dict[str, object]:
    """Every key and its value, to prove a refusal wrote nothing."""
    out: dict[str, object] = {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        if kind == "hash":
            out[key] = await redis.hgetall(key)  # type: ignore[misc]
        elif kind == "zset":
            out[key] = await redis.zrange(key, 0, -1, withscores=True)
        else:
            out[key] = kind
    return out
