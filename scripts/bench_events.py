#!/usr/bin/env python3
"""Room benchmark: livesale's show WebSocket against one Redis subscription per viewer.

N viewers hold a WebSocket to one show's `/api/shows/{id}/events`; 125 of
them are guests who chat (together `--chat-rate` messages/s, each under the
server's default chat rate limit), and the creator pins a product every
`--pin-every` seconds (POST /api/shows/{id}/pin; the show is live through a
tiny WHIP publisher). Each chat text carries a nonce with its send time. The
server runs pinned to one core; the load generator (a separate process of
lean hand-written WebSocket clients), redis-server and this script share the
other core.

Every viewer counts the nonces it gets (delivered share); every
`--timestamp-every`-th viewer also reads with kernel receive timestamps, so
latency is measured to the moment a frame reached the viewer's socket, not
to when the one load-generator process got round to reading it (that lag is
reported separately). Per system it prints server CPU (user + kernel) and
RSS, Redis and load-generator CPU, chat and pin latency p50/p99/max, the
slowest delivery second by second, and the room's own fan-out metrics.

The naive design (scripts/bench_events_naive.py) gives every WebSocket its
own Redis subscription and serialises each message once per connection; it
runs in the same run at the same N and at smaller N to show where it breaks.

    .venv/bin/python scripts/bench_events.py                  # 5,000 viewers, both designs
    .venv/bin/python scripts/bench_events.py --quick          # smoke run (200 viewers, 5 s)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import fractions
import gc
import json
import math
import os
import random
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from bench_common import (
    api,
    cpu_seconds,
    free_port,
    mark,
    percentile,
    rss_mb,
    stop_process,
    wait_http,
)

ROOT = Path(__file__).resolve().parent.parent
NAIVE_SCRIPT = Path(__file__).resolve().parent / "bench_events_naive.py"
HOST = "127.0.0.1"
MARK = b"bench#"
SO_TIMESTAMPNS = 35  # Linux; not exported by Python's socket module
TIMESPEC = struct.Struct("qq")
HIST_STEP_US = 100  # latency histogram resolution: 0.1 ms
HIST_BUCKETS = 600_000  # up to 60 s; slower deliveries land in the last bucket
HIST_CAP_US = (HIST_BUCKETS - 1) * HIST_STEP_US
LOCAL_ERRORS = frozenset({"undecodable_frame", "client_send_incomplete"})
WORDS = ("hello", "love", "this", "colour", "size", "ship", "today", "wow", "price", "nice")


# --------------------------------------------------------------------------
# The load generator (its own process): lean WebSocket clients on raw sockets.


@dataclass
class LoadConfig:
    """What the orchestrator tells the load-generator process."""

    port: int
    path: str
    origin: str
    viewers: int
    sender_cookies: list[str]  # one per chatting viewer ("" = no cookie)
    chat_rate: float
    seconds: float
    drain_seconds: float
    seed: int
    timestamp_every: int
    result_path: str
    concurrency: int = 100


class LoadGen:
    """Counts and latencies across every connection of the load generator."""

    def __init__(self, config: LoadConfig) -> None:
        self.config = config
        self.recording = False
        self.hist = [0] * HIST_BUCKETS  # sender's write -> kernel receive timestamp
        self.hist_read = [0] * HIST_BUCKETS  # per frame: kernel receive -> this process reads it
        self.go_us = 0
        self.max_us = 0
        self.max_read_us = 0
        # The slowest chat delivery arriving in each second of the window.
        self.worst_by_second = [0] * (int(config.seconds) + 1)
        self.chat_receipts = 0
        # Per message, seen by one probe viewer: the server's `at` minus the send time (ms).
        self.intake_ms: dict[int, int] = {}
        self.pin_times: dict[str, list[float]] = {}  # timestamped viewers only
        self.pin_counts: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.ready = 0
        self.closed_after_ready = 0
        self.refused: Counter[str] = Counter()

    def accepted(self, sent: int) -> int:
        """Chat messages the server took: sent minus those it answered with an error."""
        refused = sum(n for code, n in self.errors.items() if code not in LOCAL_ERRORS)
        return sent - refused

    def frame_arrived(self, count: int, worst_us: int, arrival_us: int, read_us: int) -> None:
        """A frame with `count` nonces reached a socket, and was read at `read_us`."""
        self.chat_receipts += count
        second = (arrival_us - self.go_us) // 1_000_000
        if 0 <= second < len(self.worst_by_second) and worst_us > self.worst_by_second[second]:
            self.worst_by_second[second] = worst_us
        if worst_us > self.max_us:
            self.max_us = worst_us
        lag = read_us - arrival_us
        self.hist_read[min(max(lag, 0), HIST_CAP_US) // HIST_STEP_US] += 1
        if lag > self.max_read_us:
            self.max_read_us = lag

    def note_intake(self, seq: int, sent_us: int, data: bytes, k: int, end: int) -> None:
        """Sender's write -> the server's `at` stamp of the message (first receipt only)."""
        at = data.find(b'"at":', k, end)
        if at < 0:
            return
        digits_end = at + 5
        while digits_end < end and data[digits_end] in b"0123456789. ":
            digits_end += 1
        # `at` is epoch seconds (fractions allowed), like every time the server sends.
        stamped_ms = round(float(data[at + 5 : digits_end]) * 1000)
        self.intake_ms[seq] = stamped_ms - sent_us // 1000

    def parse_events(self, payload: bytes, arrival: float | None, sender: bool) -> None:
        """Full JSON parse of the rare frames that carry a pin or an error."""
        try:
            decoded = json.loads(payload)
        except ValueError:
            self.errors["undecodable_frame"] += 1
            return
        for event in decoded if isinstance(decoded, list) else [decoded]:
            if not isinstance(event, dict):
                continue
            if event.get("type") == "pin":
                pin_id = str(event["pin"]["id"])
                self.pin_counts[pin_id] += 1
                if arrival is not None:
                    self.pin_times.setdefault(pin_id, []).append(arrival)
            elif event.get("type") == "error" and sender:
                self.errors[str(event.get("code"))] += 1


class _Stream(asyncio.Protocol):
    """Plain transport for the viewers that only count deliveries (cheapest reads)."""

    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio's classes; same interface.
        writer: Any = transport
        self.viewer.transport = writer
        writer.write(self.viewer.request)

    def data_received(self, data: bytes) -> None:
        self.viewer.feed(data, -1, 0)

    def connection_lost(self, exc: Exception | None) -> None:
        self.viewer.transport = None
        self.viewer.lost()


class Viewer:
    """One WebSocket by hand: upgrade, then frame headers and a nonce search only.

    Timestamped viewers (every `timestamp_every`-th) read with recvmsg, so that
    each read comes with the kernel's receive timestamp (SO_TIMESTAMPNS):
    their latency is measured to the moment the bytes reached the socket, not
    to the moment this one process, serving thousands of sockets, got round to
    reading them. The others use a plain transport and only count nonces.
    """

    def __init__(
        self, gen: LoadGen, request: bytes, *, sender: bool, timestamped: bool, probe: bool
    ) -> None:
        self.gen = gen
        self.request = request
        self.sender = sender
        self.timestamped = timestamped
        self.probe = probe  # notes each message's server stamp, once
        self.sock: socket.socket | None = None
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.upgraded = False
        self.is_ready = False
        self.received = 0
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    @property
    def is_open(self) -> bool:
        return self.sock is not None or self.transport is not None

    async def open(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        if not self.timestamped:
            await loop.create_connection(lambda: _Stream(self), HOST, port)
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await loop.sock_connect(sock, (HOST, port))
            await loop.sock_sendall(sock, self.request)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        loop.add_reader(sock.fileno(), self._readable)

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        transport, self.transport = self.transport, None
        if transport is not None:
            transport.abort()

    def lost(self) -> None:
        """The server closed the connection (or it failed)."""
        self.close()
        if self.is_ready:
            self.gen.closed_after_ready += 1
        elif not self.done.done():
            self.gen.refused["closed before snapshot"] += 1
        if not self.done.done():
            self.done.set_result(False)

    def _readable(self) -> None:
        if self.sock is None:
            return
        try:
            data, ancillary, _flags, _addr = self.sock.recvmsg(262_144, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.lost()
            return
        if not data:
            self.lost()
            return
        read_us = time.time_ns() // 1000
        arrival_us = read_us
        for level, kind, cdata in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = TIMESPEC.unpack(cdata)
                arrival_us = seconds * 1_000_000 + nanoseconds // 1000
        self.feed(data, arrival_us, read_us)

    def feed(self, data: bytes, arrival_us: int, read_us: int) -> None:
        """Bytes from the server; arrival_us is -1 for viewers without timestamps."""
        if self.buf:
            data = self.buf + data
            self.buf = b""
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.buf = data
                return
            status = data[: data.find(b"\r\n")]
            if b" 101 " not in status:
                self.gen.refused[status.decode(errors="replace")] += 1
                self.lost()
                return
            self.upgraded = True
            data = data[end + 4 :]
        pos, size = 0, len(data)
        while size - pos >= 2:
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > size:
                break
            opcode = data[pos] & 0x0F
            if opcode <= 1:
                self._text(data, start, end, arrival_us, read_us)
            elif opcode == 9:
                self.send_frame(0xA, data[start:end])
            elif opcode == 8:
                self.lost()
                return
            pos = end
        if pos < size:
            self.buf = data[pos:]

    def _text(self, data: bytes, start: int, end: int, arrival_us: int, read_us: int) -> None:
        if not self.is_ready:
            # The first frame is the snapshot; chat history in it is not a delivery.
            self.is_ready = True
            self.gen.ready += 1
            if not self.done.done():
                self.done.set_result(True)
            return
        gen = self.gen
        if not gen.recording:
            return
        find = data.find
        if arrival_us < 0:
            count = data.count(MARK, start, end)
            gen.chat_receipts += count
            self.received += count
            if find(b'"pin"', start, end) >= 0 or (
                self.sender and find(b'"error"', start, end) >= 0
            ):
                gen.parse_events(data[start:end], None, self.sender)
            return
        # The hot loop of the timestamped viewers: locals only.
        hist = gen.hist
        worst = 0
        count = 0
        i = find(MARK, start, end)
        while i >= 0:
            j = find(b"#", i + 6, end)
            k = find(b"#", j + 1, end)
            latency = arrival_us - int(data[j + 1 : k])
            hist[min(latency, HIST_CAP_US) // HIST_STEP_US] += 1
            if latency > worst:
                worst = latency
            if self.probe and gen.intake_ms.get(int(data[i + 6 : j])) is None:
                gen.note_intake(int(data[i + 6 : j]), int(data[j + 1 : k]), data, k, end)
            count += 1
            i = find(MARK, k, end)
        if count:
            gen.frame_arrived(count, worst, arrival_us, read_us)
            self.received += count
        if find(b'"pin"', start, end) >= 0 or (self.sender and find(b'"error"', start, end) >= 0):
            gen.parse_events(data[start:end], arrival_us / 1e6, self.sender)

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """A client frame: always masked (RFC 6455 5.3)."""
        if not self.is_open:
            return
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = bytes((0x80 | opcode, 0x80 | size))
        else:
            header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        frame = header + mask + masked
        if self.transport is not None:
            self.transport.write(frame)
            return
        try:
            sent = self.sock.send(frame) if self.sock is not None else 0
        except OSError:
            sent = 0
        if sent != len(frame):
            # A few hundred bytes into an empty socket buffer: never seen, but counted.
            self.gen.errors["client_send_incomplete"] += 1


def upgrade_request(config: LoadConfig, cookie: str) -> bytes:
    """The HTTP/1.1 upgrade, with no compression offered (frames stay plain)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {config.path} HTTP/1.1",
        f"Host: {HOST}:{config.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: {config.origin}",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def connect_viewers(gen: LoadGen) -> list[Viewer]:
    """Open every connection, a bounded number of handshakes at a time."""
    config = gen.config
    gate = asyncio.Semaphore(config.concurrency)
    viewers: list[Viewer] = []
    for index in range(config.viewers):
        cookie = config.sender_cookies[index] if index < len(config.sender_cookies) else ""
        viewers.append(
            Viewer(
                gen,
                upgrade_request(config, cookie),
                sender=index < len(config.sender_cookies),
                timestamped=index % config.timestamp_every == 0,
                probe=index == 0,
            )
        )

    async def open_one(viewer: Viewer) -> None:
        async with gate:
            try:
                await viewer.open(config.port)
            except OSError as exc:
                gen.refused[f"connect: {exc.strerror}"] += 1
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(viewer.done), 60)

    await asyncio.gather(*(open_one(v) for v in viewers))
    return viewers


