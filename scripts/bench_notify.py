#!/usr/bin/env python3
"""Go-live fan-out benchmark: a creator with `--followers` (10,000) followers, `--push` (2,000)
of them with a Web Push subscription to a local push-service stand-in, goes live while
`--streams` (1,000) of those followers have the notification stream open and `--viewers`
(100) viewers keep asking for the show.

One process (role ALL, embedded Redis, SQLite in a temporary data folder) runs the
app in this event loop; the followers, their subscriptions and stream cookies are
written straight into the record. The stand-in is a second aiohttp server in the same
loop that checks each request's VAPID signature and decrypts its payload, as the
tests' does. Measured from the moment the show is marked live: the time until every
follower's notification is in the record, until every open stream got its event,
and until every push request reached the stand-in; and, during the fan-out, the
latency of the show's own requests (`GET /api/shows/{id}` from `--viewers` clients
in a loop) against the same requests before it, as a stand-in for "the show does
not slow down" (frames and a flash sale are not driven here).

    .venv/bin/python scripts/bench_notify.py
    .venv/bin/python scripts/bench_notify.py --followers 2000 --push 500 --streams 200
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import secrets
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from bench_common import mark, percentile

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings, load_settings
from livesale.domain.accounts import hash_token

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.push_service import push_service


def _settings(data_dir: str) -> Settings:
    base = load_settings(None, env={"LIVESALE__SERVER__DATA_DIR": data_dir})
    notify = dataclasses.replace(base.notify, push_allow_http=True)
    return dataclasses.replace(base, notify=notify)


async def _seed(app: object, followers: int, creator_id: str) -> list[tuple[str, str]]:
    """`followers` guests following `creator_id`; their (viewer id, cookie token)."""
    database = app[SERVICES].storage.database  # type: ignore[index]
    now = time.time()
    guests = [(f"v{n:06d}", secrets.token_hex(16)) for n in range(followers)]
    async with database.transaction() as conn:
        await conn.executemany(
            "INSERT INTO viewers (id, token_hash, display_name, created_at) VALUES (?, ?, ?, ?)",
            [(vid, hash_token(token), f"Fan {vid}", now) for vid, token in guests],
        )
        await conn.executemany(
            "INSERT INTO follows (viewer_id, creator_id, created_at) VALUES (?, ?, ?)",
            [(vid, creator_id, now) for vid, _ in guests],
        )
    return guests


async def _stream(
    url: str, token: str, ready: asyncio.Event, got: list[float], opened: list[int]
) -> None:
    cookies = {"ls_viewer": token}
    async with (
        aiohttp.ClientSession(cookies=cookies) as session,
        session.get(f"{url}/api/notifications/stream", timeout=aiohttp.ClientTimeout()) as response,
    ):
        async for raw in response.content:
            line = raw.decode()
            if line.startswith("event: ready"):
                opened.append(1)
                ready.set()
            elif line.startswith("event: notification"):
                got.append(time.perf_counter())
                return


async def _viewer(
    url: str, show_id: str, stop: asyncio.Event, samples: list[tuple[float, float]]
) -> None:
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(f"{url}/api/shows/{show_id}") as response:
                await response.read()
            samples.append((started, time.perf_counter() - started))


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(_settings(data_dir))
        server = TestServer(app)
        await server.start_server()
        url = str(server.make_url("")).rstrip("/")
        try:
            return await _run(app, url, args)
        finally:
            await server.close()


async def _run(app: object, url: str, args: argparse.Namespace) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as creator:
        origin = {"Origin": url}
        body = {
            "email": "ben@example.com",
            "password": "correct horse battery",
            "display_name": "Ben",
        }
        async with creator.post(f"{url}/api/auth/signup", json=body, headers=origin) as response:
            assert response.status == 201, await response.text()
        async with creator.get(f"{url}/api/auth/me") as response:
            creator_id = (await response.json())["creator"]["id"]
        async with creator.post(
            f"{url}/api/shows", json={"title": "Friday Drop"}, headers=origin
        ) as response:
            show_id = (await response.json())["show"]["id"]
    print(f"seeding {args.followers} followers ...", flush=True)
    guests = await _seed(app, args.followers, creator_id)
    services = app[SERVICES]  # type: ignore[index]
    notifier = services.discovery.notifier
    async with push_service(notifier.push.public_key) as stand_in:
        from livesale.storage.push_subscriptions import PushSubscription

        for vid, _ in guests[: args.push]:
            device = stand_in.device()
            await notifier.push.subscriptions.save(
                PushSubscription(
                    device["endpoint"], vid, device["keys"]["p256dh"], device["keys"]["auth"], "en"
                )
            )
        got: list[float] = []
        opened: list[int] = []
        ready = asyncio.Event()
        streams = [
            asyncio.create_task(_stream(url, token, ready, got, opened))
            for _, token in guests[-args.streams :]
        ]
        deadline = time.monotonic() + 60
        while len(opened) < args.streams and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        print(f"{len(opened)} streams open", flush=True)
        stop = asyncio.Event()
        samples: list[tuple[float, float]] = []
        viewers = [
            asyncio.create_task(_viewer(url, show_id, stop, samples)) for _ in range(args.viewers)
        ]
        await asyncio.sleep(2.0)  # the show's requests before the go-live
        started = time.perf_counter()
        await services.live.lifecycle.went_live(show_id)
        marked = time.perf_counter() - started
        stored_at = pushed_at = streamed_at = None
        database = services.storage.database
        while time.perf_counter() - started < 120 and None in (stored_at, pushed_at, streamed_at):
            now = time.perf_counter()
            if stored_at is None:
                count = await database.scalar("SELECT COUNT(*) FROM notifications")
                if int(count or 0) >= args.followers:
                    stored_at = now - started
            if pushed_at is None and len(stand_in.received) >= args.push:
                pushed_at = now - started
            if streamed_at is None and len(got) >= args.streams:
                streamed_at = max(got) - started
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.gather(*viewers)
        for task in streams:
            task.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
        before = [s for at, s in samples if at < started]
        during_end = started + (
            max(filter(None, (stored_at, pushed_at))) if stored_at or pushed_at else 0
        )
        during = [s for at, s in samples if started <= at <= during_end]
        print(f"went_live() itself: {marked * 1000:.1f} ms")
        print(f"all {args.followers} notifications stored and published: {stored_at} s")
        print(f"all {args.streams} open streams got theirs: {streamed_at} s")
        print(
            f"all {args.push} push requests accepted by the stand-in: {pushed_at} s "
            f"(refused: {len(stand_in.refused)})"
        )
        for name, values in (("before", before), ("during the fan-out", during)):
            if values:
                p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
                print(
                    f"GET /api/shows/{{id}} {name}: n={len(values)} "
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                )
        ok = stored_at is not None and pushed_at is not None and streamed_at is not None
        print(f"{mark(ok)} every notification and push went")
        return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--push", type=int, default=2_000)
    parser.add_argument("--streams", type=int, default=1_000)
    parser.add_argument("--viewers", type=int, default=100)
    sys.exit(asyncio.run(main(parser.parse_args())))
