"""The load part of scripts/bench_recommend.py: GET /api/feed on one `livesale serve` process.

See that script's docstring for what is measured and how it is pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
from bench_common import (
    api,
    cpu_seconds,
    free_port,
    mark,
    percentile,
    stop_process,
    wait_http,
)
from redis.asyncio import Redis

from livesale.storage.taste import TasteStore, Watched

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


async def load(args: argparse.Namespace) -> bool:
    """The feed endpoint on one process at `--rate` requests/s: p99 and answers."""
    workdir = Path(tempfile.mkdtemp(prefix="lsfeed-", dir="/tmp"))
    port = free_port(HOST)
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(workdir),
        "LIVESALE__SERVER__SHOP_PROCESSES": "0",
        "LIVESALE__AUTH__PASSWORD_TIME_COST": "1",
        "LIVESALE__AUTH__PASSWORD_MEMORY_KIB": "8",
        "LIVESALE__AUTH__PASSWORD_PARALLELISM": "1",
        "LIVESALE__AUTH__SIGNUPS_PER_ADDRESS": "1000000",
        "LIVESALE__AUTH__GUEST_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        "LIVESALE__AUTH__GUEST_FREE_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        "LIVESALE__LOG__LEVEL": "WARNING",
    }
    livesale = ROOT / ".venv" / "bin" / "livesale"
    process = subprocess.Popen(
        ["taskset", "-c", args.server_cores, str(livesale), "serve"],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://{HOST}:{port}"
    try:
        await wait_http(f"{base}/healthz", process)
        cookies = await seed(args, base, workdir)
        return await fire(args, base, cookies, process.pid)
    finally:
        stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)


async def seed(args: argparse.Namespace, base: str, workdir: Path) -> list[str]:
    """Creators with upcoming shows, guests who follow two of them, and their profiles."""
    rng = random.Random(5)
    creators: list[str] = []
    for n in range(args.load_creators):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            reply, _ = await api(
                session,
                "POST",
                f"{base}/api/auth/signup",
                {
                    "email": f"c{n}@example.com",
                    "password": "correct horse battery",
                    "display_name": f"Creator {n}",
                },
                201,
            )
            creators.append(reply["creator"]["id"])
            for s in range(args.load_shows // args.load_creators):
                body = {"title": f"Show {n}-{s}", "scheduled_at": time.time() + 3600 * (s + 1)}
                await api(session, "POST", f"{base}/api/shows", body, 201)
    gate = asyncio.Semaphore(50)
    viewers: list[tuple[str, str]] = []

    async def guest(n: int) -> None:
        async with (
            gate,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session,
        ):
            reply, response = await api(
                session, "PUT", f"{base}/api/viewer", {"display_name": f"guest{n}"}, 200
            )
            for creator in rng.sample(creators, 2):
                await api(session, "PUT", f"{base}/api/creators/{creator}/follow", {}, 200)
            cookie = response.cookies["ls_viewer"].value
            viewers.append((reply["viewer"]["id"], f"ls_viewer={cookie}"))

    await asyncio.gather(*(guest(n) for n in range(args.load_viewers)))
    sockets = list(workdir.rglob("redis.sock"))
    redis = Redis(unix_socket_path=str(sockets[0]))
    taste = TasteStore(redis, half_life_days=14.0, profile_ttl_days=90.0)
    now = time.time()
    for viewer_id, _ in viewers:
        for _ in range(20):
            creator = rng.choice(creators)
            await taste.watched(
                Watched(viewer_id, f"x{rng.randrange(10**6)}", creator, "A show", 600, now)
            )
    await redis.aclose()
    print(
        f"\nload: {len(creators)} creators, {args.load_shows} upcoming shows, "
        f"{len(viewers):,} guests (2 follows, 20 watches each)"
    )
    return [cookie for _, cookie in viewers]


def _redis_pid(server_pid: int) -> int | None:
    """The server's embedded redis-server (its child), whose CPU is counted apart."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    for child in children:
        if "redis-server" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace"):
            return int(child)
    return None


class CpuMeter:
    """CPU seconds the server process (and its redis-server) spent between two readings."""

    def __init__(self, server_pid: int) -> None:
        self._pids = [server_pid, _redis_pid(server_pid)]
        self._start = self._read()

    def _read(self) -> list[float]:
        return [cpu_seconds(pid) if pid is not None else float("nan") for pid in self._pids]

    def per_request_ms(self, requests: int) -> str:
        """CPU per request since the last reading, in ms, then start again."""
        now = self._read()
        server, redis = ((b - a) * 1000 / requests for a, b in zip(self._start, now, strict=True))
        self._start = now
        return f"CPU per request {server:.2f} ms (livesale) + {redis:.2f} ms (its redis-server)"


async def fire(args: argparse.Namespace, base: str, cookies: list[str], pid: int) -> bool:
    """Open-loop GET /api/feed at `--rate` for `--seconds`; latency and CPU figures."""
    rng = random.Random(9)
    total = int(args.rate * args.seconds)
    latencies: list[float] = []
    statuses: dict[int | str, int] = defaultdict(int)
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        # Warm: connections open and the candidate cache filled.
        await asyncio.gather(*(session.get(f"{base}/api/feed") for _ in range(50)))

        async def one(cookie: str | None) -> None:
            headers = {"Cookie": cookie} if cookie else {}
            begin = time.perf_counter()
            try:
                async with session.get(f"{base}/api/feed", headers=headers) as response:
                    await response.read()
                    statuses[response.status] += 1
            except aiohttp.ClientError as error:
                statuses[type(error).__name__] += 1
                return
            latencies.append(time.perf_counter() - begin)

        # Closed loop first: one request at a time, the service time without queueing.
        meter = CpuMeter(pid)
        alone: list[float] = []
        for _ in range(args.sequential):
            guest = rng.choice(cookies)
            begin = time.perf_counter()
            async with session.get(f"{base}/api/feed", headers={"Cookie": guest}) as response:
                await response.read()
            alone.append(time.perf_counter() - begin)
        print(
            f"one at a time ({args.sequential} requests as guests): "
            f"p50 {percentile(alone, 50) * 1000:.1f} ms, "
            f"p99 {percentile(alone, 99) * 1000:.1f} ms; "
            f"{meter.per_request_ms(args.sequential)}"
        )

        tasks = []
        meter.per_request_ms(1)  # start the open-loop reading here
        start = time.perf_counter()
        for n in range(total):
            due = start + n / args.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            cookie = rng.choice(cookies) if rng.random() < 0.8 else None
            tasks.append(asyncio.create_task(one(cookie)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        cpu = meter.per_request_ms(total)
    p99 = percentile(latencies, 99)
    print(
        f"GET /api/feed: {total:,} requests in {elapsed:.1f} s ({total / elapsed:,.0f}/s), "
        f"answers {dict(statuses)}"
    )
    print(
        f"latency p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms (target p99 < 50 ms: {mark(p99 < 0.05)}); {cpu}"
    )
    return p99 < 0.05
