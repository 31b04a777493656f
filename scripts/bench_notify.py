#!/usr/bin/env python3
"""Go-live benchmark: a creator with 10,000 followers goes live while another show runs a
flash sale to 100 viewers; the show's video and sale with and without the go-live, same run.

The server is a real `livesale serve` (its embedded redis-server, the SQLite file in a
temporary data folder) pinned to `--server-cores`. Around it, on `--load-cores`:
  - this script: show A's publisher (VP8 640x480 ~1 Mbit/s at 30 fps + Opus, the synthetic
    publisher of scripts/bench_relay.py) and its `--viewers` (100) lean aiortc viewers,
    which time every frame as bench_relay does; the server's own frame-latency histogram
    gives the frame p50/p99;
  - the flash-sale buyers of scripts/bench_flash_sale.py (its load-generator process): one
    guest per Buy now, arriving at `--rate` (200) per second for `--seconds` (20);
  - show B's creator has `--followers` (10,000) followers (written into the record), of
    whom `--push` (2,000) subscribed a device to the push-service stand-in (`standins/`,
    its own process, which checks each request's VAPID signature and decrypts its
    payload) and `--streams` (1,000) hold the notification stream open (their own process).

Two phases on the same server, viewers and streams, each with a fresh flash sale:
  baseline: the flash sale, nothing else;
  go-live:  the same, and `--go-live-at` (2) seconds in, show B's publisher starts
            (WHIP), which makes show B live and its followers due a notification.
`--rounds N` runs N such pairs in turn (each go-live a new show of the same creator, to the
same followers), so that a busy moment of the machine does not decide the comparison; the
medians of each kind of phase close the table.

Printed side by side: frame p50/p99 and frames delivered, Buy now p50/p99 (and, in the
go-live phase, the p99 of the buys sent while the fan-out ran), the server's CPU seconds
and the other processes' on its cores; and for the go-live, the time from the WHIP
request until every notification was stored, until every open stream got its event and
until every push request reached the stand-in, and the push rate.

    .venv/bin/python scripts/bench_notify.py
    .venv/bin/python scripts/bench_notify.py --followers 2000 --push 500 --streams 200
    .venv/bin/python scripts/bench_notify.py --rounds 3
    .venv/bin/python scripts/bench_notify.py --server-cores 0,1 --load-cores 1 --shop-processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_flash_sale as flash
import bench_relay
from bench_common import mark, percentile
from bench_notify_fanout import Creator, Party, open_parties, second_creator
from bench_notify_fanout import stored_live_notifications as stored
from bench_notify_report import print_phases


def server_settings(args: argparse.Namespace) -> dict[str, str]:
    """What the server needs beyond bench_flash_sale's settings."""
    return {
        "LIVESALE__NOTIFY__PUSH_ALLOW_HTTP": "true",  # the stand-in listens on http://
        # Each round is a go-live to the same followers: let every one through.
        "LIVESALE__NOTIFY__PER_KIND_PER_HOUR": str(max(5, args.rounds)),
    }


@dataclass
class FanOut:
    """The go-live's reach, in seconds from show B's WHIP request."""

    round: int  # 1 for the first go-live of the run
    whip_perf: float = 0.0  # perf_counter of the WHIP request (CLOCK_MONOTONIC, as the buyers')
    whip_s: float = 0.0  # the WHIP request until its publisher is connected
    stored_s: float | None = None
    streamed_s: float | None = None
    pushed_s: float | None = None

    def end_perf(self) -> float:
        """perf_counter when the last of the three was done."""
        reached = [t for t in (self.stored_s, self.streamed_s, self.pushed_s) if t is not None]
        return self.whip_perf + max(reached, default=0.0)


@dataclass
class Phase:
    """What one phase measured."""

    name: str
    video: flash.VideoFigures
    sale: flash.Race
    server_cpu_seconds: float
    load_cpu_seconds: float  # this script, the stand-in, the streams and the buyers
    load_average: float  # the machine's, over the last minute, at the phase's end
    others_cpu_seconds: float  # what other processes (other people's) ran on the server cores
    timeline: list[tuple[float, float]]  # (seconds from go, Buy now p99 ms of that slice)
    fan_out: FanOut | None = None
    sale_p99_during_ms: float = float("nan")  # buys sent while the fan-out ran


