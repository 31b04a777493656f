#!/usr/bin/env python3
""" "For you" benchmark: recommendation quality on a simulated population, and the feed's latency.

Quality. A population with hidden tastes: `--viewers` (5,000) viewers, each
liking one or two of `--categories` (12) categories strongly and the rest a
little (a Dirichlet draw), plus two favourite creators; `--creators` (200)
creators, each working in one category, some far more popular than others (a
Zipf law); `--shows` (2,000) shows spread evenly over `--weeks` (8) weeks, each
by a creator and in that creator's category. Every week each viewer watches
about `--watches` (3) of that week's shows, drawn with weight taste(category)
squared x the creator's popularity x 8 for a favourite creator, and buys in
`--buy-rate` (15%) of the shows they watch; of the watches without a purchase,
`--tap-rate` (30%) tap Buy now and `--hold-rate` (10%) go on to hold (a
purchase always has its tap and hold); a viewer follows a creator they
watched twice with probability 0.3. The first weeks are fed, event by event
in time order, through the SAME code the server runs for each event
(`TasteStore.watched` / `.interested` / `.bought`, the Redis profile and co-watch/co-buy
updates) into a redis-server of its own; then for each viewer who watches
anything in the last week, the last week's shows are ranked by
`livesale.domain.feed.rank` (what GET /api/feed runs) with the viewer's
profile and follows, by the same with personalisation off (popularity
alone), and at random. Printed: hit rate at 5 (the share of those viewers
with at least one of their top 5 among the shows they went on to watch) and
coverage (the share of the week's shows in anyone's top 5), per method, and
whether personalised reaches 2x popularity.

Load. `livesale serve` as one process (`LIVESALE__SERVER__SHOP_PROCESSES=0`),
pinned to `--server-cores` (0), with `--load-creators` (20) creators and
`--load-shows` (300) upcoming shows (the feed ranks up to 100 per kind),
`--load-viewers` (1,000) guests each following two creators and with a
profile of 20 watches (written with the same TasteStore into the server's
embedded Redis). The load generator (this script, pinned to `--client-core`
1) sends GET /api/feed open-loop at `--rate` (500) requests/s for
`--seconds` (20), 80% as a random guest (its cookie), 20% anonymous, over
up to 200 kept-alive connections; each request is timed from being handed to
aiohttp to its body read. Before that, `--sequential` (500) requests one at
a time as random guests give the service time without queueing. Printed:
that, answers by status, achieved rate, p50 / p99 / max, and whether p99 <
50 ms.

    .venv/bin/python scripts/bench_recommend.py                 # both parts (~3 min)
    .venv/bin/python scripts/bench_recommend.py --skip-load
    .venv/bin/python scripts/bench_recommend.py --viewers 1000 --skip-load   # a quick look
    .venv/bin/python scripts/bench_recommend.py --no-categories --skip-load  # no categories

`--no-categories` leaves the shows' categories out of both the training and
the ranking: what the feed learns from follows, creators and co-watch/co-buy
alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench_common import mark, percentile, stop_process
from bench_recommend_load import load
from redis.asyncio import Redis

from livesale.domain.feed import EMPTY_PROFILE, Candidate, FeedKind, rank
from livesale.storage.taste import (
    DAY,
    HOLD_WEIGHT,
    TAP_WEIGHT,
    Bought,
    Interested,
    TasteStore,
    Watched,
)

WEEK = 7 * DAY
START = 1_790_000_000.0  # a Sunday in 2026: the simulated first week's start
TOP = 5
FOLLOW_AFTER_WATCHES = 2
FOLLOW_CHANCE = 0.3
FAVOURITE_BOOST = 8.0
FAVOURITES = 2
# Updates in flight at once while training (one viewer's events stay in order: a batch
# holds at most one event per viewer).
TRAIN_BATCH = 256


@dataclass
class World:
    """The simulated population and everything it did, week by week."""

    categories: int
    creator_category: list[int]
    creator_weight: list[float]
    show_creator: list[int]
    show_week: list[int]
    show_at: list[float]
    tastes: list[list[float]]
    favourites: list[set[int]]
    # (time, viewer, show, bought), time order
    events: list[tuple[float, int, int, bool]] = field(default_factory=list)


def build_world(args: argparse.Namespace, rng: random.Random) -> World:
    """Creators, shows and viewers with hidden tastes; then who watched and bought what."""
    cats = args.categories
    creator_category = [rng.randrange(cats) for _ in range(args.creators)]
    creator_weight = [1.0 / (rank_ + 1) ** 0.8 for rank_ in range(args.creators)]
    rng.shuffle(creator_weight)
    show_creator = rng.choices(range(args.creators), weights=creator_weight, k=args.shows)
    show_week = [n * args.weeks // args.shows for n in range(args.shows)]
    show_at = [START + week * WEEK + rng.uniform(0, WEEK) for week in show_week]
    tastes = []
    favourites = []
    for _ in range(args.viewers):
        raw = [rng.gammavariate(0.25, 1.0) for _ in range(cats)]
        total = sum(raw) or 1.0
        tastes.append([value / total for value in raw])
        closest = sorted(range(args.creators), key=lambda c: -tastes[-1][creator_category[c]])
        favourites.append(
            set(rng.sample(closest[: max(FAVOURITES, args.creators // 10)], FAVOURITES))
        )
    world = World(
        cats, creator_category, creator_weight, show_creator, show_week, show_at, tastes, favourites
    )
    by_week: dict[int, list[int]] = defaultdict(list)
    for show, week in enumerate(show_week):
        by_week[week].append(show)
    for week in range(args.weeks):
        shows = by_week[week]
        for viewer in range(args.viewers):
            likes, liked = tastes[viewer], favourites[viewer]
            weights = [
                likes[creator_category[show_creator[s]]] ** 2
                * creator_weight[show_creator[s]]
                * (FAVOURITE_BOOST if show_creator[s] in liked else 1.0)
                for s in shows
            ]
            count = min(len(shows), _poisson(rng, args.watches))
            for show in _sample(rng, shows, weights, count):
                bought = rng.random() < args.buy_rate
                at = show_at[show] + rng.uniform(0, 3600)
                world.events.append((at, viewer, show, bought))
    world.events.sort()
    return world


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _sample(rng: random.Random, items: list[int], weights: list[float], k: int) -> list[int]:
    """`k` distinct items, each drawn with its weight (Efraimidis-Spirakis)."""
    keyed = [
        (rng.random() ** (1.0 / w) if w > 0 else 0.0, item)
        for item, w in zip(items, weights, strict=True)
    ]
    return [item for _, item in sorted(keyed, reverse=True)[:k]]


def _name(kind: str, n: int) -> str:
    return f"{kind}{n}"


async def train(
    world: World,
    taste: TasteStore,
    until: float,
    *,
    use_categories: bool,
    rates: tuple[float, float] = (0.0, 0.0),
) -> tuple[int, dict[int, set[int]]]:
    """Feed every event before `until` through the server's update code; the follows made.

    `rates` are the chances that a watch without a purchase has a Buy-now tap, and a hold.
    """
    follows: dict[int, set[int]] = defaultdict(set)
    watched_count: dict[tuple[int, int], int] = defaultdict(int)
    rng = random.Random(7)
    pending: list[tuple[float, int, int, bool]] = []
    busy: set[int] = set()
    applied = 0

    async def flush() -> None:
        nonlocal applied
        await asyncio.gather(*(apply(*event) for event in pending))
        applied += len(pending)
        pending.clear()
        busy.clear()

    async def apply(at: float, viewer: int, show: int, bought: bool) -> None:
        creator = world.show_creator[show]
        category = () if not use_categories else (_name("cat", world.creator_category[creator]),)
        # Drawn before the first await, so the draws keep their order across the gathered tasks.
        seconds = rng.uniform(60, 1800)
        chance = rng.random()
        weights = [TAP_WEIGHT, HOLD_WEIGHT] if bought or chance < rates[1] else []
        if not weights and chance < rates[0]:
            weights = [TAP_WEIGHT]
        for weight in weights:
            await taste.interested(
                Interested(_name("v", viewer), _name("c", creator), weight, at, category)
            )
        await taste.watched(
            Watched(
                _name("v", viewer),
                _name("s", show),
                _name("c", creator),
                _name("Show ", show),
                seconds,
                at,
                category,
            )
        )
        if bought:
            await taste.bought(
                Bought(
                    _name("v", viewer), _name("c", creator), _name("Product ", show), at, category
                )
            )

    for event in world.events:
        at, viewer, show, _bought = event
        if at >= until:
            break
        creator = world.show_creator[show]
        watched_count[(viewer, creator)] += 1
        if (
            watched_count[(viewer, creator)] == FOLLOW_AFTER_WATCHES
            and rng.random() < FOLLOW_CHANCE
        ):
            follows[viewer].add(creator)
        if viewer in busy or len(pending) >= TRAIN_BATCH:
            await flush()
        pending.append(event)
        busy.add(viewer)
    await flush()
    return applied, follows


async def evaluate(args: argparse.Namespace, world: World, redis_url: str) -> bool:
    """Train on all weeks but the last, rank the last week's shows per viewer; print hit@5."""
    redis = Redis.from_url(redis_url)
    await redis.flushall()
    taste = TasteStore(redis, half_life_days=14.0, profile_ttl_days=90.0)
    test_start = START + (args.weeks - 1) * WEEK
    started = time.perf_counter()
    applied, follows = await train(
        world,
        taste,
        test_start,
        use_categories=not args.no_categories,
        rates=(args.tap_rate, args.hold_rate),
    )
    trained = time.perf_counter() - started
    print(
        f"trained: {applied:,} watch events (+ taps, holds, purchases) in {trained:.1f} s "
        f"({applied / trained:,.0f} events/s through TasteStore)"
    )

    test_shows = [s for s in range(args.shows) if world.show_week[s] == args.weeks - 1]
    candidates = [
        Candidate(
            show_id=_name("s", s),
            creator_id=_name("c", world.show_creator[s]),
            creator_name=_name("Creator ", world.show_creator[s]),
            kind=FeedKind.UPCOMING,
            at=test_start - abs(test_start - world.show_at[s]),
            categories=()
            if args.no_categories
            else (_name("cat", world.creator_category[world.show_creator[s]]),),
        )
        for s in test_shows
    ]
    truth: dict[int, set[str]] = defaultdict(set)
    for at, viewer, show, _ in world.events:
        if at >= test_start:
            truth[viewer].add(_name("s", show))
    popularity = await taste.popularity(test_start)
    popular_top = [r.candidate.show_id for r in rank(candidates, EMPTY_PROFILE, popularity)][:TOP]
    rng = random.Random(11)
    hits = {"personalised": 0, "popularity": 0, "random": 0}
    shown: dict[str, set[str]] = {name: set() for name in hits}
    rank_seconds: list[float] = []
    for viewer, watched in truth.items():
        begin = time.perf_counter()
        profile = await taste.profile(_name("v", viewer), [_name("c", c) for c in follows[viewer]])
        top = [r.candidate.show_id for r in rank(candidates, profile, popularity)][:TOP]
        rank_seconds.append(time.perf_counter() - begin)
        random_top = [c.show_id for c in rng.sample(candidates, TOP)]
        for name, picks in (
            ("personalised", top),
            ("popularity", popular_top),
            ("random", random_top),
        ):
            hits[name] += bool(watched.intersection(picks))
            shown[name].update(picks)
    await redis.aclose()
    viewers = len(truth)
    print(f"\nlast week: {len(test_shows)} shows, {viewers:,} viewers who watched something")
    print(f"{'method':<14} {'hit rate @5':>12} {'coverage':>10}")
    rates = {}
    for name in hits:
        rates[name] = hits[name] / viewers
        coverage = len(shown[name]) / len(test_shows)
        print(f"{name:<14} {rates[name]:>11.1%} {coverage:>10.1%}")
    ratio = rates["personalised"] / rates["popularity"] if rates["popularity"] else float("inf")
    print(f"personalised / popularity: {ratio:.2f}x (target >= 2x: {mark(ratio >= 2)})")
    print(
        f"profile read + rank per viewer: p50 {percentile(rank_seconds, 50) * 1000:.2f} ms, "
        f"p99 {percentile(rank_seconds, 99) * 1000:.2f} ms"
    )
    return ratio >= 2


