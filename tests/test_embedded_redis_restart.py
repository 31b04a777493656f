"""The embedded redis-server is started again when it dies, with its data, on the same socket."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from livesale.config import RedisSettings, Settings
from livesale.storage.redis_client import connect_redis
from livesale.storage.redis_server import EmbeddedRedis
from livesale.unix_sockets import someone_listens
from tests.support.polling import poll_until


@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A short folder under /tmp: unix socket paths must fit in sun_path."""
    with tempfile.TemporaryDirectory(prefix="livesale-rr-", dir="/tmp") as folder:
        yield Path(folder)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def _killed_and_back(embedded: EmbeddedRedis) -> int:
    """SIGKILL the server; the pid of the one that answers on the same socket afterwards."""
    first = embedded.pid
    assert first is not None
    socket_path = embedded.socket_path
    os.kill(first, signal.SIGKILL)
    await poll_until(lambda: embedded.pid not in (None, first), 30, "a new redis-server")
    client = connect_redis(Settings(), embedded)
    try:

        async def answers() -> bool:
            try:
                return bool(await client.ping())  # type: ignore[misc]
            except RedisConnectionError:
                return False

        await poll_until(answers, 30, "the new redis-server to answer")
    finally:
        await client.aclose()
    assert embedded.socket_path == socket_path
    pid = embedded.pid
    assert pid is not None
    assert pid != first
    return pid


async def test_killed_server_comes_back_with_its_data(short_folder: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(), short_folder / "data")
    await embedded.start()
    client = connect_redis(Settings(), embedded)
    try:
        await client.set("hold", "acknowledged")
        second = await _killed_and_back(embedded)
        # The same client reconnects by itself and finds the write replayed from the AOF.
        assert await client.get("hold") == "acknowledged"
    finally:
        await client.aclose()
        await embedded.close()
    assert embedded.pid is None
    assert _gone(second)


async def test_long_data_dir_keeps_its_short_socket_across_a_restart(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 5))
    embedded = EmbeddedRedis(RedisSettings(), deep)
    await embedded.start()
    socket_dir = embedded.socket_path.parent
    try:
        assert not socket_dir.is_relative_to(deep)
        await _killed_and_back(embedded)
    finally:
        await embedded.close()
    assert not socket_dir.exists()
    assert not list(Path("/tmp").glob(f"{socket_dir.name}*"))


async def test_close_during_the_restart_delay_leaves_no_server(short_folder: Path) -> None:
    embedded = EmbeddedRedis(RedisSettings(), short_folder / "data")
    await embedded.start()
    first = embedded.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    await poll_until(lambda: _gone(first), 10, "the server to die")
    await embedded.close()
    assert embedded.pid is None
    # Nothing listens on the socket: no restarted server outlived close().
    assert not someone_listens(embedded.socket_path)
