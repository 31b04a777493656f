#!/usr/bin/env python3
"""Auction benchmark: thousands of bidders through the last seconds of one auction.

What it measures, against a real `livesale serve` (its embedded redis-server,
`--shop-processes` shop processes, 2 by default) with a live show (the
synthetic publisher of scripts/bench_relay.py):

- `--viewers` (1,000) room connections (`/api/shows/{id}/events`) that only
  listen; each `auction` event they receive is timed against the bid's moment
  on Redis's clock (`auction.server_now_ms`, the bid script's `TIME`; this
  machine's clock is the same one): **bid-to-viewer** p50 / p99 / max.
- `--bidders` (2,000) guests who bid over their own keep-alive connections,
  spread evenly over `--bid-seconds` (5) starting when `--counter-seconds` (5)
  are left, so most bids land in the counter-bid window and push the end out.
  Bidder i bids a private maximum of start + i x 25.00 (the table's top step),
  so the later the bid, the higher.
- When the bids stop the auction ends `--counter-seconds` after the last
  extension; `--late-bids` (50) more bids are then sent: **0 accepted after
  the close**. The result is read back: **exactly one winner**, the bidder of
  the highest accepted bid, at the price the bids make.
- **bids/s** (answers / the time from the first bid sent to the last answer)
  and **server CPU per bid** (user + system of every server process, redis
  included, over the bidding window, room fan-out to the viewers included).

Pinning (2-core machine): the server and its children on `--server-cores` (0),
this script (bidders, viewers, publisher) on `--client-core` (1).

    .venv/bin/python scripts/bench_auction.py
    .venv/bin/python scripts/bench_auction.py --bidders 500 --viewers 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from bench_common import api, mark, percentile
from bench_flash_sale import (
    CURRENCY,
    descendants,
    describe,
    make_guests,
    start_livesale,
    stop_tree,
    tree_cpu,
)

STEP_MINOR = 2_500  # the default table's top step: every later maximum clears it
START_MINOR = 1_000
TARGET_P99_MS = 150.0
TARGET_CPU_US = 200.0


@dataclass
class Listener:
    """One room connection's timings of bid events (ms from the bid to its arrival)."""

    delays: list[float] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


async def listen(
    session: aiohttp.ClientSession, url: str, who: Listener, stop: asyncio.Event
) -> None:
    """Read the room until `stop`, timing every accepted-bid event."""
    async with session.ws_connect(url, headers={"Origin": url.split("/api/", 1)[0]}) as ws:
        while not stop.is_set():
            try:
                message = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if message.type is not aiohttp.WSMsgType.TEXT:
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    return
                continue
            now_ms = time.time() * 1000
            parsed = json.loads(message.data)
            for event in parsed if isinstance(parsed, list) else [parsed]:
                if event.get("type") != "auction":
                    continue
                if event["event"] in ("bid", "extended"):
                    who.delays.append(now_ms - event["auction"]["server_now_ms"])
                elif event["event"] == "result":
                    who.results.append(event["auction"])


@dataclass
class Bid:
    """One bid's answer."""

    bidder: int
    amount: int
    status: int
    code: str
    sent: float
    answered: float


async def bid_once(
    session: aiohttp.ClientSession, url: str, cookie: str, bidder: int, amount: int
) -> Bid:
    """POST one private maximum; the answer's status and outcome or error code."""
    sent = time.perf_counter()
    async with session.post(
        url,
        json={"amount_minor": amount, "max": True},
        headers={"Origin": url.split("/api/", 1)[0], "Cookie": cookie},
    ) as response:
        body = await response.json()
    code = body["bid"]["outcome"] if response.status == 201 else body["error"]["code"]
    return Bid(bidder, amount, response.status, code, sent, time.perf_counter())


