"""`livesale serve` as a real process: it announces its URL and never orphans its Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    # A zombie has exited; only its parent has not reaped it yet.
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


async def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_killing_the_server_stops_its_embedded_redis(tmp_path: Path) -> None:
    port = _free_port()
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
        redis_pids = [p for p in _children(process.pid) if "redis" in _cmdline(p)]
        assert len(redis_pids) == 1
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
        await _wait(lambda: not _alive(redis_pids[0]), 10, "redis-server to exit")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""