def start_redis() -> tuple[subprocess.Popen[bytes], Path]:
    """A redis-server of this benchmark's own, on a unix socket, nothing saved."""
    folder = Path(tempfile.mkdtemp(prefix="lsrec-", dir="/tmp"))
    sock = folder / "redis.sock"
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not sock.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return process, folder


def main() -> None:
    """Run the quality part, then the load part."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--creators", type=int, default=200)
    parser.add_argument("--shows", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--categories", type=int, default=12)
    parser.add_argument("--watches", type=float, default=3.0)
    parser.add_argument("--buy-rate", type=float, default=0.15)
    parser.add_argument("--tap-rate", type=float, default=0.3)
    parser.add_argument("--hold-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-categories", action="store_true", help="learn without shows' categories"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--load-creators", type=int, default=20)
    parser.add_argument("--load-shows", type=int, default=300)
    parser.add_argument("--load-viewers", type=int, default=1000)
    parser.add_argument("--sequential", type=int, default=500)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--server-cores", default="0")
    parser.add_argument("--client-core", type=int, default=1)
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.client_core})
    print(
        f"pinned: this script (simulation, load generator, its redis-server) on core "
        f"{args.client_core}; livesale serve on cores {args.server_cores}"
    )
    ok = True
    if not args.skip_quality:
        rng = random.Random(args.seed)
        world = build_world(args, rng)
        print(
            f"world: {args.viewers:,} viewers, {args.creators} creators, {args.shows:,} shows, "
            f"{args.weeks} weeks, {args.categories} categories, {len(world.events):,} watches"
        )
        redis_process, folder = start_redis()
        try:
            ok = asyncio.run(evaluate(args, world, f"unix://{folder / 'redis.sock'}")) and ok
        finally:
            stop_process(redis_process)
            shutil.rmtree(folder, ignore_errors=True)
    if not args.skip_load:
        ok = asyncio.run(load(args)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