async def chat(gen: LoadGen, senders: list[Viewer]) -> tuple[int, float]:
    """Send `chat_rate` messages/s round-robin over the senders; returns (sent, seconds)."""
    config = gen.config
    rng = random.Random(config.seed)
    order = list(senders)
    rng.shuffle(order)
    total = int(config.seconds * config.chat_rate)
    started = time.monotonic()
    sent = 0
    for seq in range(total):
        delay = started + seq / config.chat_rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = order[seq % len(order)]
        padding = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 12)))
        text = f"{MARK.decode()}{seq}#{time.time_ns() // 1000}# {padding}"
        sender.send_frame(0x1, json.dumps({"type": "chat", "text": text}).encode())
        sent += 1
    return sent, time.monotonic() - started


async def run_load(config: LoadConfig) -> dict[str, Any]:
    """Connect, report ready, chat on "go", drain, return the counts."""
    gen = LoadGen(config)
    viewers = await connect_viewers(gen)
    ready = [v for v in viewers if v.is_ready]
    print(json.dumps({"event": "ready", "ready": len(ready)}), flush=True)
    loop = asyncio.get_running_loop()
    command = await loop.run_in_executor(None, sys.stdin.readline)
    if command.strip() != "go":
        return {"event": "aborted"}
    senders = [v for v in ready if v.sender]
    # Nothing here makes reference cycles; a full collection over 5,000 viewers'
    # objects mid-window would only add pauses to the measurement.
    gc.freeze()
    gc.disable()
    gen.go_us = time.time_ns() // 1000
    gen.recording = True
    sent, elapsed = await chat(gen, senders) if senders else (0, 0.0)
    # Drain: wait until every open connection has every message, or give up.
    deadline = time.monotonic() + config.drain_seconds
    while time.monotonic() < deadline:
        open_now = sum(1 for v in ready if v.is_open)
        if gen.chat_receipts >= gen.accepted(sent) * open_now:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # a pin posted at the very end
    gen.recording = False
    accepted = gen.accepted(sent)
    buckets = {i: n for i, n in enumerate(gen.hist) if n}
    read_buckets = {i: n for i, n in enumerate(gen.hist_read) if n}
    result = {
        "event": "result",
        "viewers": config.viewers,
        "ready": len(ready),
        "senders": len(senders),
        "sent": sent,
        "accepted": accepted,
        "chat_seconds": elapsed,
        "chat_receipts": gen.chat_receipts,
        "complete_viewers": sum(1 for v in ready if v.received >= accepted),
        "closed": gen.closed_after_ready,
        "refused": dict(gen.refused),
        "errors": dict(gen.errors),
        "hist": buckets,
        "max_us": gen.max_us,
        "read_hist": read_buckets,
        "max_read_us": gen.max_read_us,
        "intake_ms": list(gen.intake_ms.values()),
        "worst_by_second_ms": [round(us / 1000) for us in gen.worst_by_second],
        "pins": gen.pin_times,
        "pin_counts": dict(gen.pin_counts),
        "timestamped": sum(1 for v in ready if v.timestamped),
    }
    for viewer in viewers:
        viewer.close()
    return result


