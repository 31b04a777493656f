"""`livesale serve` as a real process: it announces its URL and never orphans its Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp

# The process helpers the chaos scenarios use, under the names these tests use.
from tests.support.processes import alive, children, cmdline, free_port


async def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_killing_the_server_stops_its_embedded_redis(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(tmp_path),
        "LIVESALE__SERVER__USE_UVLOOP": "false",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livesale",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        announced = await asyncio.wait_for(process.stdout.readline(), 30)
        assert f"http://127.0.0.1:{port}/" in announced.decode()
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            assert response.status == 200
        redis_pids = [p for p in children(process.pid) if "redis" in cmdline(p)]
        assert len(redis_pids) == 1
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        await _wait(lambda: not alive(redis_pids[0]), 10, "redis-server to exit")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
