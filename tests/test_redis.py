"""The embedded redis-server and the Redis configuration check."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import pytest

from livesale.config import RedisSettings, Settings
from livesale.storage.redis_client import RedisMisconfigured, connect_redis, verify_redis_config
from livesale.storage.redis_server import EmbeddedRedis, EmbeddedRedisError
from tests.support.redis_server import running_redis


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def _wait_for(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        await asyncio.sleep(0.01)


async def test_embedded_redis_starts_persists_and_stops(tmp_path: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(), tmp_path / "data")
    await embedded.start()
    pid = embedded.pid
    assert pid is not None
    try:
        assert embedded.socket_path.stat().st_mode & 0o077 == 0
        settings = Settings()
        client = connect_redis(settings, embedded)
        try:
            await verify_redis_config(client)
            await client.set("k", "v")
            assert await client.get("k") == "v"
        finally:
            await client.aclose()
        await _wait_for(tmp_path / "data" / "redis" / "appendonlydir")
        assert any((tmp_path / "data" / "redis" / "appendonlydir").iterdir())
    finally:
        await embedded.close()
    assert embedded.pid is None
    assert _process_gone(pid)


async def test_long_data_dir_gets_a_short_socket(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 5))
    embedded = EmbeddedRedis(RedisSettings(), deep)
    await embedded.start()
    try:
        assert len(os.fsencode(embedded.socket_path)) < 104
        assert not embedded.socket_path.is_relative_to(deep)
        socket_dir = embedded.socket_path.parent
    finally:
        await embedded.close()
    assert not socket_dir.exists()


async def test_second_server_on_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = EmbeddedRedis(RedisSettings(), tmp_path)
    await first.start()
    try:
        with pytest.raises(EmbeddedRedisError, match="already listening"):
            await EmbeddedRedis(RedisSettings(), tmp_path).start()
    finally:
        await first.close()


async def test_missing_binary_says_how_to_install(tmp_path: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(binary="no-such-redis-server"), tmp_path)
    with pytest.raises(EmbeddedRedisError, match="apt-get install redis-server"):
        await embedded.start()


async def test_verify_accepts_the_test_server(settings: Settings) -> None:
    client = connect_redis(settings, None)
    try:
        await verify_redis_config(client)
    finally:
        await client.aclose()


async def _misconfiguration(appendonly: str, policy: str) -> str:
    """The RedisMisconfigured message for a real redis-server started with these settings."""
    with (
        tempfile.TemporaryDirectory(prefix="livesale-test-", dir="/tmp") as folder,
        running_redis(Path(folder), appendonly=appendonly, maxmemory_policy=policy) as sock,
    ):
        settings = dataclasses.replace(Settings(), redis=RedisSettings(url=f"unix://{sock}"))
        client = connect_redis(settings, None)
        try:
            with pytest.raises(RedisMisconfigured) as info:
                await verify_redis_config(client)
        finally:
            await client.aclose()
        message = str(info.value)
        assert str(sock) in message
        return message


async def test_verify_refuses_appendonly_no() -> None:
    message = await _misconfiguration("no", "noeviction")
    assert "appendonly=no" in message
    assert "CONFIG SET appendonly yes" in message
    assert "`appendonly yes` in redis.conf" in message


async def test_verify_refuses_eviction() -> None:
    message = await _misconfiguration("yes", "allkeys-lru")
    assert "maxmemory-policy=allkeys-lru" in message
    assert "CONFIG SET maxmemory-policy noeviction" in message