def load_generator_main(raw: str) -> None:
    """Entry of the load-generator process."""
    config = LoadConfig(**json.loads(raw))
    raise_nofile()
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    result = asyncio.run(run_load(config))
    # The report can be megabytes (the naive design's latency histogram): a file, not a pipe.
    Path(config.result_path).write_text(json.dumps(result))
    print(json.dumps({"event": "done"}), flush=True)


# --------------------------------------------------------------------------
# Processes under test.


def raise_nofile() -> None:
    """5,000 sockets need more than the usual 1,024 descriptors."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def nofile_setter(soft: int) -> Callable[[], None]:
    """A preexec_fn giving the server `soft` descriptors (0: as many as allowed)."""

    def set_limit() -> None:
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard) if soft else hard, hard))

    return set_limit


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of one process; NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return float("nan"), float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def core_times(core: int) -> tuple[float, float, float]:
    """(busy, steal, total) seconds of one core since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(x) for x in line.split()[1:]]
            tick = os.sysconf("SC_CLK_TCK")
            idle = ticks[3] + ticks[4]  # idle + iowait
            steal = ticks[7] if len(ticks) > 7 else 0
            total = sum(ticks[:8])
            return (total - idle - steal) / tick, steal / tick, total / tick
    return 0.0, 0.0, 0.0


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    url: str
    workdir: Path

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