async def main(args: argparse.Namespace) -> int:
    os.sched_setaffinity(0, {args.client_core})
    # Every bidder and viewer comes from 127.0.0.1: per-address room limits out of the way.
    os.environ["LIVESALE__ROOM__MAX_CONNECTIONS_PER_ADDRESS"] = str(args.viewers + 100)
    os.environ["LIVESALE__ROOM__MAX_CONNECTIONS_PER_PROCESS"] = str(args.viewers + 1000)
    import bench_relay

    target = await start_livesale(args)
    print("livesale server processes:")
    for pid in target.pids:
        print(f"  {describe(pid)}")
    base = target.origin
    creator = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        await api(
            creator,
            "POST",
            f"{base}/api/auth/signup",
            {
                "email": f"auction{uuid.uuid4().hex[:10]}@example.com",
                "password": "correct horse battery staple",
                "display_name": "Auction Creator",
            },
            201,
        )
        variant = {"sku": "AUC-1", "price_minor": 9900, "currency": CURRENCY, "stock": 5}
        reply, _ = await api(
            creator, "POST", f"{base}/api/products", {"title": "Lot 1", "variants": [variant]}, 201
        )
        product = reply["product"]
        reply, _ = await api(
            creator,
            "POST",
            f"{base}/api/shows",
            {"title": "Auction benchmark", "product_ids": [product["id"]]},
            201,
        )
        show_id, stream_key = reply["show"]["id"], reply["stream_key"]
        cookies = await make_guests(base, args.bidders)
        print(f"set up: show {show_id}, {len(cookies)} guest bidders")
        relay = bench_relay.Server(
            "livesale",
            target.process,
            base,
            f"{base}/whip/{show_id}",
            f"{base}/whep/{show_id}",
            stream_key,
            target.workdir,
        )
        clip, audio = bench_relay.encode_clip(300_000), bench_relay.encode_audio_clip()
        async with bench_relay.publishing(relay, clip, audio):
            await asyncio.sleep(1.0)
            return await run_auction(args, target, creator, show_id, product, cookies)
    finally:
        await creator.close()
        leftovers = stop_tree(target.process, descendants(target.process.pid))
        if leftovers:
            print(f"  killed leftover server processes: {leftovers}")
        shutil.rmtree(target.workdir, ignore_errors=True)


