#!/usr/bin/env python3
"""Flash-sale benchmark: thousands of buyers race for a few units over HTTP, same run as a baseline.

What it measures: `--buyers` guest viewers (2,000) press **Buy now** on a
pinned flash sale of `--units` units (100) of one variant, all at the same
moment, against a real `livesale serve` (its own embedded redis-server).
Every buyer sends `POST /api/shows/{id}/buy` over its own keep-alive
connection (opened before the race, like a browser that has been watching
the show), with its `ls_viewer` cookie and the same-origin `Origin` header.
The load generator is a separate process of aiohttp clients; each request is
timed with `time.perf_counter` from the moment it is handed to aiohttp to the
moment its answer has been read.

Printed per race: units sold (201 answers), oversold (must be 0: the answers
and the Redis counters are checked, `available + held + sold == stock` and
`held + sold <= units`), hold attempts per second (buyers / the time from
the first request sent to the last answer read), Buy latency p50 / p99 /
max, and the answers by status and error code (201, 409 `sold_out`, 409
`out_of_stock`, ...). Each run races twice: a **burst** (every buyer at the
same instant) and, with `--paced-rate`, buyers arriving evenly at that rate
(in a burst of N requests, latency is queueing: the last answer comes N /
throughput after the first, so p99 under 100 ms in a burst needs ~20,000
answers/s; the paced race shows the latency at a given arrival rate).

Runs:
  (a) the show is live (one publisher: VP8 640x480 ~1 Mbit/s + Opus, the
      same synthetic publisher as scripts/bench_relay.py) with no viewers;
  (b) the same, while the show forwards video to `--viewers` (100) lean
      viewers from scripts/bench_relay.py. Video figures (frames delivered,
      the server's per-viewer frame latency p50/p99, burst p99, and the
      viewers' own e2e latency) are printed for a quiet window without shop
      load and for a window around each race, same server, same viewers,
      same method as scripts/bench_relay.py.
  baseline: the same buyers against a naive shop, a tiny aiohttp app in this
      file (`--baseline-server`) that decrements a SQLite row
      (`UPDATE stock SET stock = stock - ? WHERE id = ? AND stock >= ?`,
      aiosqlite, WAL, synchronous=FULL, commit per request), served the
      same way (separate process, pinned like the server).

Each of these runs once per database for livesale's record (`--databases`,
default `sqlite,postgresql`): the SQLite file, then a private PostgreSQL
(Debian's `postgresql`: `initdb` and `pg_ctl` in a temp folder, durable
settings, on the server's cores; see scripts/private_postgres.py). The
tables have a row per database.

Pinning (2-core machine): the server (`livesale serve`, every process it
starts, its embedded redis-server) and the baseline server run on
`--server-cores` (0); the load generator, the publisher, the viewers and this
script on `--client-core` (1). What ran where is printed.

    .venv/bin/python scripts/bench_flash_sale.py                       # everything (~1 min)
    .venv/bin/python scripts/bench_flash_sale.py --skip-video --skip-baseline
    .venv/bin/python scripts/bench_flash_sale.py --shop-processes 2    # the server's layout
    .venv/bin/python scripts/bench_flash_sale.py --profile-server PATH # cProfile of the shop

`--shop-processes N` is handed to the server as LIVESALE__SERVER__SHOP_PROCESSES
(N >= 1: one media process + N shop processes on the port; 0: one process);
without it the server's default applies. `--profile-server PATH` runs the
server as a single process under cProfile, switched on only while buyers race
(no video runs), and writes one file per race: PATH.1 (the burst), PATH.2
(the paced race); read them with `python -m pstats PATH.1`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from bench_common import (
    api,
    cpu_seconds,
    free_port,
    mark,
    percentile,
    stop_process,
    wait_http,
)

if TYPE_CHECKING:  # the orchestrator imports these lazily: the load generator stays light
    from bench_relay import ClipVideoTrack, LeanViewer
    from bench_relay import Server as RelayServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # livesale's own key names and ids, read after a race
HOST = "127.0.0.1"
PRICE_MINOR = 4900
SALE_PRICE_MINOR = 2900
CURRENCY = "EUR"
# The shop caches a show's pin for 0.5 s per process: wait this long after pinning
# so that every buyer sees the flash sale (and its caps) from the first request.
PIN_SETTLE_SECONDS = 1.5
WARM_CONCURRENCY = 100  # connections opened at once before a race (the listen backlog is 128)


# --------------------------------------------------------------------------
# The load generator (its own process): one aiohttp session and connection per buyer.


@dataclass
class LoadConfig:
    """What the orchestrator hands the load-generator process (as JSON)."""

    url: str
    origin: str
    cookies: list[str]  # "ls_viewer=..." per buyer
    bodies: list[str]  # the JSON body per buyer
    rate: float  # buyers per second; 0 = all at the same instant
    result_path: str


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send one pre-built HTTP/1.1 request on a kept-alive connection; status and body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, (await reader.readexactly(length) if length else b"")


def _request(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request, built before the race starts."""
    parsed = urlsplit(url)
    lines = [f"{method} {parsed.path} HTTP/1.1", f"Host: {parsed.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run_load(config: LoadConfig) -> None:
    """Open a connection per buyer, say `ready`, wait for `go`, race, write the answers.

    The client is raw HTTP/1.1 on asyncio streams with every request built in
    advance: on two cores the load generator shares the machine with the
    server, so it must cost as little CPU per request as possible (an aiohttp
    client costs about four times more).
    """
    loop = asyncio.get_running_loop()
    count = len(config.bodies)
    parsed = urlsplit(config.url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    health = _request("GET", config.url.split("/api/", 1)[0] + "/healthz", {})
    gate = asyncio.Semaphore(WARM_CONCURRENCY)
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = [None] * count

    async def warm(index: int) -> bool:
        async with gate:
            for _attempt in range(5):
                try:
                    reader, writer = await asyncio.open_connection(host, port)
                    status, _ = await _exchange(reader, writer, health)
                except (OSError, asyncio.IncompleteReadError):
                    await asyncio.sleep(0.2)
                    continue
                streams[index] = (reader, writer)
                return status == 200
        return False

    warmed = sum(await asyncio.gather(*(warm(i) for i in range(count))))
    requests = [
        _request(
            "POST",
            config.url,
            {"Origin": config.origin, "Cookie": cookie, "Content-Type": "application/json"},
            body.encode(),
        )
        for cookie, body in zip(config.cookies, config.bodies, strict=True)
    ]
    starts = [0.0] * count
    ends = [0.0] * count
    statuses = [0] * count
    bodies: list[bytes] = [b""] * count
    print(f"ready {warmed}", flush=True)
    if (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "go":
        raise SystemExit("load generator: expected 'go'")
    perf = time.perf_counter

    async def buy(index: int, at: float) -> None:
        if at:
            delay = at - perf()
            if delay > 0:
                await asyncio.sleep(delay)
        starts[index] = perf()
        stream = streams[index]
        try:
            if stream is None:
                raise ConnectionError("never connected")
            statuses[index], bodies[index] = await _exchange(*stream, requests[index])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            bodies[index] = repr(exc).encode()
            statuses[index] = -1
        ends[index] = perf()

    cpu_before = time.process_time()
    go = perf()
    spacing = 1 / config.rate if config.rate else 0.0
    await asyncio.gather(*(buy(i, go + i * spacing if spacing else 0.0) for i in range(count)))
    wall = perf() - go
    cpu = time.process_time() - cpu_before
    codes = [_answer_code(status, body) for status, body in zip(statuses, bodies, strict=True)]
    Path(config.result_path).write_text(
        json.dumps(
            {
                "go": go,
                "starts": starts,
                "ends": ends,
                "statuses": statuses,
                "codes": codes,
                "warmed": warmed,
                "cpu_seconds": cpu,
                "wall_seconds": wall,
            }
        )
    )
    for stream in streams:
        if stream is not None:
            stream[1].close()
    print("done", flush=True)


def _answer_code(status: int, body: bytes) -> str:
    """`created` for 201, else the error code of livesale's one error shape."""
    if status == 201:
        return "created"
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return body[:60].decode(errors="replace")


def load_generator_main(config_path: str) -> None:
    """Entry point of the load-generator process."""
    raise_nofile()
    config = LoadConfig(**json.loads(Path(config_path).read_text()))
    _install_uvloop()
    asyncio.run(run_load(config))


# --------------------------------------------------------------------------
# The baseline: a naive shop that decrements a SQLite row (its own process).


BASELINE_SCHEMA = "CREATE TABLE IF NOT EXISTS stock (id TEXT PRIMARY KEY, stock INTEGER NOT NULL)"


def run_baseline_server(port: int, db_path: str, origin: str) -> None:
    """Buy = one guarded UPDATE and a commit on one aiosqlite connection (WAL, synchronous=FULL)."""
    import aiosqlite

    _install_uvloop()
    db_key: web.AppKey[aiosqlite.Connection] = web.AppKey("db", aiosqlite.Connection)

    async def open_db(app: web.Application) -> AsyncIterator[None]:
        db = await aiosqlite.connect(db_path)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=FULL")
        app[db_key] = db
        yield
        await db.close()

    async def buy(request: web.Request) -> web.Response:
        if not request.cookies.get("ls_viewer"):
            return _error(401, "viewer_required")
        if request.headers.get("Origin") != origin:
            return _error(403, "cross_site_refused")
        body = await request.json()
        variant_id, quantity = str(body["variant_id"]), int(body.get("quantity", 1))
        db = request.app[db_key]
        cursor = await db.execute(
            "UPDATE stock SET stock = stock - ? WHERE id = ? AND stock >= ?",
            (quantity, variant_id, quantity),
        )
        await db.commit()
        if cursor.rowcount != 1:
            return _error(409, "out_of_stock")
        checkout = {
            "variant_id": variant_id,
            "quantity": quantity,
            "request_id": body["request_id"],
        }
        return web.json_response({"checkout": checkout}, status=201)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.cleanup_ctx.append(open_db)
    app.router.add_post("/api/shows/{show_id}/buy", buy)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


def _error(status: int, code: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": code, "details": {}}}, status=status
    )


# --------------------------------------------------------------------------
# Processes: start, pin, describe, stop.


def raise_nofile() -> None:
    """Thousands of sockets need more than the usual 1,024 descriptors."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _install_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(sorted(children.get(current, [])))
    return found


def describe(pid: int) -> str:
    """A process's short command line and the cores it may run on."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        cores = ",".join(str(c) for c in sorted(os.sched_getaffinity(pid)))
    except OSError:
        return f"pid {pid} (gone)"
    words = [Path(a.decode()).name if i == 0 else a.decode() for i, a in enumerate(argv) if a]
    return f"pid {pid} [{' '.join(words)[:70]}] -> core {cores}"


def is_redis(pid: int) -> bool:
    try:
        return b"redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tree_cpu(pids: Sequence[int]) -> float:
    """CPU seconds used so far by these processes (those gone count 0)."""
    return sum(t for t in (cpu_seconds(p) for p in pids) if t == t)


def stop_tree(process: subprocess.Popen[bytes], pids: Sequence[int]) -> list[int]:
    """Stop a server and, by pid, whatever of its children outlived it; returns leftovers."""
    stop_process(process)
    deadline = time.monotonic() + 10
    alive = [p for p in pids if p != process.pid and is_alive(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if is_alive(p)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    return alive


def is_alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --------------------------------------------------------------------------
# Races.


@dataclass
class Race:
    """One race's answers and what the stock counters say afterwards."""

    system: str
    run: str
    arrival: str
    buyers: int
    units: int
    attempts_per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    send_spread_ms: float
    sold_out_after_ms: float
    answers: dict[str, int]
    sold: int  # 201 answers (one unit each)
    stock_check: dict[str, int]
    oversold: int
    invariant_ok: bool
    server_cpu_percent: float  # every server process, its redis-server included
    redis_cpu_percent: float
    server_cpu_us_per_attempt: float
    client_cpu_percent: float
    warmed: int
    client: str  # the load generator's pid and cores
    redis_commands: dict[str, int] = field(default_factory=dict)
    database: str = "sqlite"  # livesale's record: the SQLite file or PostgreSQL


@dataclass
class Target:
    """A server under test and how to reach it."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    workdir: Path
    pids: list[int] = field(default_factory=list)
    database: str = "sqlite"  # where livesale keeps its record

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"


async def race(
    target: Target,
    args: argparse.Namespace,
    path: str,
    cookies: list[str],
    variant_id: str,
    rate: float,
    on_ready: Any = None,
) -> dict[str, Any]:
    """Spawn the load generator, let it connect, start the race; its raw answers."""
    result_path = target.workdir / f"race-{uuid.uuid4().hex[:8]}.json"
    config_path = result_path.with_suffix(".config.json")
    bodies = [
        json.dumps({"variant_id": variant_id, "quantity": 1, "request_id": uuid.uuid4().hex})
        for _ in cookies
    ]
    config = LoadConfig(
        url=f"{target.origin}{path}",
        origin=target.origin,
        cookies=cookies,
        bodies=bodies,
        rate=rate,
        result_path=str(result_path),
    )
    config_path.write_text(json.dumps(asdict(config)))
    process = await asyncio.create_subprocess_exec(
        *("taskset", "-c", str(args.client_core), sys.executable, __file__),
        *("--load-generator", str(config_path)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode().split()
        if not line or line[0] != "ready":
            raise RuntimeError(f"load generator did not get ready: {line}")
        if int(line[1]) != len(cookies):
            print(f"  warning: only {line[1]}/{len(cookies)} buyer connections opened")
        client = describe(process.pid)
        if on_ready is not None:
            await on_ready()
        target.pids = [p for p in descendants(target.process.pid) if is_alive(p)]
        redis_pids = [p for p in target.pids if is_redis(p)]
        if args.profile_server and target.name == "livesale":
            os.kill(target.process.pid, signal.SIGUSR1)
        cpu_before, wall_before = tree_cpu(target.pids), time.monotonic()
        redis_before = tree_cpu(redis_pids)
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        done = (await asyncio.wait_for(process.stdout.readline(), 300)).decode().strip()
        cpu_after, wall_after = tree_cpu(target.pids), time.monotonic()
        redis_after = tree_cpu(redis_pids)
        if args.profile_server and target.name == "livesale":
            os.kill(target.process.pid, signal.SIGUSR2)
        if done != "done":
            raise RuntimeError(f"load generator ended with {done!r}")
        await process.wait()
        raw: dict[str, Any] = json.loads(result_path.read_text())
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    wall = max(wall_after - wall_before, 1e-9)
    raw["client"] = client
    raw["server_cpu_seconds"] = cpu_after - cpu_before
    raw["server_cpu_percent"] = 100 * (cpu_after - cpu_before) / wall
    raw["redis_cpu_percent"] = 100 * (redis_after - redis_before) / wall if redis_pids else 0.0
    return raw


def summarise(
    raw: dict[str, Any],
    *,
    system: str,
    run: str,
    arrival: str,
    units: int,
    stock_check: dict[str, int],
    invariant_ok: bool,
) -> Race:
    starts, ends = raw["starts"], raw["ends"]
    latencies = [1000 * (end - start) for start, end in zip(starts, ends, strict=True)]
    span = max(ends) - min(starts)
    answers = Counter(
        f"{status} {code}" for status, code in zip(raw["statuses"], raw["codes"], strict=True)
    )
    sold = sum(1 for status in raw["statuses"] if status == 201)
    created_ends = [e for e, s in zip(ends, raw["statuses"], strict=True) if s == 201]
    counted = stock_check.get("held", 0) + stock_check.get("sold", 0)
    return Race(
        system=system,
        run=run,
        arrival=arrival,
        buyers=len(starts),
        units=units,
        attempts_per_second=len(starts) / span,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies),
        send_spread_ms=1000 * (max(starts) - min(starts)),
        sold_out_after_ms=1000 * (max(created_ends, default=raw["go"]) - raw["go"]),
        answers=dict(sorted(answers.items(), key=lambda item: -item[1])),
        sold=sold,
        stock_check=stock_check,
        oversold=max(0, sold - units, counted - units),
        invariant_ok=invariant_ok and sold == counted and counted <= units,
        server_cpu_percent=raw["server_cpu_percent"],
        redis_cpu_percent=raw["redis_cpu_percent"],
        server_cpu_us_per_attempt=1e6 * raw["server_cpu_seconds"] / len(starts),
        client_cpu_percent=100 * raw["cpu_seconds"] / max(raw["wall_seconds"], 1e-9),
        warmed=raw["warmed"],
        client=raw["client"].split(" [", 1)[0] + " on core " + raw["client"].rsplit(" ", 1)[1],
    )


# --------------------------------------------------------------------------
# livesale: the server, the creator's setup, the buyers.


@dataclass
class Shop:
    """The live show, its products (one per race) and the guests who buy."""

    show_id: str
    stream_key: str
    product_ids: list[str]
    variant_ids: list[str]
    cookies: list[str]
    session: aiohttp.ClientSession  # the creator's

    def next_product(self) -> tuple[str, str]:
        return self.product_ids.pop(0), self.variant_ids.pop(0)


async def start_livesale(
    args: argparse.Namespace, database_url: str = "", extra_env: dict[str, str] | None = None
) -> Target:
    """`livesale serve` pinned to the server cores, with cheap password hashing; its record
    in the SQLite file, or in the PostgreSQL at `database_url`; `extra_env` adds settings."""
    # A short path: the embedded redis-server's unix socket lives under it.
    workdir = Path(tempfile.mkdtemp(prefix="lsflash-", dir="/tmp"))
    port = free_port(HOST)
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(workdir),
        "LIVESALE__AUTH__PASSWORD_TIME_COST": "1",
        "LIVESALE__AUTH__PASSWORD_MEMORY_KIB": "8",
        "LIVESALE__AUTH__PASSWORD_PARALLELISM": "1",
        "LIVESALE__LOG__LEVEL": "WARNING",
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_SHOW": str(max(500, args.viewers)),
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_PROCESS": str(max(1000, args.viewers)),
        # Every load-generator viewer comes from 127.0.0.1.
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_ADDRESS": "0",
        # ...and so does every buyer: no per-address cost of a guest identity here.
        "LIVESALE__AUTH__GUEST_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        "LIVESALE__AUTH__GUEST_FREE_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        # ...and the per-address limits on holds are raised out of the way: every hold is
        # still counted per address in the same Redis script, so that work is measured.
        "LIVESALE__SHOP__PER_ADDRESS_LIMIT_FACTOR": "1000000",
        "LIVESALE__SHOP__MAX_UNITS_HELD_PER_ADDRESS": "1000000",
        "LIVESALE__DATABASE__URL": database_url,
        **(extra_env or {}),
    }
    if args.shop_processes is not None:
        env["LIVESALE__SERVER__SHOP_PROCESSES"] = str(args.shop_processes)
    livesale = ROOT / ".venv" / "bin" / "livesale"
    command = (
        [str(livesale), "serve"]
        if livesale.exists()
        else [sys.executable, "-m", "livesale", "serve"]
    )
    if args.profile_server:
        env["LIVESALE__SERVER__SHOP_PROCESSES"] = "0"
        command = [
            *(sys.executable, str(Path(__file__).resolve())),
            *("--serve-for-profile", str(Path(args.profile_server).resolve())),
        ]
    process = subprocess.Popen(
        ["taskset", "-c", args.server_cores, *command],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        preexec_fn=raise_nofile,
    )
    target = Target("livesale", process, port, workdir)
    target.database = "postgresql" if database_url else "sqlite"
    try:
        await wait_http(f"{target.origin}/healthz", process)
        await asyncio.sleep(1.0)  # let every process of a multi-process layout come up
        target.pids = descendants(process.pid)
        if args.redis_core is not None:
            for pid in target.pids:
                if is_redis(pid):
                    os.sched_setaffinity(pid, {args.redis_core})
    except BaseException:
        stop_tree(process, descendants(process.pid))
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return target


def serve_for_profile(path: str) -> None:
    """`livesale serve` in this process under cProfile, switched on only during the races.

    SIGUSR1 starts profiling the event loop's thread; SIGUSR2 stops it and writes
    that race's profile to `path.1`, `path.2`, ... so setup and sign-up stay out.
    """
    import cProfile
    import signal

    from livesale.cli import main

    profilers = [cProfile.Profile()]

    def start(_signum: int, _frame: object) -> None:
        profilers[-1].enable()

    def stop(_signum: int, _frame: object) -> None:
        profilers[-1].disable()
        profilers[-1].dump_stats(f"{path}.{len(profilers)}")
        profilers.append(cProfile.Profile())

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    main(["serve"])


async def set_up_shop(target: Target, args: argparse.Namespace, races: int) -> Shop:
    """A creator, one product per race (one variant of `units`), a show with them, guests."""
    base = target.origin
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        await api(
            session,
            "POST",
            f"{base}/api/auth/signup",
            {
                "email": f"flash{uuid.uuid4().hex[:10]}@example.com",
                "password": "correct horse battery staple",
                "display_name": "Flash Creator",
            },
            201,
        )
        product_ids, variant_ids = [], []
        for number in range(races):
            body = {
                "title": f"Flash sale sneaker {number}",
                "description": "Limited run for the flash-sale benchmark.",
                "variants": [
                    {
                        "sku": f"FLASH-{number}",
                        "name": "One size",
                        "price_minor": PRICE_MINOR,
                        "currency": CURRENCY,
                        "stock": args.units,
                    }
                ],
            }
            reply, _ = await api(session, "POST", f"{base}/api/products", body, 201)
            product_ids.append(reply["product"]["id"])
            variant_ids.append(reply["product"]["variants"][0]["id"])
        reply, _ = await api(
            session,
            "POST",
            f"{base}/api/shows",
            {"title": "Flash sale benchmark", "product_ids": product_ids},
            201,
        )
        show_id, stream_key = reply["show"]["id"], reply["stream_key"]
        cookies = await make_guests(base, args.buyers)
    except BaseException:
        await session.close()
        raise
    return Shop(show_id, stream_key, product_ids, variant_ids, cookies, session)


async def make_guests(base: str, count: int) -> list[str]:
    """`count` guest viewers (PUT /api/viewer), each an `ls_viewer=...` cookie."""
    gate = asyncio.Semaphore(50)

    async def one(session: aiohttp.ClientSession, number: int) -> str:
        async with gate:
            _reply, response = await api(
                session, "PUT", f"{base}/api/viewer", {"display_name": f"buyer{number}"}, 200
            )
        cookie = response.cookies.get("ls_viewer")
        if cookie is None:
            raise RuntimeError("PUT /api/viewer set no ls_viewer cookie")
        return f"ls_viewer={cookie.value}"

    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=50), cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        return list(await asyncio.gather(*(one(session, n) for n in range(count))))


async def pin_flash_sale(target: Target, shop: Shop, product_id: str, units: int) -> str:
    """Pin the product as a flash sale of `units`, one per buyer; the sale's id in Redis."""
    reply, _ = await api(
        shop.session,
        "POST",
        f"{target.origin}/api/shows/{shop.show_id}/pin",
        {
            "product_id": product_id,
            "flash_sale": {
                "sale_price_minor": SALE_PRICE_MINOR,
                "quantity": units,
                "per_buyer_limit": 1,
                "duration_seconds": 300,
            },
        },
        201,
    )
    await asyncio.sleep(PIN_SETTLE_SECONDS)
    from livesale.domain.checkout import sale_id_for

    pin: Any = types.SimpleNamespace(id=reply["pin"]["id"])  # sale_id_for reads only the id
    return sale_id_for(pin)


def embedded_redis(target: Target) -> Any:
    """A client of the server's embedded redis-server (its socket is under the data folder)."""
    from redis.asyncio import Redis

    sockets = list(target.workdir.rglob("redis.sock"))
    if not sockets:
        raise RuntimeError(f"no redis.sock under {target.workdir}")
    return Redis(unix_socket_path=str(sockets[0]), decode_responses=True)


async def reset_redis_stats(target: Target) -> None:
    """Zero Redis' per-command counters (CONFIG RESETSTAT) just before a race."""
    client = embedded_redis(target)
    try:
        await client.config_resetstat()
    finally:
        await client.aclose()


async def redis_command_counts(target: Target) -> dict[str, int]:
    """Calls per Redis command since the last reset (INFO commandstats)."""
    client = embedded_redis(target)
    try:
        stats: dict[str, dict[str, Any]] = await client.info("commandstats")
    finally:
        await client.aclose()
    counts = {
        name.removeprefix("cmdstat_"): int(value["calls"])
        for name, value in stats.items()
        if name not in ("cmdstat_config", "cmdstat_info")
    }
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


async def livesale_counters(
    target: Target, variant_id: str, sale_id: str, units: int
) -> tuple[dict[str, int], bool]:
    """The variant's and the sale's counters straight from the embedded Redis."""
    from livesale.storage.stock_keys import parse_variant_key, sale_key, variant_key

    client = embedded_redis(target)
    try:
        # The seller's tag is in the key: find it from the variant's (one seller per variant).
        found = [key async for key in client.scan_iter(match=variant_key("*", variant_id))]
        parsed = parse_variant_key(found[0]) if found else None
        seller = parsed[0] if parsed is not None else ""
        variant = await client.hmget(variant_key(seller, variant_id), ["available", "held", "sold"])
        sale = await client.hmget(sale_key(seller, sale_id), ["held", "sold"])
    finally:
        await client.aclose()
    available, held, sold = (int(v or 0) for v in variant)
    sale_held, sale_sold = (int(v or 0) for v in sale)
    check = {
        "available": available,
        "held": held,
        "sold": sold,
        "sale_held": sale_held,
        "sale_sold": sale_sold,
    }
    ok = available + held + sold == units and sale_held + sale_sold == held + sold
    return check, ok


# --------------------------------------------------------------------------
# Video: the publisher and lean viewers of scripts/bench_relay.py.


@dataclass
class VideoFigures:
    window: str
    seconds: float
    viewers: int
    delivered_percent: float
    frame_p50_ms: float
    frame_p99_ms: float
    burst_p99_ms: float
    e2e_p50_ms: float
    e2e_p99_ms: float
    lost_packets: int
    server_cpu_percent: float


class VideoWindow:
    """bench_relay.measure's figures over one window opened and closed by hand."""

    def __init__(
        self, relay: RelayServer, viewers: list[LeanViewer], video: ClipVideoTrack, pids: list[int]
    ) -> None:
        self.relay, self.viewers, self.video, self.pids = relay, viewers, video, pids
        self._opened = 0.0
        self._cpu = 0.0
        self._lost = 0
        self._frames: dict[float, float] = {}
        self._bursts: dict[float, float] = {}

    async def open(self) -> None:
        import bench_relay

        for viewer in self.viewers:
            viewer.frames.clear()
        self._frames = await bench_relay.relay_latency_buckets(
            self.relay, bench_relay.FRAME_HISTOGRAM
        )
        self._bursts = await bench_relay.relay_latency_buckets(
            self.relay, bench_relay.PACKET_HISTOGRAM
        )
        self._lost = sum(v.lost_packets for v in self.viewers)
        self._cpu, self._opened = tree_cpu(self.pids), time.monotonic()
        for viewer in self.viewers:
            viewer.recording = True

    async def close(self, window: str) -> VideoFigures:
        import bench_relay

        cpu, closed = tree_cpu(self.pids), time.monotonic()
        for viewer in self.viewers:
            viewer.recording = False
        frames_after = await bench_relay.relay_latency_buckets(
            self.relay, bench_relay.FRAME_HISTOGRAM
        )
        bursts_after = await bench_relay.relay_latency_buckets(
            self.relay, bench_relay.PACKET_HISTOGRAM
        )
        frames = {le: n - self._frames.get(le, 0) for le, n in frames_after.items()}
        bursts = {le: n - self._bursts.get(le, 0) for le, n in bursts_after.items()}
        sent = self.video.sent
        window_sent = [pts for pts, at in sent.items() if self._opened + 0.2 < at < closed - 0.3]
        sent_pts = sorted(sent)
        latencies: list[float] = []
        delivered: list[float] = []
        for viewer in self.viewers:
            offset = bench_relay.match_offset(viewer, sent)
            if offset is None:
                delivered.append(0.0)
                continue
            got = set()
            for at, ts, complete in viewer.frames:
                pts = bench_relay.nearest(sent_pts, (ts - offset) & 0xFFFFFFFF)
                if complete and pts is not None:
                    got.add(pts)
                    latencies.append(at - sent[pts])
            delivered.append(sum(1 for pts in window_sent if pts in got) / max(1, len(window_sent)))
        return VideoFigures(
            window=window,
            seconds=closed - self._opened,
            viewers=len(self.viewers),
            delivered_percent=100 * statistics.fmean(delivered) if delivered else 0.0,
            frame_p50_ms=1000 * bench_relay.histogram_quantile(0.50, frames),
            frame_p99_ms=1000 * bench_relay.histogram_quantile(0.99, frames),
            burst_p99_ms=1000 * bench_relay.histogram_quantile(0.99, bursts),
            e2e_p50_ms=1000 * percentile(latencies, 50),
            e2e_p99_ms=1000 * percentile(latencies, 99),
            lost_packets=sum(v.lost_packets for v in self.viewers) - self._lost,
            server_cpu_percent=100 * (cpu - self._cpu) / max(closed - self._opened, 1e-9),
        )


# --------------------------------------------------------------------------
# The runs.


def arrivals(args: argparse.Namespace) -> list[tuple[str, float]]:
    """(label, rate) of each race of a run: the burst, then the paced one if asked."""
    out = [("burst", 0.0)]
    if args.paced_rate:
        out.append((f"{args.paced_rate:g}/s", float(args.paced_rate)))
    return out


async def livesale_races(
    target: Target,
    shop: Shop,
    args: argparse.Namespace,
    run: str,
    window: VideoWindow | None,
    video: list[VideoFigures],
) -> list[Race]:
    """The races of one run; around each, a video window when viewers watch."""
    results = []
    for label, rate in arrivals(args):
        product_id, variant_id = shop.next_product()
        sale_id = await pin_flash_sale(target, shop, product_id, args.units)

        async def before_go() -> None:
            if window is not None:
                await window.open()
                await asyncio.sleep(args.video_lead)
            await reset_redis_stats(target)

        raw = await race(
            target,
            args,
            f"/api/shows/{shop.show_id}/buy",
            shop.cookies,
            variant_id,
            rate,
            before_go,
        )
        commands = await redis_command_counts(target)
        if window is not None:
            await asyncio.sleep(args.video_lead)
            video.append(await window.close(f"during {label} race"))
        check, ok = await livesale_counters(target, variant_id, sale_id, args.units)
        result = summarise(
            raw,
            system="livesale",
            run=run,
            arrival=label,
            units=args.units,
            stock_check=check,
            invariant_ok=ok,
        )
        result.redis_commands = commands
        result.database = target.database
        print_races([result])
        results.append(result)
    return results


async def run_livesale(
    args: argparse.Namespace, database: str
) -> tuple[list[Race], list[VideoFigures]]:
    """Runs (a) and (b) on one server whose record is `database` (sqlite, postgresql)."""
    if database == "sqlite":
        races, video = await _run_livesale(args, "")
    else:
        from private_postgres import private_postgres

        # PostgreSQL is part of the server: it runs on the server's cores.
        with private_postgres(args.server_cores) as url:
            print(f"PostgreSQL for the record: {url}")
            races, video = await _run_livesale(args, url)
    for window in video:
        window.window = f"{window.window} [{database}]"
    return races, video


async def _run_livesale(
    args: argparse.Namespace, database_url: str
) -> tuple[list[Race], list[VideoFigures]]:
    import bench_relay

    with_video = not args.skip_video and not args.profile_server
    races_per_run = len(arrivals(args))
    target = await start_livesale(args, database_url)
    layout = "\n".join(f"  {describe(pid)}" for pid in target.pids)
    print(f"livesale server processes:\n{layout}")
    results: list[Race] = []
    video: list[VideoFigures] = []
    viewers: list[LeanViewer] = []
    shop: Shop | None = None
    try:
        shop = await set_up_shop(target, args, races_per_run * (2 if with_video else 1))
        print(
            f"set up: show {shop.show_id}, {len(shop.product_ids)} products of "
            f"{args.units} units, {len(shop.cookies)} guest buyers"
        )
        base = target.origin
        relay = bench_relay.Server(
            "livesale",
            target.process,
            base,
            f"{base}/whip/{shop.show_id}",
            f"{base}/whep/{shop.show_id}",
            shop.stream_key,
            target.workdir,
        )
        clip, audio = bench_relay.encode_clip(1_000_000), bench_relay.encode_audio_clip()
        async with bench_relay.publishing(relay, clip, audio) as track:
            await asyncio.sleep(1.0)
            print("run (a): the show is live, its publisher sends video, nobody watches")
            results += await livesale_races(target, shop, args, "a", None, video)
            if with_video:
                viewers = await bench_relay.connect_viewers(relay, args.viewers, batch=25)
                print(f"run (b): {len(viewers)}/{args.viewers} viewers watch the show")
                deadline = time.monotonic() + 10
                while any(not v.video_packets for v in viewers) and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1.0)
                pids = [p for p in descendants(target.process.pid) if is_alive(p)]
                window = VideoWindow(relay, viewers, track, pids)
                await window.open()
                await asyncio.sleep(args.video_seconds)
                video.append(await window.close("quiet (no shop load)"))
                print_video(video[-1:])
                results += await livesale_races(target, shop, args, "b", window, video)
                print_video(video[-races_per_run:])
                await asyncio.gather(*(v.close() for v in viewers))
                viewers = []
    finally:
        await asyncio.gather(*(v.close() for v in viewers), return_exceptions=True)
        if shop is not None:
            await shop.session.close()
        leftovers = stop_tree(target.process, descendants(target.process.pid))
        if leftovers:
            print(f"  killed leftover server processes: {leftovers}")
        shutil.rmtree(target.workdir, ignore_errors=True)
    return results, video


async def run_baseline(args: argparse.Namespace, cookies: list[str]) -> list[Race]:
    """The naive SQLite shop: one fresh row per race."""
    workdir = Path(tempfile.mkdtemp(prefix="lsflash-naive-", dir="/tmp"))
    db_path = workdir / "naive.sqlite3"
    labels = arrivals(args)
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(BASELINE_SCHEMA)
        db.executemany(
            "INSERT INTO stock (id, stock) VALUES (?, ?)",
            [(f"variant-{label}", args.units) for label, _rate in labels],
        )
        db.commit()
    port = free_port(HOST)
    origin = f"http://{HOST}:{port}"
    process = subprocess.Popen(
        [
            *("taskset", "-c", args.server_cores, sys.executable, __file__),
            *("--baseline-server", str(port), "--baseline-db", str(db_path)),
            *("--baseline-origin", origin),
        ],
        cwd=workdir,
        preexec_fn=raise_nofile,
    )
    target = Target("naive SQLite", process, port, workdir)
    results = []
    try:
        await wait_http(f"{origin}/healthz", process)
        target.pids = descendants(process.pid)
        print("baseline server processes:\n" + "\n".join(f"  {describe(p)}" for p in target.pids))
        for label, rate in labels:
            variant_id = f"variant-{label}"
            raw = await race(target, args, "/api/shows/naive/buy", cookies, variant_id, rate)
            with contextlib.closing(sqlite3.connect(db_path)) as db:
                (left,) = db.execute(
                    "SELECT stock FROM stock WHERE id = ?", (variant_id,)
                ).fetchone()
            sold = args.units - int(left)
            result = summarise(
                raw,
                system="naive SQLite",
                run="-",
                arrival=label,
                units=args.units,
                stock_check={"available": int(left), "held": 0, "sold": sold},
                invariant_ok=int(left) >= 0,
            )
            print_races([result])
            results.append(result)
    finally:
        stop_tree(process, descendants(process.pid))
        shutil.rmtree(workdir, ignore_errors=True)
    return results


# --------------------------------------------------------------------------
# Output.


def print_races(races: list[Race]) -> None:
    header = (
        f"{'system':<13}{'record':<11}{'run':<4}{'arrival':<9}{'buyers':>7}{'units':>6}{'sold':>6}"
        f"{'oversold':>9}{'holds/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}"
        f"{'sold out ms':>12}{'srv CPU':>8}{'cli CPU':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in races:
        print(
            f"{r.system:<13}{_record(r):<11}{r.run:<4}{r.arrival:<9}{r.buyers:>7}{r.units:>6}"
            f"{r.sold:>6}"
            f"{r.oversold:>9}{r.attempts_per_second:>9.0f}{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}"
            f"{r.max_ms:>8.1f}{r.sold_out_after_ms:>12.0f}{r.server_cpu_percent:>7.0f}%"
            f"{r.client_cpu_percent:>7.0f}%"
        )
        answers = ", ".join(f"{n} x {what}" for what, n in r.answers.items())
        counters = " ".join(f"{k}={v}" for k, v in r.stock_check.items())
        print(f"    answers: {answers}")
        if r.redis_commands:
            per = ", ".join(f"{name} {n / r.buyers:.2f}" for name, n in r.redis_commands.items())
            print(f"    redis commands per attempt: {per}")
        print(
            f"    server CPU {r.server_cpu_us_per_attempt:.0f} us per attempt"
            + (f" (redis-server {r.redis_cpu_percent:.0f}% of a core)" if r.redis_commands else "")
        )
        print(
            f"    counters after: {counters}; invariant and counts agree: "
            f"{mark(r.invariant_ok)}; send spread {r.send_spread_ms:.0f} ms; "
            f"connections {r.warmed}/{r.buyers} (load generator {r.client})"
        )


def _record(race_: Race) -> str:
    """Where the system keeps its record (the naive baseline: its own SQLite file)."""
    return race_.database if race_.system == "livesale" else "sqlite"


def print_video(rows: list[VideoFigures]) -> None:
    header = (
        f"{'video window':<24}{'s':>5}{'viewers':>8}{'frames':>9}{'frame p50':>10}"
        f"{'frame p99':>10}{'burst p99':>10}{'e2e p50':>9}{'e2e p99':>9}{'lost':>6}{'srv CPU':>8}"
    )
    print(header)
    print("-" * len(header))
    for v in rows:
        print(
            f"{v.window:<24}{v.seconds:>5.1f}{v.viewers:>8}{v.delivered_percent:>8.2f}%"
            f"{v.frame_p50_ms:>10.2f}{v.frame_p99_ms:>10.2f}{v.burst_p99_ms:>10.2f}"
            f"{v.e2e_p50_ms:>9.1f}{v.e2e_p99_ms:>9.1f}{v.lost_packets:>6}"
            f"{v.server_cpu_percent:>7.0f}%"
        )


def print_targets(races: list[Race], video: list[VideoFigures]) -> None:
    print("targets (livesale):")
    for r in races:
        if r.system != "livesale":
            continue
        sold_ok = mark(r.oversold == 0 and r.invariant_ok)
        if r.arrival == "burst":
            print(
                f"  [{r.database}] run ({r.run}) burst : >= 3,000 hold attempts/s "
                f"{mark(r.attempts_per_second >= 3000)} ({r.attempts_per_second:,.0f}), "
                f"p99 < 100 ms {mark(r.p99_ms < 100)} ({r.p99_ms:,.0f} ms), 0 oversold {sold_ok}"
            )
        else:
            print(
                f"  [{r.database}] run ({r.run}) {r.arrival} offered: p99 < 100 ms "
                f"{mark(r.p99_ms < 100)} "
                f"({r.p99_ms:,.0f} ms; {r.attempts_per_second:,.0f} answered/s), "
                f"0 oversold {sold_ok}"
            )
    bursts = [r for r in races if r.system == "livesale" and r.arrival == "burst"]
    if bursts:
        print(
            f"  (in a burst every buyer asks at once, so the last answer waits for all the "
            f"others: p99 < 100 ms for {bursts[0].buyers:,} buyers needs about "
            f"{0.99 * bursts[0].buyers / 0.1:,.0f} answers/s)"
        )
    for v in video:
        print(
            f"  video {v.window:<22}: 100% frames {mark(v.delivered_percent >= 99.995)} "
            f"({v.delivered_percent:.2f}%), frame p99 < 30 ms {mark(v.frame_p99_ms < 30)} "
            f"({v.frame_p99_ms:.1f} ms)"
        )
    naive = {r.arrival: r for r in races if r.system != "livesale"}
    for r in races:
        theirs = naive.get(r.arrival)
        if r.system == "livesale" and theirs is not None:
            print(
                f"  [{r.database}] vs naive SQLite, run ({r.run}) {r.arrival}: "
                f"{r.attempts_per_second / theirs.attempts_per_second:.2f}x holds/s, "
                f"p99 {r.p99_ms:,.0f} vs {theirs.p99_ms:,.0f} ms, server CPU per attempt "
                f"{r.server_cpu_us_per_attempt:.0f} vs {theirs.server_cpu_us_per_attempt:.0f} us"
            )


async def main(args: argparse.Namespace) -> int:
    os.sched_setaffinity(0, {args.client_core})
    raise_nofile()
    print(f"this script: {describe(os.getpid())}")
    print(
        f"pinning: server processes (and the embedded redis-server"
        f"{'' if args.redis_core is None else f', moved to core {args.redis_core}'}) "
        f"-> core {args.server_cores}; load generator, publisher, viewers and this "
        f"script -> core {args.client_core}"
    )
    print(
        f"{args.buyers} buyers, {args.units} units, flash sale (per-buyer limit 1); "
        f"shop_processes={'server default' if args.shop_processes is None else args.shop_processes}"
    )
    print(
        "holds/s: buyers / (first request sent -> last answer read); latency: per request, "
        "perf_counter around the aiohttp call in the load generator; sold out ms: go -> last 201"
    )
    databases = args.databases.split(",")
    if not set(databases) <= {"sqlite", "postgresql"}:
        print(f"--databases: sqlite and/or postgresql, not {args.databases}", file=sys.stderr)
        return 2
    races: list[Race] = []
    video: list[VideoFigures] = []
    for database in databases:
        print(f"-- livesale with its record in {database}")
        more_races, more_video = await run_livesale(args, database)
        races += more_races
        video += more_video
    if not args.skip_baseline and not args.profile_server:
        races += await run_baseline(args, [f"ls_viewer=naive{n}" for n in range(args.buyers)])
    print()
    print_races(races)
    if video:
        print()
        print(
            "video: frame p50/p99 and burst p99 are the server's histograms, as in "
            "scripts/bench_relay.py; e2e is timed by the viewers on the client core, which "
            "the load generator shares during a race"
        )
        print_video(video)
    print()
    print_targets(races, video)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"races": [asdict(r) for r in races], "video": [asdict(v) for v in video]})
        )
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--viewers", type=int, default=100, help="video viewers in run (b)")
    parser.add_argument(
        "--shop-processes",
        type=int,
        help="LIVESALE__SERVER__SHOP_PROCESSES for the server (default: the server's own)",
    )
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="livesale's record for each server run, in turn: sqlite, postgresql (a private "
        "PostgreSQL from Debian's postgresql package, started with initdb and pg_ctl)",
    )
    parser.add_argument("--skip-video", action="store_true", help="run (a) only")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=3000,
        help="also race with buyers arriving evenly at this rate per second (0: burst only)",
    )
    parser.add_argument("--video-seconds", type=float, default=10.0, help="quiet video window")
    parser.add_argument(
        "--video-lead", type=float, default=1.0, help="video window before and after a race (s)"
    )
    parser.add_argument("--server-cores", default="0", help="taskset list for the server")
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--redis-core", type=int, help="move the embedded redis-server here")
    parser.add_argument("--profile-server", help="cProfile the (single-process) server into PATH")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--load-generator", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-db", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-origin", help=argparse.SUPPRESS)
    parser.add_argument("--serve-for-profile", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.load_generator:
        load_generator_main(arguments.load_generator)
    elif arguments.baseline_server:
        run_baseline_server(
            arguments.baseline_server, arguments.baseline_db, arguments.baseline_origin
        )
    elif arguments.serve_for_profile:
        serve_for_profile(arguments.serve_for_profile)
    else:
        _install_uvloop()
        raise SystemExit(asyncio.run(main(arguments)))
