"""The go-live benchmark's two outside parties, each run as its own process.

`streams CONFIG`: followers' open notification streams (`GET /api/notifications/stream`
with their `ls_viewer` cookies), timing when each gets its first notification.
`push KEY DEVICES PATH`: the push-service stand-in of `standins/`, accepting pushes signed
with the server's VAPID key `KEY` for `DEVICES` devices it makes (written to PATH).

Both talk to the orchestrator (scripts/bench_notify.py) in lines: `ready ...` once set
up, `all <round> <unix time>` each time every stream or device got one more (one per
go-live), and after `stop` on stdin one JSON line with what they saw.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
from bench_flash_sale import raise_nofile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from standins.push_service import push_service

OPEN_AT_ONCE = 100  # streams opened concurrently (the listen backlog is 128)


def say(line: str) -> None:
    """One line to the orchestrator."""
    print(line, flush=True)


async def _until_stop(
    arrivals: Callable[[], list[float]], expected: int, summary: Callable[[], Any]
) -> None:
    """Say `all` each time another `expected` arrivals are in (one round); on `stop`, say
    the summary and return."""
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[str] = loop.run_in_executor(None, sys.stdin.readline)
    told = 0
    while not stop.done():
        if expected and len(arrivals()) >= expected * (told + 1):
            told += 1
            say(f"all {told} {sorted(arrivals())[expected * told - 1]}")
        await asyncio.wait({stop}, timeout=0.05)
    say(json.dumps(summary()))


async def _stream(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    gate: asyncio.Semaphore,
    opened: list[str],
    arrivals: list[float],
) -> None:
    """Hold one follower's stream open; note when each notification arrives."""
    async with gate:
        response = await session.get(url, headers={"Cookie": f"ls_viewer={token}"})
        if response.status != 200:
            response.release()
            raise RuntimeError(f"stream answered {response.status}")
    async with response:
        async for raw in response.content:
            if raw.startswith(b"event: ready"):
                opened.append(token)
            elif raw.startswith(b"event: notification"):
                arrivals.append(time.time())
    raise RuntimeError("the server ended the stream")


async def run_streams(config_path: str) -> None:
    """Keep every stream of the config open; report when each got its notifications."""
    config = json.loads(Path(config_path).read_text())
    tokens: list[str] = config["tokens"]
    arrivals: list[float] = []
    failures: list[str] = []
    opened: list[str] = []
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def one(token: str) -> None:
            try:
                await _stream(session, config["url"], token, gate, opened, arrivals)
            except (TimeoutError, aiohttp.ClientError, RuntimeError) as exc:
                failures.append(repr(exc)[:200])

        tasks = [asyncio.create_task(one(token)) for token in tokens]
        deadline = time.monotonic() + 120
        while len(opened) + len(failures) < len(tokens) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        say(f"ready {len(opened)}")
        await _until_stop(
            lambda: arrivals,
            len(tokens),
            lambda: {"opened": len(opened), "arrivals": arrivals, "failures": failures[:5]},
        )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_push(server_key: str, devices: int, devices_path: str) -> None:
    """The stand-in with `devices` devices (their subscriptions go to PATH)."""
    async with push_service(server_key) as service:
        Path(devices_path).write_text(json.dumps([service.device() for _ in range(devices)]))
        say(f"ready {service.base_url}")
        await _until_stop(
            lambda: [r.at for r in service.received],
            devices,
            lambda: {
                "arrivals": [r.at for r in service.received],
                "devices": len({r.token for r in service.received}),
                "refused": service.refused[:5],
                "refused_count": len(service.refused),
            },
        )


if __name__ == "__main__":
    raise_nofile()
    role, *rest = sys.argv[1:]
    if role == "streams":
        asyncio.run(run_streams(rest[0]))
    elif role == "push":
        asyncio.run(run_push(rest[0], int(rest[1]), rest[2]))
    else:
        raise SystemExit(f"unknown role {role!r}")