async def start_redis(core: int) -> RedisServer:
    """A private redis-server on a unix socket, durable and non-evicting as livesale needs."""
    from redis.asyncio import Redis

    workdir = Path(tempfile.mkdtemp(prefix="livesale-bench-redis-"))
    sock = workdir / "redis.sock"
    process = subprocess.Popen(
        [
            *("taskset", "-c", str(core), "redis-server", "--port", "0"),
            *("--unixsocket", str(sock), "--unixsocketperm", "700"),
            *("--appendonly", "yes", "--maxmemory-policy", "noeviction", "--save", ""),
            *("--dir", str(workdir), "--maxclients", "15000", "--loglevel", "warning"),
        ],
        stdout=subprocess.DEVNULL,
        preexec_fn=raise_nofile,
    )
    url = f"unix://{sock}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sock.exists():
            client: Any = Redis.from_url(url)
            try:
                if await client.ping():
                    return RedisServer(process, url, workdir)
            except OSError:
                pass
            finally:
                await client.aclose()
        await asyncio.sleep(0.05)
    stop_process(process)
    raise RuntimeError("redis-server did not start")


PinFn = Callable[[], Awaitable[tuple[str, float]]]


@dataclass
class Target:
    """A started server with its show, its chatting guests and how to pin."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    show_id: str
    sender_cookies: list[str]
    pin: PinFn
    workdir: Path
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    note: str = ""

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def stop(self) -> None:
        for close in reversed(self.closers):
            with contextlib.suppress(Exception):
                await close()
        stop_process(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


def sender_count(args: argparse.Namespace) -> int:
    """Enough guests that each stays under the server's default chat rate limit."""
    if args.senders:
        return int(args.senders)
    sys.path.insert(0, str(ROOT))
    from livesale.config import ChatSettings

    limits = ChatSettings()
    per_sender = 0.8 * limits.rate_messages / limits.rate_window_seconds  # 20 % headroom
    return max(1, math.ceil(float(args.chat_rate) / per_sender))


class TinyPublisher:
    """A WHIP publisher of 160x120 video at 10 fps: keeps the show live, costs little."""

    FPS = 10

    def __init__(self) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection

        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))

    async def publish(self, url: str, stream_key: str) -> None:
        import av
        from aiortc import MediaStreamTrack, RTCSessionDescription

        fps = self.FPS

        class Tiny(MediaStreamTrack):
            kind = "video"

            def __init__(self) -> None:
                super().__init__()
                self.index = 0
                self.start = 0.0

            async def recv(self) -> av.VideoFrame:
                if not self.start:
                    self.start = time.monotonic()
                delay = self.start + self.index / fps - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                frame = av.VideoFrame(160, 120, "yuv420p")
                for number, plane in enumerate(frame.planes):
                    shade = (self.index * 7) % 256 if number == 0 else 128
                    plane.update(bytes([shade]) * plane.buffer_size)
                frame.pts = self.index * (90000 // fps)
                frame.time_base = fractions.Fraction(1, 90000)
                self.index += 1
                return frame

        self.pc.addTransceiver(Tiny(), direction="sendonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {stream_key}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=self.pc.localDescription.sdp, headers=headers) as response,
        ):
            body = await response.text()
            if response.status != 201:
                raise RuntimeError(f"WHIP {response.status}: {body[:300]}")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
        deadline = time.monotonic() + 15
        while self.pc.connectionState != "connected":
            if time.monotonic() > deadline:
                raise RuntimeError("publisher did not connect")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        await self.pc.close()


async def start_livesale(args: argparse.Namespace, redis: RedisServer, senders: int) -> Target:
    """`livesale serve` on the server core, then a creator, a bag, a live show and guests."""
    workdir = Path(tempfile.mkdtemp(prefix="livesale-bench-events-"))
    port = free_port(HOST)
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(workdir),
        # One process: this benchmark measures what one process carries.
        "LIVESALE__SERVER__SHOP_PROCESSES": "0",
        "LIVESALE__REDIS__URL": redis.url,
        "LIVESALE__LOG__LEVEL": "WARNING",
        # Every guest of the benchmark comes from 127.0.0.1: no per-address guest cost here.
        "LIVESALE__AUTH__GUEST_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        "LIVESALE__AUTH__GUEST_FREE_CREATIONS_PER_ADDRESS_PER_HOUR": "1000000",
        # Every simulated viewer and guest comes from one loopback address; the
        # per-address limits are meant for real audiences, not for this load.
        "LIVESALE__ROOM__MAX_CONNECTIONS_PER_ADDRESS": "1000000",
        "LIVESALE__CHAT__ADDRESS_RATE_MESSAGES": "1000000",
        **dict(item.split("=", 1) for item in args.server_env),
    }
    process = subprocess.Popen(
        ["taskset", "-c", str(args.server_core), sys.executable, "-m", "livesale", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        preexec_fn=nofile_setter(args.server_nofile),
    )
    base = f"http://{HOST}:{port}"
    target = Target("livesale", process, port, "", [], _no_pin, workdir)
    try:
        await wait_http(f"{base}/healthz", process)
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        target.closers.append(session.close)
        rng = random.Random(args.seed)
        await api(
            session,
            "POST",
            f"{base}/api/auth/signup",
            {
                "email": f"bench{rng.randrange(10**9)}@example.com",
                "password": "correct horse battery staple",
                "display_name": "Bench Creator",
            },
            201,
        )
        product_ids = []
        for number in range(2):
            body = {
                "title": f"Benchmark jacket {number}",
                "description": "A product for the room benchmark. " * 4,
                "variants": [
                    {
                        "sku": f"BENCH-{number}-{size}",
                        "name": size,
                        "options": {"size": size},
                        "price_minor": 4900 + number * 1000,
                        "currency": "EUR",
                        "stock": 1000,
                    }
                    for size in ("S", "M", "L")
                ],
            }
            reply, _ = await api(session, "POST", f"{base}/api/products", body, 201)
            product_ids.append(reply["product"]["id"])
        reply, _ = await api(
            session,
            "POST",
            f"{base}/api/shows",
            {"title": "Room benchmark", "product_ids": product_ids},
            201,
        )
        target.show_id = reply["show"]["id"]
        publisher = TinyPublisher()
        target.closers.append(publisher.close)
        await publisher.publish(f"{base}/whip/{target.show_id}", reply["stream_key"])
        for number in range(senders):
            async with aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True)
            ) as guest_session:
                _reply, response = await api(
                    guest_session,
                    "PUT",
                    f"{base}/api/viewer",
                    {"display_name": f"guest{number}"},
                    200,
                )
                cookie = response.cookies.get("ls_viewer")
                if cookie is None:
                    raise RuntimeError("PUT /api/viewer set no ls_viewer cookie")
                target.sender_cookies.append(f"ls_viewer={cookie.value}")
        pins = iter(range(10**9))
        pin_url = f"{base}/api/shows/{target.show_id}/pin"

        async def pin() -> tuple[str, float]:
            product_id = product_ids[next(pins) % len(product_ids)]
            started = time.time()
            answer, _ = await api(session, "POST", pin_url, {"product_id": product_id}, 201)
            return str(answer["pin"]["id"]), started

        target.pin = pin
        target.note = "pins: POST /api/shows/{id}/pin alternating 2 products"
    except BaseException:
        await target.stop()
        raise
    return target