async def run_auction(
    args: argparse.Namespace,
    target: Any,
    creator: aiohttp.ClientSession,
    show_id: str,
    product: dict[str, Any],
    cookies: list[str],
) -> int:
    base = target.origin
    stop = asyncio.Event()
    listeners = [Listener() for _ in range(args.viewers)]
    viewer_session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
    )
    room_url = f"{base}/api/shows/{show_id}/events"
    tasks = [asyncio.create_task(listen(viewer_session, room_url, who, stop)) for who in listeners]
    bid_session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
    )
    try:
        await asyncio.sleep(2.0)  # every room connection has its snapshot
        terms = {
            "variant_id": product["variants"][0]["id"],
            "start_price_minor": START_MINOR,
            "duration_seconds": args.counter_seconds + 2,
            "counter_bid_seconds": args.counter_seconds,
            "unpaid_policy": "release",
        }
        reply, _ = await api(creator, "POST", f"{base}/api/shows/{show_id}/auctions", terms, 201)
        auction = reply["auction"]
        url = f"{base}/api/shows/{show_id}/auctions/{auction['id']}/bids"
        # Open every bidder's connection before the race, as phones that watch the show do.
        await asyncio.gather(
            *(bid_session.get(f"{base}/healthz") for _ in range(min(len(cookies), 100)))
        )
        # Into the counter-bid window: the bids from now on push the end out.
        await asyncio.sleep(
            max(
                0.0,
                (auction["ends_at_ms"] - time.time() * 1000) / 1000 - args.counter_seconds + 0.5,
            )
        )
        # The media process relays the publisher's video meanwhile: counted apart.
        pids = [p for p in descendants(target.process.pid) if not is_media(p)]
        media = [p for p in descendants(target.process.pid) if is_media(p)]
        cpu_before, media_before = tree_cpu(pids), tree_cpu(media)
        client_before = time.process_time()
        started = time.perf_counter()
        gap = args.bid_seconds / len(cookies)

        async def paced(n: int, cookie: str) -> Bid:
            await asyncio.sleep(n * gap)
            return await bid_once(bid_session, url, cookie, n, START_MINOR + n * STEP_MINOR)

        bids = await asyncio.gather(*(paced(n, c) for n, c in enumerate(cookies)))
        cpu_used = tree_cpu(pids) - cpu_before
        client_used = time.process_time() - client_before
        print(
            f"load generator CPU (this process: bidders and viewers, one core): {client_used:.2f} s"
            f" of {max(b.answered for b in bids) - started:.2f} s"
        )
        print(
            "media process CPU meanwhile (the publisher's video):"
            f" {tree_cpu(media) - media_before:.2f} s"
        )
        window = max(b.answered for b in bids) - started
        # The end is `counter_seconds` after the last extension: wait for the result.
        state, _ = await api(
            creator, "GET", f"{base}/api/shows/{show_id}/auctions/{auction['id']}", None, 200
        )
        ends_in = (state["auction"]["ends_at_ms"] - state["auction"]["server_now_ms"]) / 1000
        await asyncio.sleep(max(0.0, ends_in) + 1.0)
        late = await asyncio.gather(
            *(
                bid_once(
                    bid_session, url, cookies[n], n, START_MINOR + (len(cookies) + n) * STEP_MINOR
                )
                for n in range(args.late_bids)
            )
        )
        deadline = time.monotonic() + 10
        while any(not who.results for who in listeners) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        final, _ = await api(
            creator, "GET", f"{base}/api/shows/{show_id}/auctions/{auction['id']}", None, 200
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await viewer_session.close()
        await bid_session.close()
    return report(args, bids, late, listeners, final["auction"], window, cpu_used)


def is_media(pid: int) -> bool:
    """The `livesale serve` child that relays video (not part of a bid's cost)."""
    try:
        return b"\0media\0" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def report(
    args: argparse.Namespace,
    bids: Sequence[Bid],
    late: Sequence[Bid],
    listeners: Sequence[Listener],
    final: dict[str, Any],
    window: float,
    cpu_used: float,
) -> int:
    accepted = [b for b in bids if b.status == 201]
    outcomes = Counter(f"{b.status} {b.code}" for b in bids)
    latencies = [(b.answered - b.sent) * 1000 for b in bids]
    delays = [d for who in listeners for d in who.delays]
    late_accepted = sum(b.status == 201 for b in late)
    top = max(accepted, key=lambda b: b.amount) if accepted else None
    results = {json.dumps(r, sort_keys=True) for who in listeners for r in who.results}
    heard = sum(bool(who.results) for who in listeners)
    per_bid_us = cpu_used / len(bids) * 1e6
    p99 = percentile(delays, 99)
    print()
    print(f"bids: {len(bids)} in {window:.2f} s = {len(bids) / window:.0f} bids/s answered")
    print(f"  answers: {dict(sorted(outcomes.items()))}")
    print(
        f"  bid answer latency ms: p50 {percentile(latencies, 50):.1f}"
        f"  p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}"
    )
    print(
        f"bid-to-viewer ms over {len(delays)} deliveries to {len(listeners)} viewers:"
        f" p50 {percentile(delays, 50):.1f}  p99 {p99:.1f}"
        f"  max {max(delays, default=float('nan')):.1f}"
        f"   target p99 < {TARGET_P99_MS:.0f}: {mark(p99 < TARGET_P99_MS)}"
    )
    print(
        f"shop processes + redis CPU: {cpu_used:.2f} s = {per_bid_us:.0f} us per bid"
        " (fan-out included)"
        f"   budget {TARGET_CPU_US:.0f} us: {mark(per_bid_us <= TARGET_CPU_US)}"
    )
    winner_ok = (
        final["status"] == "closed"
        and top is not None
        and final["bids"] == len(accepted)
        and final["leader"] is not None
        and final["price_minor"] <= top.amount
    )
    print(
        f"result: status {final['status']}, {final['bids']} bids counted, winner"
        f" {final['leader']['name'] if final['leader'] else None} at {final['price_minor']}"
        f" (highest accepted: bidder{top.bidder if top else '-'} at {top.amount if top else '-'})"
    )
    winner_name_ok = (
        top is not None and final["leader"] and final["leader"]["name"] == f"buyer{top.bidder}"
    )
    print(
        f"  exactly one winner at the highest valid bid: {mark(bool(winner_ok and winner_name_ok))}"
    )
    print(
        f"  one result event, the same for all: {mark(len(results) == 1)}"
        f" ({heard}/{len(listeners)} viewers heard it)"
    )
    print(
        f"  bids accepted after the close: {late_accepted} of {len(late)}:"
        f" {mark(late_accepted == 0)}"
    )
    ok = bool(winner_ok and winner_name_ok) and late_accepted == 0 and len(results) == 1
    return 0 if ok else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bidders", type=int, default=2000)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--bid-seconds", type=float, default=5.0)
    parser.add_argument("--counter-seconds", type=int, default=5)
    parser.add_argument("--late-bids", type=int, default=50)
    parser.add_argument("--shop-processes", type=int, default=2)
    parser.add_argument("--server-cores", default="0")
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--redis-core", type=int, default=None)
    args = parser.parse_args(argv)
    # What scripts/bench_flash_sale.start_livesale reads.
    args.profile_server = None
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