@dataclass
class Run:
    """The running server, show A's shop and video, and show B's followers."""

    target: flash.Target
    shop: flash.Shop
    window: flash.VideoWindow
    creator: Creator
    stand_in: Party
    readers: Party
    media: tuple[list[bytes], list[bytes]]


def flash_args(args: argparse.Namespace) -> argparse.Namespace:
    """The options bench_flash_sale's server, shop and load generator read."""
    buyers = round(args.rate * args.seconds)
    return argparse.Namespace(
        viewers=args.viewers,
        buyers=buyers,
        units=buyers,  # every Buy now is a real hold, the sale's dearest answer
        shop_processes=args.shop_processes,
        profile_server=None,
        server_cores=args.server_cores,
        redis_core=None,
        client_core=args.load_cores,
    )


def relay_of(target: flash.Target, show_id: str, stream_key: str) -> bench_relay.Server:
    """bench_relay's handle on one show of the server."""
    base = target.origin
    return bench_relay.Server(
        "livesale",
        target.process,
        base,
        f"{base}/whip/{show_id}",
        f"{base}/whep/{show_id}",
        stream_key,
        target.workdir,
    )


async def go_live(
    run: Run,
    args: argparse.Namespace,
    fan_out: FanOut,
    go: float,
    on_air: contextlib.AsyncExitStack,
) -> None:
    """At `--go-live-at`, show B's publisher starts (on air until `on_air` closes); wait
    until everyone was reached."""
    await asyncio.sleep(max(0.0, go + args.go_live_at - time.perf_counter()))
    creator, number = run.creator, fan_out.round
    started, fan_out.whip_perf = time.time(), time.perf_counter()
    relay = relay_of(run.target, *creator.shows[number - 1])
    await on_air.enter_async_context(bench_relay.publishing(relay, *run.media))
    fan_out.whip_s = time.time() - started
    database = run.target.workdir / "livesale.sqlite3"
    deadline = time.monotonic() + args.fan_out_timeout
    while time.monotonic() < deadline:
        if fan_out.stored_s is None and await asyncio.to_thread(stored, database) >= number * len(
            creator.tokens
        ):
            fan_out.stored_s = time.time() - started
        if number in run.readers.all_at:
            fan_out.streamed_s = run.readers.all_at[number] - started
        if number in run.stand_in.all_at:
            fan_out.pushed_s = run.stand_in.all_at[number] - started
        streamed = fan_out.streamed_s is not None or not args.streams
        pushed = fan_out.pushed_s is not None or not args.push
        if fan_out.stored_s is not None and streamed and pushed:
            return
        await asyncio.sleep(0.1)