async def _no_pin() -> tuple[str, float]:
    raise RuntimeError("pinning is not set up")


def synthetic_product(number: int) -> dict[str, Any]:
    """Product JSON shaped like livesale's, for the naive design's pin events."""
    now = time.time()
    return {
        "id": f"prod{number}",
        "creator_id": "creator1",
        "title": f"Benchmark jacket {number}",
        "description": "A product for the room benchmark. " * 4,
        "status": "active",
        "images": [],
        "variants": [
            {
                "id": f"var{number}{size}",
                "sku": f"BENCH-{number}-{size}",
                "name": size,
                "options": {"size": size},
                "price_minor": 4900 + number * 1000,
                "currency": "EUR",
                "stock": 1000,
                "archived": False,
            }
            for size in ("S", "M", "L")
        ],
        "created_at": now,
        "updated_at": now,
    }


async def start_naive(args: argparse.Namespace, redis: RedisServer, senders: int) -> Target:
    """The naive server on the server core; pins are PUBLISHed straight to its channel."""
    from redis.asyncio import Redis

    sys.path.insert(0, str(NAIVE_SCRIPT.parent))
    from bench_events_naive import channel_of

    workdir = Path(tempfile.mkdtemp(prefix="livesale-bench-naive-"))
    port = free_port(HOST)
    process = subprocess.Popen(
        [
            *("taskset", "-c", str(args.server_core), sys.executable, str(NAIVE_SCRIPT)),
            *("--port", str(port), "--redis-url", redis.url),
        ],
        cwd=workdir,
        preexec_fn=raise_nofile,
    )
    show_id = "naiveshow"
    target = Target("naive", process, port, show_id, [""] * senders, _no_pin, workdir)
    try:
        await wait_http(f"http://{HOST}:{port}/healthz", process)
        client = Redis.from_url(redis.url)
        target.closers.append(client.aclose)
        counter = iter(range(1, 10**9))
        started_at = time.time()

        async def pin() -> tuple[str, float]:
            number = next(counter)
            pin_id = f"naive-pin-{number}"
            event = {
                "type": "pin",
                "pin": {
                    "id": pin_id,
                    "product": synthetic_product(number % 2),
                    "offset_ms": int((time.time() - started_at) * 1000),
                    "pinned_at": time.time(),
                    "flash_sale": None,
                },
            }
            started = time.time()
            await client.publish(channel_of(show_id), json.dumps(event))
            return pin_id, started

        target.pin = pin
        target.note = "pins: PUBLISH of a pin event to the show's channel (no HTTP, no SQLite)"
    except BaseException:
        await target.stop()
        raise
    return target


# --------------------------------------------------------------------------
# One measurement.


