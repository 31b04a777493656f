"""Real processes for the operator-kit tests: `livesale serve` and a Prometheus scraping it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from tests.ops.ops_helpers import binary
from tests.support.polling import poll_until

STARTUP_SECONDS = 60.0
STOP_SECONDS = 30.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running(
    *args: str, env: dict[str, str], cwd: Path, log: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a process (stderr to `log`); stop it with SIGTERM and check it exited cleanly."""
    with log.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            *args, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=stderr
        )
        try:
            yield process
            process.send_signal(signal.SIGTERM)
            # communicate(), not wait(): it also reads stdout to its end, which closes the pipe.
            await asyncio.wait_for(process.communicate(), STOP_SECONDS)
            assert process.returncode == 0, f"{args[0]} exited with {process.returncode}; see {log}"
        finally:
            if process.returncode is None:
                process.kill()
            await process.communicate()


async def get_json(session: aiohttp.ClientSession, url: str, **params: str) -> Any:
    """The `data` of a successful Prometheus API answer."""
    async with session.get(url, params=params) as response:
        body = await response.json()
        assert response.status == 200, body
    assert body["status"] == "success", body
    return body["data"]


async def answers(session: aiohttp.ClientSession, url: str) -> bool:
    """Whether `url` answers 200 now."""
    try:
        async with session.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def announced(livesale: asyncio.subprocess.Process, port: int) -> None:
    """Wait for `livesale serve` to print its URL (it serves from then on)."""
    assert livesale.stdout is not None
    line = await asyncio.wait_for(livesale.stdout.readline(), STARTUP_SECONDS)
    assert f"http://127.0.0.1:{port}/" in line.decode(), line


@contextlib.asynccontextmanager
async def prometheus(
    folder: Path, livesale_port: int, rules: Path, session: aiohttp.ClientSession
) -> AsyncIterator[str]:
    """A Prometheus scraping livesale every second and evaluating `rules` every second;
    yields its API's base URL once it is ready."""
    port = free_port()
    config = {  # JSON is YAML, so Prometheus reads this as it is
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules)],
        "scrape_configs": [
            {
                "job_name": "livesale",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [f"127.0.0.1:{livesale_port}"]}],
            }
        ],
    }
    config_file = folder / "prometheus.yml"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    log = folder / "prometheus.log"
    async with running(
        binary("prometheus"),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={folder / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        env=dict(os.environ),
        cwd=folder,
        log=log,
    ):
        ready = f"http://127.0.0.1:{port}/-/ready"
        await poll_until(lambda: answers(session, ready), STARTUP_SECONDS, f"prometheus ({log})")
        yield f"http://127.0.0.1:{port}/api/v1"


async def scraped(session: aiohttp.ClientSession, api: str, promql: str, value: str) -> bool:
    """Whether an instant query has a sample of `value` now."""
    data = await get_json(session, f"{api}/query", query=promql)
    return any(sample["value"][1] == value for sample in data["result"])