async def phase(run: Run, args: argparse.Namespace, name: str, going_live: int) -> Phase:
    """One flash sale on show A; with `going_live` (the round), a go-live in the middle."""
    fargs = flash_args(args)
    product_id, variant_id = run.shop.next_product()
    sale_id = await flash.pin_flash_sale(run.target, run.shop, product_id, fargs.units)
    fan_out = FanOut(going_live) if going_live else None
    tasks: list[asyncio.Task[None]] = []
    cpu_at_go: list[float] = []
    load_pids = [os.getpid(), run.stand_in.process.pid, run.readers.process.pid]
    server_cores = cores_of(args.server_cores)

    on_air = contextlib.AsyncExitStack()  # show B's publisher, for this phase only
    try:

        async def at_go() -> None:
            await run.window.open()
            cpu_at_go.extend((flash.tree_cpu(run.window.pids), flash.tree_cpu(load_pids)))
            cpu_at_go.append(busy_seconds(server_cores))
            if fan_out is not None:
                live = go_live(run, args, fan_out, time.perf_counter(), on_air)
                tasks.append(asyncio.create_task(live))

        raw = await flash.race(
            run.target,
            fargs,
            f"/api/shows/{run.shop.show_id}/buy",
            run.shop.cookies,
            variant_id,
            args.rate,
            at_go,
        )
        await asyncio.gather(*tasks)  # the window stays open until the fan-out is done
        video = await run.window.close(name)
        cpu = flash.tree_cpu(run.window.pids) - cpu_at_go[0]
        load_cpu = flash.tree_cpu(load_pids) - cpu_at_go[1] + raw["cpu_seconds"]
        others = busy_seconds(server_cores) - cpu_at_go[2] - cpu
        if cores_of(args.load_cores) <= server_cores:
            others -= load_cpu  # the run's own load side shares the server's cores
    finally:
        await on_air.aclose()
    check, ok = await flash.livesale_counters(run.target, variant_id, sale_id, fargs.units)
    sale = flash.summarise(
        raw,
        system="livesale",
        run=name,
        arrival=f"{args.rate:g}/s",
        units=fargs.units,
        stock_check=check,
        invariant_ok=ok,
    )
    result = Phase(
        name,
        video,
        sale,
        cpu,
        load_cpu,
        os.getloadavg()[0],
        others,
        timeline(raw, args.slice),
        fan_out,
    )
    if fan_out is not None:
        during = [
            1000 * (end - start)
            for start, end in zip(raw["starts"], raw["ends"], strict=True)
            if fan_out.whip_perf <= start <= fan_out.end_perf()
        ]
        result.sale_p99_during_ms = percentile(during, 99)
    return result


def cores_of(cores: str) -> set[int]:
    """The cores of a taskset list such as `0` or `0,1`."""
    return {int(core) for core in cores.split(",")}


def busy_seconds(cores: set[int]) -> float:
    """CPU seconds the machine spent busy on these cores so far, whoever ran (/proc/stat)."""
    total = 0.0
    for line in Path("/proc/stat").read_text().splitlines():
        name, *ticks = line.split()
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cores:
            # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
            values = [int(t) for t in ticks[:8]]
            total += sum(values) - values[3] - values[4]
    return total / os.sysconf("SC_CLK_TCK")