@dataclass
class Result:
    system: str
    viewers: int
    joined: int
    senders: int
    chat_per_second: float
    pins: int
    cpu_percent: float
    rss_mb: float
    redis_cpu_percent: float
    redis_rss_mb: float
    load_cpu_percent: float
    delivered: float
    complete_viewers: int
    closed: int
    chat_p50_ms: float
    chat_p99_ms: float
    chat_max_ms: float
    pin_delivered: float
    pin_p50_ms: float
    pin_p99_ms: float
    pin_max_ms: float
    errors: dict[str, int]
    refused: dict[str, int]
    worst_by_second_ms: list[int]
    intake_p50_ms: float
    intake_p99_ms: float
    machine: str
    chat_accepted: int
    read_p50_ms: float
    read_p99_ms: float
    read_max_ms: float


FANOUT_HISTOGRAM = "livesale_room_fanout_seconds"
FRAMES_COUNTER = "livesale_room_messages_sent_total"


async def server_metrics(target: Target) -> dict[str, float]:
    """The room's fan-out histogram buckets and frame counter (livesale only)."""
    if target.name != "livesale":
        return {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{target.origin}/metrics") as response,
    ):
        text = await response.text()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith((FANOUT_HISTOGRAM + "_bucket", FRAMES_COUNTER)):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def fanout_quantile(q: float, before: dict[str, float], after: dict[str, float]) -> float:
    """Prometheus-style quantile (ms) of the fan-out histogram over the window."""
    prefix = f'{FANOUT_HISTOGRAM}_bucket{{le="'
    buckets = sorted(
        (float(name[len(prefix) : -2]), after[name] - before.get(name, 0.0))
        for name in after
        if name.startswith(prefix)
    )
    if not buckets or buckets[-1][1] <= 0:
        return float("nan")
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return 1000 * lower_bound
            span = count - lower_count
            fraction = (rank - lower_count) / span if span else 1.0
            return 1000 * (lower_bound + (bound - lower_bound) * fraction)
        lower_bound, lower_count = bound, count
    return 1000 * buckets[-1][0]


def hist_percentile(buckets: dict[int, int], pct: float) -> float:
    """Upper edge (ms) of the histogram bucket holding the pct-th percentile."""
    total = sum(buckets.values())
    if not total:
        return float("nan")
    rank, seen = pct / 100 * total, 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            return (index + 1) * HIST_STEP_US / 1000
    return max(buckets) * HIST_STEP_US / 1000


async def measure(
    target: Target, viewers: int, args: argparse.Namespace, redis: RedisServer
) -> Result:
    config = LoadConfig(
        port=target.port,
        path=f"/api/shows/{target.show_id}/events",
        origin=target.origin,
        viewers=viewers,
        sender_cookies=target.sender_cookies[:viewers],
        chat_rate=args.chat_rate,
        seconds=args.seconds,
        drain_seconds=args.drain,
        seed=args.seed,
        timestamp_every=args.timestamp_every,
        result_path=str(target.workdir / "load-report.json"),
    )
    # The server's own cost before any viewer: the publisher's media, timers.
    idle_before, idle_started = cpu_seconds(target.process.pid), time.monotonic()
    await asyncio.sleep(2.0)
    idle_percent = (
        100 * (cpu_seconds(target.process.pid) - idle_before) / (time.monotonic() - idle_started)
    )
    load = await asyncio.create_subprocess_exec(
        "taskset",
        "-c",
        str(args.client_core),
        sys.executable,
        __file__,
        "--load-generator",
        json.dumps(config.__dict__),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=raise_nofile,
        limit=256 * 1024 * 1024,
    )
    assert load.stdin is not None
    assert load.stdout is not None
    try:
        started = time.monotonic()
        line = await asyncio.wait_for(load.stdout.readline(), args.connect_timeout)
        if not line:
            raise RuntimeError("the load generator exited before connecting")
        joined = json.loads(line)["ready"]
        print(
            f"  {target.name}: {joined}/{viewers} viewers had their snapshot after "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )
        await asyncio.sleep(1.0)  # settle: let join work drain before the window opens
        pids = {
            "server": target.process.pid,
            "redis": redis.process.pid,
            "load": load.pid,
            "script": os.getpid(),
        }
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cores = (args.server_core, args.client_core)
        cores_before = [core_times(core) for core in cores]
        split_before = cpu_split(target.process.pid)
        metrics_before = await server_metrics(target)
        wall_before = time.monotonic()
        load.stdin.write(b"go\n")
        await load.stdin.drain()
        sent_pins: dict[str, float] = {}
        pin_errors: Counter[str] = Counter()
        pinner = asyncio.create_task(pin_loop(target, args, wall_before, sent_pins, pin_errors))
        await asyncio.sleep(args.seconds)
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        cores_after = [core_times(core) for core in cores]
        split_after = cpu_split(target.process.pid)
        wall = time.monotonic() - wall_before
        metrics_after = await server_metrics(target)
        server_rss, redis_rss = rss_mb(target.process.pid), rss_mb(redis.process.pid)
        await pinner
        await asyncio.wait_for(load.stdout.readline(), args.drain + 60)
        report = json.loads(Path(config.result_path).read_text())
    finally:
        if load.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                load.kill()
        await load.wait()
    ready = max(1, report["ready"])
    buckets = {int(k): v for k, v in report["hist"].items()}
    read_buckets = {int(k): v for k, v in report["read_hist"].items()}
    pin_latencies = [
        1000 * (at - sent_pins[pin_id])
        for pin_id, times in report["pins"].items()
        if pin_id in sent_pins
        for at in times
    ]
    used = {name: 100 * (after[name] - before[name]) / wall for name in pids}
    machine = []
    for core, (busy0, steal0, total0), (busy1, steal1, total1) in zip(
        cores, cores_before, cores_after, strict=True
    ):
        span = max(total1 - total0, 1e-9)
        machine.append(
            f"core {core} busy {100 * (busy1 - busy0) / span:.0f}% "
            f"(steal {100 * (steal1 - steal0) / span:.0f}%)"
        )
    machine_note = (
        f"{', '.join(machine)}; server {used['server']:.0f}% (user "
        f"{100 * (split_after[0] - split_before[0]) / wall:.0f}% + kernel "
        f"{100 * (split_after[1] - split_before[1]) / wall:.0f}%; before any viewer: "
        f"{idle_percent:.1f}%), load generator "
        f"{used['load']:.0f}%, redis {used['redis']:.0f}% ({redis_rss:.0f} MB RSS), "
        f"this script {used['script']:.0f}%"
    )
    if metrics_after:
        frames = metrics_after.get(FRAMES_COUNTER, 0.0) - metrics_before.get(FRAMES_COUNTER, 0.0)
        machine_note += (
            f"; server metrics: {frames / wall:.0f} frames/s written, one batch to all "
            f"connections p50 {fanout_quantile(0.5, metrics_before, metrics_after):.1f} ms, "
            f"p99 {fanout_quantile(0.99, metrics_before, metrics_after):.1f} ms"
        )
    errors = {**report["errors"], **{f"pin: {k}": v for k, v in pin_errors.items()}}
    return Result(
        system=target.name,
        viewers=viewers,
        joined=report["ready"],
        senders=report["senders"],
        chat_per_second=report["sent"] / max(report["chat_seconds"], 1e-9),
        pins=len(sent_pins),
        cpu_percent=100 * (after["server"] - before["server"]) / wall,
        rss_mb=server_rss,
        redis_cpu_percent=100 * (after["redis"] - before["redis"]) / wall,
        redis_rss_mb=redis_rss,
        load_cpu_percent=100 * (after["load"] - before["load"]) / wall,
        delivered=report["chat_receipts"] / max(1, report["accepted"] * ready),
        complete_viewers=report["complete_viewers"],
        closed=report["closed"],
        chat_p50_ms=hist_percentile(buckets, 50),
        chat_p99_ms=hist_percentile(buckets, 99),
        chat_max_ms=report["max_us"] / 1000 if buckets else float("nan"),
        pin_delivered=sum(n for pin_id, n in report["pin_counts"].items() if pin_id in sent_pins)
        / max(1, len(sent_pins) * ready),
        pin_p50_ms=percentile(pin_latencies, 50),
        pin_p99_ms=percentile(pin_latencies, 99),
        pin_max_ms=max(pin_latencies, default=float("nan")),
        errors=errors,
        refused=report["refused"],
        worst_by_second_ms=report["worst_by_second_ms"],
        read_p50_ms=hist_percentile(read_buckets, 50),
        read_p99_ms=hist_percentile(read_buckets, 99),
        read_max_ms=report["max_read_us"] / 1000 if read_buckets else float("nan"),
        machine=machine_note,
        chat_accepted=report["accepted"],
        intake_p50_ms=percentile(report["intake_ms"], 50),
        intake_p99_ms=percentile(report["intake_ms"], 99),
    )


