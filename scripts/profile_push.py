#!/usr/bin/env python3
"""Where a go-live's fan-out spends the shop process's CPU, off the server: the push
sender sending `--push` pushes to the push-service stand-in (in its own process, so its
decrypting is not counted), the notification store checking and writing
`--notifications` rows, and the hub publishing them through Redis (an embedded
redis-server) and handing them to `--streams` listeners, as open notification streams'
queues (the SSE write of each event is not included).

Prints the CPU seconds per push and per stored notification, and the profile's largest
entries (cumulative) for each, so that what to cut is measured rather than guessed.

    .venv/bin/python scripts/profile_push.py
    .venv/bin/python scripts/profile_push.py --push 2000 --notifications 10000 --top 25
    .venv/bin/python scripts/profile_push.py --no-profile   # the CPU per push alone
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import pstats
import secrets
import sys
import tempfile
import time
from collections.abc import Mapping
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from redis.asyncio import Redis

from livesale.config import NotifySettings, RedisSettings
from livesale.domain.notifications import Notification, NotificationKind
from livesale.live.notify_hub import NotificationHub
from livesale.live.push_sender import PushSender
from livesale.storage.notifications import NotificationRepository
from livesale.storage.push_keys import load_or_create, public_key_b64
from livesale.storage.push_subscriptions import PushSubscriptionRepository
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.sqlite_database import SqliteDatabase
from standins.push_service import push_service

PARAMS = {"show_id": "shw_profile", "title": "Knit night", "creator": "Alice"}
LANGS = ("en", "zh-CN", "es", "ar")


def _stand_in(server_key: str, devices: int, pipe: Connection) -> None:
    """The stand-in's process: make the devices, say where it listens, serve until told."""

    async def run() -> None:
        async with push_service(server_key) as service:
            made = [service.device() for _ in range(devices)]
            pipe.send((service.base_url, made))
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
            pipe.send((len(service.received), service.refused[:3]))

    asyncio.run(run())


async def _viewers(db: SqliteDatabase, count: int) -> list[str]:
    ids = [f"vwr_{index:06d}" for index in range(count)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO viewers (id, token_hash, display_name, created_at) VALUES (?, ?, ?, ?)",
            [(viewer, secrets.token_hex(16), "Fan", 0.0) for viewer in ids],
        )
    return ids


def _top(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


async def _profile_pushes(args: argparse.Namespace, data_dir: Path, db: SqliteDatabase) -> None:
    key = public_key_b64(load_or_create(data_dir))
    here, there = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=_stand_in, args=(key, args.push, there)
    )
    child.start()
    _, devices = await asyncio.get_running_loop().run_in_executor(None, here.recv)
    viewers = await _viewers(db, args.push)
    subscriptions = PushSubscriptionRepository(db)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO push_subscriptions (endpoint, viewer_id, p256dh, auth, lang, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (d["endpoint"], v, d["keys"]["p256dh"], d["keys"]["auth"], LANGS[i % 4], 0.0)
                for i, (v, d) in enumerate(zip(viewers, devices, strict=True))
            ],
        )
    settings = NotifySettings(
        push_per_second=1_000_000.0, push_concurrency=args.concurrency, push_allow_http=True
    )
    sender = PushSender(subscriptions=subscriptions, data_dir=data_dir, settings=settings)
    made = await NotificationRepository(db).add(viewers, NotificationKind.LIVE, PARAMS)
    profile = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    if args.profile:
        profile.enable()
    await sender.enqueue(made)
    await sender.drained()
    profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await sender.close()
    here.send("done")
    received, refused = await asyncio.get_running_loop().run_in_executor(None, here.recv)
    child.join()
    print(f"pushes: {args.push} sent, {received} accepted, refused {refused}")
    print(f"  {cpu:.2f} s CPU in {wall:.2f} s: {cpu / args.push * 1000:.2f} ms CPU per push")
    if args.profile:
        print(_top(profile, args.top))


async def _profile_store(args: argparse.Namespace, db: SqliteDatabase) -> None:
    viewers = await _viewers(db, args.notifications)
    repository = NotificationRepository(db)
    profile = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    if args.profile:
        profile.enable()
    off = await repository.opted_out(viewers, NotificationKind.LIVE)
    recent = await repository.recent_counts(viewers, NotificationKind.LIVE, 0.0)
    made = await repository.add(viewers, NotificationKind.LIVE, PARAMS)
    payloads = [n.json() for n in made.values()]
    profile.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert not off
    assert not recent
    assert len(payloads) == args.notifications
    per = cpu / args.notifications * 1e6
    print(f"notifications: {args.notifications} checked and stored")
    print(f"  {cpu:.2f} s CPU in {wall:.2f} s: {per:.0f} µs CPU per notification")
    if args.profile:
        print(_top(profile, args.top))
    await _profile_hub(args, made)


async def _profile_hub(args: argparse.Namespace, made: Mapping[str, Notification]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedRedis(RedisSettings(), Path(folder))
        await embedded.start()
        redis = Redis.from_url(embedded.url)
        hub = NotificationHub(redis)
        try:
            listening = list(made)[: args.streams]
            queues = [await hub.listen(viewer) for viewer in listening]
            profile = cProfile.Profile()
            cpu, wall = time.process_time(), time.perf_counter()
            if args.profile:
                profile.enable()
            await hub.publish(made)
            for queue in queues:
                await queue.get()
            profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        finally:
            await hub.close()
            await redis.aclose()
            await embedded.close()
    per = cpu / len(made) * 1e6
    print(f"hub: {len(made)} published, {len(queues)} handed to listeners")
    print(f"  {cpu:.2f} s CPU in {wall:.2f} s: {per:.0f} µs CPU per notification")
    if args.profile:
        print(_top(profile, args.top))


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        db = SqliteDatabase(data_dir / "livesale.db")
        await db.open()
        try:
            await _profile_pushes(args, data_dir, db)
            store = SqliteDatabase(data_dir / "store.db")
            await store.open()
            try:
                await _profile_store(args, store)
            finally:
                await store.close()
        finally:
            await db.close()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--push", type=int, default=2000)
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--top", type=int, default=30, help="profile entries printed")
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="time only (the profiler itself costs CPU)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
