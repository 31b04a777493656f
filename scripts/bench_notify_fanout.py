"""The go-live benchmark's second creator: followers, their devices and open streams, and
the two outside processes (scripts/bench_notify_load.py) that time what reaches them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from bench_common import api
from bench_flash_sale import Target, describe

from livesale.domain.accounts import hash_token
from livesale.domain.notifications import NotificationKind

LOAD_SCRIPT = Path(__file__).resolve().parent / "bench_notify_load.py"
SUBSCRIBE_AT_ONCE = 50
LINE_LIMIT = 1 << 24  # the closing summary lists every arrival's time on one line


@dataclass
class Party:
    """One outside process speaking bench_notify_load's line protocol."""

    name: str
    process: asyncio.subprocess.Process
    ready: str = ""
    all_at: dict[int, float] = field(default_factory=dict)  # round -> its last arrival (unix)
    summary: dict[str, Any] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, name: str, *argv: str) -> Party:
        """Start the process and wait for its `ready` line."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(LOAD_SCRIPT),
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        party = cls(name, process)
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 180)).decode().split(" ", 1)
        if line[0] != "ready":
            process.kill()
            raise RuntimeError(f"{name} did not get ready: {line}")
        party.ready = line[1].strip()
        party._reader = asyncio.create_task(party._read())
        return party

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode().strip()
            if line.startswith("all "):
                _, number, at = line.split()
                self.all_at[int(number)] = float(at)
            elif line.startswith("{"):
                self.summary = json.loads(line)

    def where(self) -> str:
        """Its pid and cores."""
        return describe(self.process.pid)

    async def stop(self) -> dict[str, Any]:
        """Ask for its summary and let it end."""
        if self.process.returncode is None and self.process.stdin is not None:
            with contextlib.suppress(ConnectionError):
                self.process.stdin.write(b"stop\n")
                await self.process.stdin.drain()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._reader is not None:
            await self._reader
        return self.summary


@dataclass
class Creator:
    """The creator who goes live (one show per round), their followers' cookie tokens."""

    creator_id: str
    shows: list[tuple[str, str]]  # (show id, stream key), one go-live each
    tokens: list[str]  # each follower's `ls_viewer` token, in seeding order


async def second_creator(target: Target, followers: int, shows: int) -> Creator:
    """Sign up a creator with `shows` shows, then give them `followers` guest followers."""
    base = target.origin
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        body = {
            "email": f"star{uuid.uuid4().hex[:10]}@example.com",
            "password": "correct horse battery staple",
            "display_name": "Popular Creator",
        }
        await api(session, "POST", f"{base}/api/auth/signup", body, 201)
        async with session.get(f"{base}/api/auth/me") as response:
            creator_id = (await response.json())["creator"]["id"]
        made = []
        for number in range(shows):
            body = {"title": f"Friday Drop {number + 1}"}
            reply, _ = await api(session, "POST", f"{base}/api/shows", body, 201)
            made.append((reply["show"]["id"], reply["stream_key"]))
    tokens = await asyncio.to_thread(
        _seed, target.workdir / "livesale.sqlite3", creator_id, followers
    )
    return Creator(creator_id, made, tokens)


def _seed(database: Path, creator_id: str, followers: int) -> list[str]:
    """Guests following `creator_id`, written straight into the running server's record
    (10,000 sign-ups and follows over HTTP would take longer than the benchmark)."""
    now = time.time()
    guests = [(f"fan-{uuid.uuid4().hex}", secrets.token_hex(32)) for _ in range(followers)]
    with contextlib.closing(sqlite3.connect(database, timeout=60)) as db, db:
        db.executemany(
            "INSERT INTO viewers (id, token_hash, display_name, created_at) VALUES (?, ?, ?, ?)",
            [(vid, hash_token(token), f"Fan {n}", now) for n, (vid, token) in enumerate(guests)],
        )
        db.executemany(
            "INSERT INTO follows (viewer_id, creator_id, created_at) VALUES (?, ?, ?)",
            [(vid, creator_id, now) for vid, _ in guests],
        )
    return [token for _, token in guests]


async def subscribe_devices(target: Target, tokens: list[str], devices: list[Any]) -> None:
    """Each follower subscribes one device, as the page does (`POST /api/push/subscriptions`)."""
    gate = asyncio.Semaphore(SUBSCRIBE_AT_ONCE)
    url = f"{target.origin}/api/push/subscriptions"

    async def one(session: aiohttp.ClientSession, token: str, device: Any) -> None:
        async with (
            gate,
            session.post(
                url,
                json={**device, "lang": "en"},
                headers={"Origin": target.origin, "Cookie": f"ls_viewer={token}"},
            ) as response,
        ):
            if response.status != 201:
                raise RuntimeError(f"subscribe: {response.status} {await response.text()}")

    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        await asyncio.gather(
            *(one(session, token, device) for token, device in zip(tokens, devices, strict=True))
        )


async def push_key(target: Target) -> str:
    """The server's VAPID public key, as a browser reads it."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{target.origin}/api/push/key") as response,
    ):
        return str((await response.json())["public_key"])


def stored_live_notifications(database: Path) -> int:
    """How many go-live notifications the record holds."""
    with contextlib.closing(sqlite3.connect(database, timeout=60)) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM notifications WHERE kind = ?", (NotificationKind.LIVE.value,)
        ).fetchone()
    return int(count)


async def open_parties(
    target: Target, creator: Creator, push: int, streams: int
) -> tuple[Party, Party]:
    """The push-service stand-in with `push` followers' devices, then `streams` open streams."""
    devices_path = target.workdir / "devices.json"
    stand_in = await Party.start(
        "push", "push", await push_key(target), str(push), str(devices_path)
    )
    devices = json.loads(devices_path.read_text())
    await subscribe_devices(target, creator.tokens[:push], devices)
    config_path = target.workdir / "streams.json"
    config_path.write_text(
        json.dumps(
            {
                "url": f"{target.origin}/api/notifications/stream",
                "tokens": creator.tokens[-streams:] if streams else [],
            }
        )
    )
    readers = await Party.start("streams", "streams", str(config_path))
    return stand_in, readers