async def pin_loop(
    target: Target,
    args: argparse.Namespace,
    start: float,
    sent: dict[str, float],
    errors: Counter[str],
) -> None:
    """Pin at start + (k + 0.5) * pin_every for the whole window."""
    number = 0
    while True:
        at = start + (number + 0.5) * args.pin_every
        if at >= start + args.seconds:
            return
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        try:
            pin_id, sent_at = await target.pin()
        except (RuntimeError, aiohttp.ClientError, OSError) as exc:
            errors[str(exc)[:120]] += 1
        else:
            sent[pin_id] = sent_at
        number += 1


# --------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    header = (
        f"{'system':<9}{'viewers':>8}{'joined':>7}{'CPU %':>7}{'RSS MB':>7}"
        f"{'redis %':>8}{'load %':>7}{'chat/s':>7}{'chat got':>10}"
        f"{'chat p50':>9}{'chat p99':>9}{'chat max':>9}"
        f"{'pins':>5}{'pin got':>9}{'pin p50':>8}{'pin p99':>8}{'pin max':>8}{'closed':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.system:<9}{r.viewers:>8}{r.joined:>7}{r.cpu_percent:>7.1f}{r.rss_mb:>7.0f}"
            f"{r.redis_cpu_percent:>8.1f}{r.load_cpu_percent:>7.1f}{r.chat_per_second:>7.1f}"
            f"{100 * r.delivered:>9.2f}%"
            f"{r.chat_p50_ms:>9.1f}{r.chat_p99_ms:>9.1f}{r.chat_max_ms:>9.0f}"
            f"{r.pins:>5}{100 * r.pin_delivered:>8.2f}%"
            f"{r.pin_p50_ms:>8.1f}{r.pin_p99_ms:>8.1f}{r.pin_max_ms:>8.0f}{r.closed:>7}"
        )
    for r in results:
        print(
            f"  {r.system} {r.viewers}: chat intake (sender's write -> the message's server "
            f"`at` stamp) p50 {r.intake_p50_ms:.0f} ms, p99 {r.intake_p99_ms:.0f} ms; "
            f"load generator's own lag (kernel receive -> it reads the frame) p50 "
            f"{r.read_p50_ms:.1f}, p99 {r.read_p99_ms:.1f}, max {r.read_max_ms:.0f} ms; "
            f"{r.chat_accepted} chat messages accepted, {r.complete_viewers}/{r.joined} "
            "viewers got every one"
        )
        print(f"  {r.system} {r.viewers}: machine during the window: {r.machine}")
        worst = " ".join(str(ms) for ms in r.worst_by_second_ms)
        print(f"  {r.system} {r.viewers}: slowest chat delivery, second by second (ms): {worst}")
        if r.errors or r.refused:
            print(f"  {r.system} {r.viewers}: errors {r.errors} refused {r.refused}")