def timeline(raw: dict[str, Any], width: float) -> list[tuple[float, float]]:
    """Buy now p99 of the buys sent in each `width`-second slice after the go."""
    slices: dict[int, list[float]] = {}
    for start, end in zip(raw["starts"], raw["ends"], strict=True):
        slices.setdefault(int((start - raw["go"]) // width), []).append(1000 * (end - start))
    return [(n * width, percentile(slices[n], 99)) for n in sorted(slices)]


async def set_up(args: argparse.Namespace, stack: contextlib.AsyncExitStack) -> Run:
    """The server, show A live with its viewers and sale, show B's followers and parties."""
    fargs = flash_args(args)
    target = await flash.start_livesale(fargs, extra_env=server_settings(args))
    stack.callback(shutil.rmtree, target.workdir, ignore_errors=True)
    stack.callback(lambda: flash.stop_tree(target.process, flash.descendants(target.process.pid)))
    print("server processes:\n" + "\n".join(f"  {flash.describe(p)}" for p in target.pids))
    shop = await flash.set_up_shop(target, fargs, races=2 * args.rounds)
    stack.push_async_callback(shop.session.close)
    print(
        f"show A: {len(shop.cookies)} guest buyers, "
        f"{2 * args.rounds} products of {fargs.units} units"
    )
    creator = await second_creator(target, args.followers, args.rounds)
    stand_in, readers = await open_parties(target, creator, args.push, args.streams)
    stack.push_async_callback(readers.stop)
    stack.push_async_callback(stand_in.stop)
    print(
        f"show B's creator: {args.followers} followers, {args.push} devices subscribed, "
        f"{readers.ready}/{args.streams} streams open"
    )
    media = bench_relay.encode_clip(1_000_000), bench_relay.encode_audio_clip()
    relay = relay_of(target, shop.show_id, shop.stream_key)
    track = await stack.enter_async_context(bench_relay.publishing(relay, *media))
    viewers = await bench_relay.connect_viewers(relay, args.viewers, batch=25)
    stack.push_async_callback(lambda: asyncio.gather(*(v.close() for v in viewers)))
    deadline = time.monotonic() + 20
    while any(not v.video_packets for v in viewers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    print(f"show A: live, {len(viewers)}/{args.viewers} viewers get its video")
    pids = [p for p in flash.descendants(target.process.pid) if flash.is_alive(p)]
    window = flash.VideoWindow(relay, viewers, track, pids)
    return Run(target, shop, window, creator, stand_in, readers, media)


async def main(args: argparse.Namespace) -> int:
    os.sched_setaffinity(0, cores_of(args.load_cores))
    flash.raise_nofile()
    print(f"this script (publisher, viewers): {flash.describe(os.getpid())}")
    async with contextlib.AsyncExitStack() as stack:
        run = await set_up(args, stack)
        print(f"push-service stand-in: {run.stand_in.where()}")
        print(f"notification streams: {run.readers.where()}")
        print(f"flash-sale buyers: bench_flash_sale's load generator, taskset -c {args.load_cores}")
        phases = []
        for number in range(1, args.rounds + 1):
            for name, going_live in (("baseline", 0), ("go-live", number)):
                if args.rounds > 1:
                    name = f"{name} {number}"
                print(f"phase {name}: {args.rate:g} buys/s for {args.seconds:g} s ...", flush=True)
                phases.append(await phase(run, args, name, going_live))
        streams = await run.readers.stop()
        pushes = await run.stand_in.stop()
    print()
    tail = {
        "streams": f"{len(streams.get('arrivals', []))} notifications on {args.streams} "
        f"streams for {args.rounds} go-live(s) (failures: {streams.get('failures', [])})",
        "pushes": f"{len(pushes.get('arrivals', []))} accepted for {pushes.get('devices', 0)} "
        f"devices, {pushes.get('refused_count', 0)} refused {pushes.get('refused', [])}",
    }
    print_phases(phases, args, tail)
    lives = [p.fan_out for p in phases if p.fan_out is not None]
    ok = all(live.stored_s is not None for live in lives)
    ok = ok and all(live.streamed_s is not None or not args.streams for live in lives)
    ok = ok and all(live.pushed_s is not None or not args.push for live in lives)
    ok = ok and pushes.get("refused_count", 1) == 0
    ok = ok and all(p.sale.oversold == 0 and p.sale.invariant_ok for p in phases)
    print(f"{mark(ok)} every notification and push went, none refused, nothing oversold")
    for p in phases:
        held = p.sale.sold == p.sale.buyers
        print(
            f"{mark(held)} {p.name}: every Buy now held its unit "
            f"({p.sale.sold}/{p.sale.buyers}); Buy now p99 < 100 ms {mark(p.sale.p99_ms < 100)}; "
            f"frame p99 < 30 ms {mark(p.video.frame_p99_ms < 30)}"
        )
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--push", type=int, default=2_000, help="followers with a device")
    parser.add_argument("--streams", type=int, default=1_000, help="followers with it open")
    parser.add_argument("--viewers", type=int, default=100, help="show A's video viewers")
    parser.add_argument("--rate", type=float, default=200, help="flash-sale buys per second")
    parser.add_argument("--seconds", type=float, default=20, help="length of each flash sale")
    parser.add_argument("--go-live-at", type=float, default=2, help="seconds into the sale")
    parser.add_argument(
        "--rounds", type=int, default=1, help="baseline and go-live pairs, alternating"
    )
    parser.add_argument("--fan-out-timeout", type=float, default=120)
    parser.add_argument("--slice", type=float, default=2, help="seconds per Buy now p99 slice")
    parser.add_argument(
        "--shop-processes",
        type=int,
        help="LIVESALE__SERVER__SHOP_PROCESSES for the server (default: the server's own)",
    )
    parser.add_argument("--server-cores", default="0", help="taskset list for the server")
    parser.add_argument("--load-cores", default="1", help="cores of everything else")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
