#!/usr/bin/env python3
"""What waiting for a replica costs a flash sale: stock holds with and without WAIT, same run.

A private redis-server master and one replica (`replicaof`, both on loopback
TCP, AOF on as livesale requires) are started; then `--buyers` holds (2,000)
race for `--units` units (100) of one variant through livesale's own
StockStore, `--concurrency` (64, the app's pool size) at a time, once with
`redis.min_replicas_acked = 0` and once with 1 (each race on a fresh
variant); then the same with as many units as buyers, so that every hold
writes and waits. Each hold is timed from the call to its answer (time.perf_counter);
a warm-up race is left out; printed per race, and as the median of `--rounds`
races per setting: holds per second, latency p50 / p99 / max, units held (must
equal `--units`) and, with WAIT, how many writes the replica confirmed in time.

This measures the Redis round trip a hold costs, which is what WAIT changes;
the HTTP side of a Buy is measured by scripts/bench_flash_sale.py.

    .venv/bin/python scripts/bench_replica_wait.py
    .venv/bin/python scripts/bench_replica_wait.py --buyers 5000 --units 500
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from bench_common import free_port, percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from livesale.config import RedisSettings, Settings
from livesale.domain.errors import LivesaleError
from livesale.storage.redis_client import connect_redis, open_connections
from livesale.storage.stock import StockStore

HOST = "127.0.0.1"


def start_redis(folder: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """A redis-server on `port` with livesale's required settings."""
    folder.mkdir(parents=True)
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed: apt-get install redis-server")
    return subprocess.Popen(
        [binary, "--bind", HOST, "--port", str(port), "--dir", str(folder),
         "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", "", *extra],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


@contextmanager
def master_and_replica() -> Iterator[int]:
    """Start both; yields the master's port once the replica is in sync."""
    with tempfile.TemporaryDirectory(prefix="lswait-") as folder:
        master, replica = free_port(), free_port()
        processes = [start_redis(Path(folder) / "master", master)]
        try:
            processes.append(
                start_redis(Path(folder) / "replica", replica, "--replicaof", HOST, str(master))
            )
            deadline = time.monotonic() + 20
            while True:
                try:
                    with redis.Redis(HOST, replica, decode_responses=True) as client:
                        if client.info("replication").get("master_link_status") == "up":
                            break
                except redis.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the replica did not get in sync")
                time.sleep(0.05)
            yield master
        finally:
            for process in processes:
                process.terminate()
                process.wait()


async def race(
    port: int, acks: int, units: int, args: argparse.Namespace
) -> tuple[float, float, float]:
    """One race of `args.buyers` holds for `units` units; prints and returns
    (holds/s, p50 ms, p99 ms)."""
    settings = Settings(redis=RedisSettings(url=f"redis://{HOST}:{port}", min_replicas_acked=acks))
    client = connect_redis(settings, None)
    await open_connections(client)
    store = StockStore(client).seller("bench-seller")
    variant = "bench-" + uuid.uuid4().hex[:8]
    await store.init(variant, units)
    gate = asyncio.Semaphore(args.concurrency)
    latencies: list[float] = []
    held = 0

    async def hold(n: int) -> None:
        nonlocal held
        async with gate:
            start = time.perf_counter()
            try:
                await store.hold(uuid.uuid4().hex, variant, 1, f"buyer-{n}", 60.0)
                held += 1
            except LivesaleError:
                pass  # out of stock: the answer most buyers get
            latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    await asyncio.gather(*(hold(n) for n in range(args.buyers)))
    wall = time.perf_counter() - started
    await client.aclose()
    ms = sorted(value * 1000 for value in latencies)
    print(
        f"min_replicas_acked={acks}: {args.buyers / wall:8.0f} holds/s  "
        f"p50 {percentile(ms, 50):6.2f} ms  p99 {percentile(ms, 99):6.2f} ms  "
        f"max {ms[-1]:6.2f} ms  units held {held}/{units}"
    )
    return args.buyers / wall, percentile(ms, 50), percentile(ms, 99)


async def main() -> None:
    """Parse the arguments and race without and with WAIT on one master and replica."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="races per setting, alternating")
    args = parser.parse_args()
    with master_and_replica() as port:
        # A flash sale (most buyers refused: nothing written, WAIT returns at once)
        # and a sale where every hold takes a unit (every answer waits for the replica).
        for units in (args.units, args.buyers):
            print(f"\n{args.buyers} holds for {units} units, {args.concurrency} at a time")
            await race(port, 0, units, args)  # warm-up: scripts loaded, pages touched
            results: dict[int, list[tuple[float, float, float]]] = {0: [], 1: []}
            for _ in range(args.rounds):
                for acks in (0, 1):
                    results[acks].append(await race(port, acks, units, args))
            for acks, runs in results.items():
                rate, p50, p99 = (statistics.median(run[i] for run in runs) for i in range(3))
                print(
                    f"  median of {args.rounds}, min_replicas_acked={acks}: {rate:.0f} holds/s, "
                    f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"
                )


if __name__ == "__main__":
    asyncio.run(main())