STARTERS = {"livesale": start_livesale, "naive": start_naive}


async def main(args: argparse.Namespace) -> int:
    os.sched_setaffinity(0, {args.client_core})
    raise_nofile()
    senders = sender_count(args)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * max([*args.viewers, *args.naive_viewers, 0]) + 200
    print(
        f"open files: soft limit raised to the hard limit, {hard}, in every process "
        f"(the naive server needs about {need}: two sockets per viewer)"
        + (f"; livesale server limited to {args.server_nofile}" if args.server_nofile else "")
    )
    if hard < need:
        print(f"WARNING: {hard} descriptors are too few for these viewer counts")
    print(
        f"server pinned to core {args.server_core}; load generator, redis-server and this "
        f"script to core {args.client_core}; seed {args.seed}"
    )
    print(
        f"load: {args.chat_rate:g} chat msg/s from {senders} guest viewers (among the N; "
        f"{args.chat_rate / senders:.2f} msg/s each, under the default chat limit, which is "
        f"not changed), a pin every {args.pin_every:g} s, {args.seconds:g} s window "
        f"+ up to {args.drain:g} s drain"
    )
    print(
        "chat p50/p99/max: a sender writes the frame -> it reaches a viewer's socket (ms, "
        f"kernel receive timestamps, every message at every {args.timestamp_every}th viewer); "
        "chat got: share of all (message, viewer) pairs delivered"
    )
    print(
        "pin p50/p99/max: the creator's POST /pin is sent (naive: the PUBLISH) -> the pin "
        "event reaches a viewer's socket (ms)"
    )
    if args.server_env:
        print(f"livesale settings changed for this run: {' '.join(args.server_env)}")
    redis = await start_redis(args.redis_core)
    results: list[Result] = []
    try:
        for system, counts in (("livesale", args.viewers), ("naive", args.naive_viewers)):
            for count in (n for n in counts if n > 0):
                try:
                    target = await STARTERS[system](args, redis, senders)
                except RuntimeError as exc:
                    print(f"  {system}: cannot set up: {exc}", flush=True)
                    break
                try:
                    print(f"  {target.note}", flush=True)
                    result = await measure(target, count, args, redis)
                except (RuntimeError, TimeoutError) as exc:
                    print(f"  {system} {count}: failed: {exc!r}", flush=True)
                    continue
                finally:
                    await target.stop()
                results.append(result)
                print_table([result])
                print(flush=True)
    finally:
        redis.stop()
    print()
    print_table(results)
    print()
    print("server CPU per delivered (chat message, viewer) pair, runs with every pair delivered:")
    for r in results:
        if r.delivered >= 0.999 and r.joined == r.viewers:
            pairs_per_second = r.chat_per_second * r.joined
            print(
                f"  {r.system:<9}{r.viewers:>6} viewers: "
                f"{1e4 * r.cpu_percent / max(pairs_per_second, 1e-9):6.2f} us"
            )
    print()
    print("targets:")
    for r in results:
        if r.system != "livesale":
            continue
        print(
            f"  {r.viewers} viewers: all joined {mark(r.joined == r.viewers)}, "
            f"chat delivered >= 99.9% {mark(r.delivered >= 0.999)}, "
            f"chat p99 < 200 ms {mark(r.chat_p99_ms < 200)}, "
            f"pin p99 < 200 ms {mark(r.pin_p99_ms < 200)}, "
            f"load generator not saturated (< 90% CPU) {mark(r.load_cpu_percent < 90)}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--viewers", default="5000", help="livesale viewer counts, e.g. 1000,5000")
    parser.add_argument(
        "--naive-viewers",
        help="naive viewer counts (default: 5000,1000,300 with the default --viewers, "
        "else the same as --viewers)",
    )
    parser.add_argument("--chat-rate", type=float, default=50.0, help="chat messages/s in all")
    parser.add_argument("--pin-every", type=float, default=3.0, help="seconds between pins")
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement window")
    parser.add_argument("--drain", type=float, default=5.0, help="most seconds to wait after")
    parser.add_argument("--senders", type=int, default=0, help="chatting guests (0: automatic)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--timestamp-every",
        type=int,
        default=10,
        help="every k-th viewer reads with kernel receive timestamps and gives the latencies",
    )
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--redis-core", type=int, default=1)
    parser.add_argument("--connect-timeout", type=float, default=300.0)
    parser.add_argument(
        "--server-nofile",
        type=int,
        default=0,
        help="soft RLIMIT_NOFILE of the livesale server (default: the hard limit)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="LIVESALE__SECTION__KEY=VALUE",
        help="extra setting for the livesale server (repeatable)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="200 viewers, 5 s window")
    parser.add_argument("--load-generator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.viewers, args.seconds = "200", 5.0
    if args.naive_viewers is None:
        args.naive_viewers = "5000,1000,300" if args.viewers == "5000" else args.viewers
    args.viewers = [int(n) for n in str(args.viewers).split(",") if n]
    args.naive_viewers = [int(n) for n in str(args.naive_viewers).split(",") if n]
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.load_generator:
        load_generator_main(arguments.load_generator)
    else:
        with contextlib.suppress(ImportError):
            import uvloop

            uvloop.install()
        raise SystemExit(asyncio.run(main(arguments)))
