#!/usr/bin/env python3
"""Relay benchmark: livesale's forwarding relay against aiortc's MediaRelay, same run.

One synthetic publisher (VP8 640x480, ~1 Mbit/s, 30 fps, keyframe every 2 s,
plus Opus 20 ms frames: about 155 packets/s) feeds N viewers. Viewers are
real aiortc peer connections for ICE and DTLS, then read RTP straight off
their sockets without decoding (they check headers, sequence gaps and, for a
sample of packets, the SRTP authentication tag). The server runs pinned to
one core and the publisher and viewers to the other.

For each N it prints server CPU, RSS, packets/s forwarded, the share of
frames delivered complete, and relay latency p50/p99 (publisher sends a
frame -> a viewer receives its last packet, over loopback). It then times a
join burst: 100 viewers asking at once, seconds until all have video.

    .venv/bin/python scripts/bench_relay.py                # full run (~6 min)
    .venv/bin/python scripts/bench_relay.py --quick        # smoke run
    .venv/bin/python scripts/bench_relay.py --record       # each count without, then with recording

livesale runs with recording off unless --record asks for both: the same
load with the show recorded (WebM on the server's disk) and without, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import fractions
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import av
from aiohttp import web
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay
from aiortc.rtp import RTCP_PSFB_FIR, RTCP_PSFB_PLI, RtcpPsfbPacket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_common import (  # noqa: E402
    cpu_seconds,
    free_port,
    mark,
    percentile,
    rss_mb,
    stop_process,
    wait_http,
)

from livesale.media import hooks  # noqa: E402

VIDEO_FPS = 30
CLIP_SECONDS = 2  # one keyframe per clip loop
WIDTH, HEIGHT = 640, 480
NO_ICE = RTCConfiguration(iceServers=[])
_HEADER = struct.Struct("!HI")


# --------------------------------------------------------------------------
# Synthetic publisher media: encoded once, replayed in a loop.


def encode_clip(bitrate: int) -> list[bytes]:
    """Encode a 2 s VP8 clip with moving detail; frame 0 is the only keyframe."""
    codec = av.CodecContext.create("libvpx", "w")
    codec.width, codec.height = WIDTH, HEIGHT
    codec.pix_fmt = "yuv420p"
    codec.time_base = fractions.Fraction(1, VIDEO_FPS)
    codec.framerate = fractions.Fraction(VIDEO_FPS)
    codec.bit_rate = bitrate
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = random.Random(7)
    frames: list[bytes] = []
    for index in range(VIDEO_FPS * CLIP_SECONDS):
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        luma = bytearray((x + index * 4) % 256 for x in range(WIDTH)) * HEIGHT
        # A moving block of noise gives the encoder real work at 1 Mbit/s.
        block = rng.randbytes(160 * 120)
        top, left = (index * 5) % (HEIGHT - 120), (index * 9) % (WIDTH - 160)
        for row in range(120):
            start = (top + row) * WIDTH + left
            luma[start : start + 160] = block[row * 160 : (row + 1) * 160]
        frame.planes[0].update(bytes(luma))
        for plane in frame.planes[1:]:
            plane.update(bytes([128]) * plane.buffer_size)
        frame.pts = index
        frame.time_base = codec.time_base
        if index == 0:
            frame.pict_type = av.video.frame.PictureType.I
        frames.extend(bytes(p) for p in codec.encode(frame))
    return frames


def encode_audio_clip() -> list[bytes]:
    """One second of Opus at 20 ms per packet."""
    codec = av.CodecContext.create("libopus", "w")
    codec.sample_rate, codec.layout, codec.format = 48000, "stereo", "s16"
    codec.time_base = fractions.Fraction(1, 48000)
    codec.bit_rate = 64000
    packets: list[bytes] = []
    rng = random.Random(3)
    for index in range(60):
        frame = av.AudioFrame(format="s16", layout="stereo", samples=960)
        frame.sample_rate = 48000
        frame.planes[0].update(rng.randbytes(frame.planes[0].buffer_size))
        frame.pts = index * 960
        packets.extend(bytes(p) for p in codec.encode(frame) if p.size)
    return packets[:50]


class ClipVideoTrack(MediaStreamTrack):
    """Replays the encoded clip as `av.Packet`s (no encoding at send time)."""

    kind = "video"

    def __init__(self, clip: list[bytes], jitter: list[int]) -> None:
        super().__init__()
        self.clip = clip
        self.jitter = jitter
        self.index = 0
        self.clip_position = 0
        self.start = 0.0
        self.keyframe_requests = 0
        self.sent: dict[int, float] = {}  # 90 kHz pts -> send time

    def request_keyframe(self) -> None:
        """A PLI/FIR arrived: restart the clip, whose first frame is a keyframe."""
        self.keyframe_requests += 1
        self.clip_position = 0

    def pts_of(self, index: int) -> int:
        # Jittered spacing gives every frame a recognisable run of deltas, so
        # a viewer's timestamps can be matched to ours whatever offset the
        # relay (or an encoder) applies.
        return index * 3000 + self.jitter[index % len(self.jitter)]

    async def recv(self) -> av.Packet[Any]:
        if not self.start:
            self.start = time.monotonic()
        delay = self.start + self.index / VIDEO_FPS - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self.clip[self.clip_position % len(self.clip)])
        self.clip_position += 1
        packet.pts = self.pts_of(self.index)
        packet.time_base = fractions.Fraction(1, 90000)
        self.sent[packet.pts] = time.monotonic()
        self.index += 1
        return packet


class ClipAudioTrack(MediaStreamTrack):
    """Replays Opus packets every 20 ms."""

    kind = "audio"

    def __init__(self, clip: list[bytes]) -> None:
        super().__init__()
        self.clip = clip
        self.index = 0
        self.start = 0.0

    async def recv(self) -> av.Packet[Any]:
        if not self.start:
            self.start = time.monotonic()
        delay = self.start + self.index * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        packet = av.Packet(self.clip[self.index % len(self.clip)])
        packet.pts = self.index * 960
        packet.time_base = fractions.Fraction(1, 48000)
        self.index += 1
        return packet


# --------------------------------------------------------------------------
# Lean viewers.


@dataclass
class LeanViewer:
    """ICE and DTLS by aiortc, then RTP counted straight off the socket."""

    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(NO_ICE))
    video_pt: int = -1
    audio_pt: int = -1
    ssrc: int = -1
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    first_video_at: float = 0.0
    recording: bool = False
    video_packets: int = 0
    audio_packets: int = 0
    lost_packets: int = 0
    auth_failures: int = 0
    auth_checked: int = 0
    frames: list[tuple[float, int, bool]] = field(default_factory=list)  # (at, ts, complete)
    _last_seq: int = -1
    _frame_clean: bool = True
    _unprotect: Callable[[bytes], bytes] | None = None
    _counter: int = 0
    location: str = ""

    async def connect(self, session: aiohttp.ClientSession, url: str) -> None:
        for kind in ("video", "audio"):
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            hooks.tap_receiver(transceiver.receiver, lambda _p: None, lambda _p: None)

        @self.pc.on("connectionstatechange")
        async def _changed() -> None:
            if self.pc.connectionState == "connected":
                self._hijack()
                self.connected.set()

        await self.pc.setLocalDescription(await self.pc.createOffer())
        async with session.post(
            url, data=self.pc.localDescription.sdp, headers={"Content-Type": "application/sdp"}
        ) as response:
            body = await response.text()
            if response.status != 201:
                raise RuntimeError(f"WHEP {response.status}: {body[:200]}")
            self.location = response.headers.get("Location", "")
        answer = RTCSessionDescription(sdp=body, type="answer")
        for line in body.splitlines():
            if line.startswith("a=rtpmap:"):
                pt, name = line[len("a=rtpmap:") :].split(" ", 1)
                if name.upper().startswith(("VP8", "H264")) and self.video_pt < 0:
                    self.video_pt = int(pt)
                elif name.lower().startswith("opus") and self.audio_pt < 0:
                    self.audio_pt = int(pt)
        await self.pc.setRemoteDescription(answer)

    def _hijack(self) -> None:
        transport: Any = self.pc.getTransceivers()[0].receiver.transport
        connection = transport.transport._connection
        self._unprotect = transport._rx_srtp.unprotect
        # Every local candidate's socket: the media may arrive on any pair ICE checked.
        for protocol in connection._protocols:
            protocol.datagram_received = self._lean_receiver(protocol.datagram_received)

    def _lean_receiver(
        self, original: Callable[[bytes, Any], None]
    ) -> Callable[[bytes, Any], None]:
        unpack = _HEADER.unpack_from
        monotonic = time.monotonic

        def datagram_received(data: bytes, addr: Any) -> None:
            if len(data) < 12 or not 127 < data[0] < 192 or 191 < data[1] < 224:
                original(data, addr)  # STUN, DTLS and RTCP keep aiortc's handling
                return
            second = data[1]
            payload_type = second & 0x7F
            if payload_type == self.video_pt:
                seq, ts = unpack(data, 2)
                if not self.video_packets:
                    self.first_video_at = monotonic()
                self.video_packets += 1
                last = self._last_seq
                if last >= 0 and seq != (last + 1) & 0xFFFF:
                    gap = (seq - last - 1) & 0xFFFF
                    if gap < 1000:
                        self.lost_packets += gap
                        self._frame_clean = False
                self._last_seq = seq
                if second & 0x80:
                    if self.recording:
                        self.frames.append((monotonic(), ts, self._frame_clean))
                    self._frame_clean = True
                self._counter += 1
                if self._counter % 97 == 0 and self._unprotect is not None:
                    self.auth_checked += 1
                    try:
                        self._unprotect(data)
                    except Exception:
                        self.auth_failures += 1
            elif payload_type == self.audio_pt:
                self.audio_packets += 1

        return datagram_received

    async def close(self) -> None:
        await self.pc.close()


# --------------------------------------------------------------------------
# Servers under test.


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    whip_url: str
    whep_url: str
    stream_key: str | None
    workdir: Path
    recording: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}+rec" if self.recording else self.name

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def recorded(self) -> str:
        """After stop_process: what the server recorded (parts, their status, length, size)."""
        database = self.workdir / "livesale.sqlite3"
        if not self.recording or not database.exists():
            return "-"
        with sqlite3.connect(database) as db:
            rows = db.execute(
                "SELECT status, duration_ms, size_bytes, error FROM recordings ORDER BY part"
            ).fetchall()
        return (
            "; ".join(
                f"{status} {(duration or 0) / 1000:.1f} s {(size or 0) / 1e6:.1f} MB"
                + (f" ({error})" if error else "")
                for status, duration, size, error in rows
            )
            or "nothing"
        )


async def start_livesale(core: int, record: bool = False) -> Server:
    workdir = Path(tempfile.mkdtemp(prefix="livesale-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(workdir),
        # One process: this benchmark measures what one process carries.
        "LIVESALE__SERVER__SHOP_PROCESSES": "0",
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_SHOW": "5000",
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_PROCESS": "5000",
        # Every load-generator viewer comes from 127.0.0.1.
        "LIVESALE__MEDIA__MAX_VIEWERS_PER_ADDRESS": "0",
        "LIVESALE__LOG__LEVEL": "WARNING",
        "LIVESALE__RECORDING__ENABLED": "true" if record else "false",
    }
    python = sys.executable
    created = subprocess.run(
        [python, "-m", "livesale", "show", "create", "Benchmark", "--json"],
        env=env,
        cwd=workdir,
        capture_output=True,
        check=True,
    )
    show = json.loads(created.stdout)
    process = subprocess.Popen(
        ["taskset", "-c", str(core), python, "-m", "livesale", "serve"],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    await wait_http(f"{base}/healthz", process)
    return Server(
        "livesale",
        process,
        base,
        f"{base}/whip/{show['id']}",
        f"{base}/whep/{show['id']}",
        show["stream_key"],
        workdir,
        recording=record,
    )


async def start_recording_livesale(core: int) -> Server:
    """livesale recording the show it relays."""
    return await start_livesale(core, record=True)


async def start_baseline(core: int) -> Server:
    workdir = Path(tempfile.mkdtemp(prefix="livesale-bench-baseline-"))
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", str(core), sys.executable, __file__, "--baseline-server", str(port)],
        cwd=workdir,
    )
    base = f"http://127.0.0.1:{port}"
    await wait_http(f"{base}/healthz", process)
    return Server("MediaRelay", process, base, f"{base}/whip", f"{base}/whep", None, workdir)


def run_baseline_server(port: int) -> None:
    """aiortc's documented pattern: decode the publisher, MediaRelay, encode per viewer."""
    relay = MediaRelay()
    tracks: dict[str, MediaStreamTrack] = {}
    pcs: set[RTCPeerConnection] = set()

    async def whip(request: web.Request) -> web.Response:
        pc = RTCPeerConnection(NO_ICE)
        pcs.add(pc)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            tracks[track.kind] = track

        await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return web.Response(status=201, text=pc.localDescription.sdp, headers={"Location": "/p"})

    async def whep(request: web.Request) -> web.Response:
        pc = RTCPeerConnection(NO_ICE)
        pcs.add(pc)
        await pc.setRemoteDescription(RTCSessionDescription(await request.text(), "offer"))
        for transceiver in pc.getTransceivers():
            if transceiver.kind in tracks:
                transceiver.sender.replaceTrack(relay.subscribe(tracks[transceiver.kind]))
                transceiver.direction = "sendonly"
        await pc.setLocalDescription(await pc.createAnswer())
        return web.Response(status=201, text=pc.localDescription.sdp, headers={"Location": "/v"})

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def close_all(_app: web.Application) -> None:
        await asyncio.gather(*(pc.close() for pc in pcs))

    app = web.Application()
    app.router.add_post("/whip", whip)
    app.router.add_post("/whep", whep)
    app.router.add_get("/healthz", healthz)
    app.on_shutdown.append(close_all)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --------------------------------------------------------------------------
# One measurement.


@dataclass
class Result:
    system: str
    viewers: int
    connected: int
    cpu_percent: float
    rss_mb: float
    packets_per_second: float
    delivered: float
    latency_p50_ms: float
    latency_p99_ms: float
    relay_p50_ms: float
    relay_p99_ms: float
    burst_p99_ms: float
    lost_packets: int
    auth_failures: int
    auth_checked: int
    recorded: str = "-"


@contextlib.asynccontextmanager
async def publishing(
    server: Server, clip: list[bytes], audio: list[bytes]
) -> AsyncIterator[ClipVideoTrack]:
    rng = random.Random(11)
    video = ClipVideoTrack(clip, [rng.randrange(-400, 400) for _ in range(997)])
    pc = RTCPeerConnection(NO_ICE)
    sender: Any = pc.addTransceiver(video, direction="sendonly").sender
    pc.addTransceiver(ClipAudioTrack(audio), direction="sendonly")
    original_rtcp = sender._handle_rtcp_packet

    async def on_rtcp(packet: Any) -> None:
        # Like a real encoder, answer a keyframe request with a keyframe.
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt in (RTCP_PSFB_PLI, RTCP_PSFB_FIR):
            video.request_keyframe()
        await original_rtcp(packet)

    sender._handle_rtcp_packet = on_rtcp
    await pc.setLocalDescription(await pc.createOffer())
    headers = {"Content-Type": "application/sdp"}
    if server.stream_key:
        headers["Authorization"] = f"Bearer {server.stream_key}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.whip_url, data=pc.localDescription.sdp, headers=headers) as response,
    ):
        body = await response.text()
        if response.status != 201:
            raise RuntimeError(f"WHIP {response.status}: {body[:300]}")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))
    deadline = time.monotonic() + 15
    while pc.connectionState != "connected":
        if time.monotonic() > deadline:
            raise RuntimeError("publisher did not connect")
        await asyncio.sleep(0.05)
    try:
        yield video
    finally:
        await pc.close()


async def connect_viewers(
    server: Server, count: int, batch: int, deadline_seconds: float = 120
) -> list[LeanViewer]:
    viewers: list[LeanViewer] = []
    connector = aiohttp.TCPConnector(limit=batch)
    async with aiohttp.ClientSession(connector=connector) as session:
        for start in range(0, count, batch):
            group = [LeanViewer() for _ in range(min(batch, count - start))]
            results = await asyncio.gather(
                *(v.connect(session, server.whep_url) for v in group), return_exceptions=True
            )
            for viewer, result in zip(group, results, strict=True):
                if isinstance(result, BaseException):
                    print(f"  viewer failed to join: {result}", file=sys.stderr)
                    await viewer.close()
                else:
                    viewers.append(viewer)
    deadline = time.monotonic() + deadline_seconds
    while not all(v.connected.is_set() for v in viewers) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return [v for v in viewers if v.connected.is_set()]


def match_offset(viewer: LeanViewer, sent: dict[int, float]) -> int | None:
    """Find the constant timestamp offset between the publisher and this viewer.

    Deltas are compared coarsely because a re-encoding relay may round a
    timestamp by one tick.
    """
    pts = sorted(sent)
    key_of = {
        tuple(round((pts[i + k + 1] - pts[i + k]) / 16) for k in range(3)): pts[i]
        for i in range(len(pts) - 3)
    }
    seen = [ts for _at, ts, _ok in viewer.frames]
    offsets: list[int] = []
    for i in range(0, max(0, len(seen) - 3), 5):
        key = tuple(round(((seen[i + k + 1] - seen[i + k]) & 0xFFFFFFFF) / 16) for k in range(3))
        origin = key_of.get(key)
        if origin is not None:
            offsets.append((seen[i] - origin) & 0xFFFFFFFF)
    if not offsets:
        return None
    buckets: dict[int, list[int]] = {}
    for offset in offsets:
        buckets.setdefault(offset // 64, []).append(offset)
    fullest: list[int] = max(buckets.values(), key=len)
    return int(statistics.median(fullest))


def nearest(sorted_pts: list[int], value: int, tolerance: int = 4) -> int | None:
    """The sent pts within `tolerance` ticks of `value`."""
    index = bisect.bisect_left(sorted_pts, value)
    for candidate in sorted_pts[max(0, index - 1) : index + 1]:
        if abs(candidate - value) <= tolerance:
            return candidate
    return None


async def measure(
    server: Server, viewers_wanted: int, seconds: float, clip: list[bytes], audio: list[bytes]
) -> Result:
    async with publishing(server, clip, audio) as video:
        viewers = await connect_viewers(server, viewers_wanted, batch=25)
        # Warm-up: every viewer is past its first keyframe.
        deadline = time.monotonic() + 10
        while any(not v.video_packets for v in viewers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # settle: let join work drain before the window opens
        for viewer in viewers:
            viewer.recording = True
        packets_before = sum(v.video_packets + v.audio_packets for v in viewers)
        lost_before = sum(v.lost_packets for v in viewers)
        buckets_before = await relay_latency_buckets(server, FRAME_HISTOGRAM)
        packet_before = await relay_latency_buckets(server, PACKET_HISTOGRAM)
        cpu_before, wall_before = server.cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)  # the measurement window itself
        cpu_after, wall_after = server.cpu_seconds(), time.monotonic()
        buckets_after = await relay_latency_buckets(server, FRAME_HISTOGRAM)
        packet_after = await relay_latency_buckets(server, PACKET_HISTOGRAM)
        window_buckets = {le: buckets_after[le] - buckets_before.get(le, 0) for le in buckets_after}
        packet_buckets = {le: packet_after[le] - packet_before.get(le, 0) for le in packet_after}
        for viewer in viewers:
            viewer.recording = False
        packets = sum(v.video_packets + v.audio_packets for v in viewers) - packets_before
        rss = server.rss_mb()
        latencies: list[float] = []
        delivered_ratios: list[float] = []
        window_sent = {
            pts: at for pts, at in video.sent.items() if wall_before + 0.2 < at < wall_after - 0.3
        }
        sent_pts = sorted(video.sent)
        for viewer in viewers:
            offset = match_offset(viewer, video.sent)
            if offset is None:
                delivered_ratios.append(0.0)
                continue
            got = {}
            for at, ts, complete in viewer.frames:
                pts = nearest(sent_pts, (ts - offset) & 0xFFFFFFFF)
                if complete and pts is not None:
                    got[pts] = at
                    latencies.append(at - video.sent[pts])
            delivered_ratios.append(
                sum(1 for pts in window_sent if pts in got) / max(1, len(window_sent))
            )
        result = Result(
            system=server.label,
            viewers=viewers_wanted,
            connected=len(viewers),
            cpu_percent=100 * (cpu_after - cpu_before) / (wall_after - wall_before),
            rss_mb=rss,
            packets_per_second=packets / (wall_after - wall_before),
            delivered=statistics.fmean(delivered_ratios) if delivered_ratios else 0.0,
            latency_p50_ms=1000 * percentile(latencies, 50),
            latency_p99_ms=1000 * percentile(latencies, 99),
            relay_p50_ms=1000 * histogram_quantile(0.50, window_buckets),
            relay_p99_ms=1000 * histogram_quantile(0.99, window_buckets),
            burst_p99_ms=1000 * histogram_quantile(0.99, packet_buckets),
            lost_packets=sum(v.lost_packets for v in viewers) - lost_before,
            auth_failures=sum(v.auth_failures for v in viewers),
            auth_checked=sum(v.auth_checked for v in viewers),
        )
        await asyncio.gather(*(v.close() for v in viewers))
    return result


FRAME_HISTOGRAM = "livesale_media_relay_latency_seconds"
PACKET_HISTOGRAM = "livesale_media_burst_fanout_seconds"


async def relay_latency_buckets(server: Server, name: str) -> dict[float, float]:
    """Cumulative bucket counts of one of the server's video latency histograms."""
    if server.name != "livesale":
        return {}
    # With `livesale serve`'s process layout the relay's series live in the
    # media process, reached on its unix socket (the public port answers from
    # a shop process); in one process the port has them.
    media_socket = server.workdir / "media.sock"
    connector = aiohttp.UnixConnector(str(media_socket)) if media_socket.exists() else None
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"{server.base_url}/metrics") as response,
    ):
        text = await response.text()
    buckets: dict[float, float] = {}
    prefix = f'{name}_bucket{{kind="video",le="'
    for line in text.splitlines():
        if line.startswith(prefix):
            le, value = line[len(prefix) :].split('"}')
            buckets[float(le)] = float(value)
    return buckets


def histogram_quantile(q: float, buckets: dict[float, float]) -> float:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket."""
    if not buckets:
        return float("nan")
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return float("nan")
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            span = count - lower_count
            fraction = (rank - lower_count) / span if span else 1.0
            return lower_bound + (bound - lower_bound) * fraction
        lower_bound, lower_count = bound, count
    return bounds[-1]


async def join_burst(
    server: Server, count: int, clip: list[bytes], audio: list[bytes]
) -> tuple[float, int]:
    async with publishing(server, clip, audio):
        await asyncio.sleep(1.0)  # the publisher's first keyframe has reached the server
        started = time.monotonic()
        viewers = [LeanViewer() for _ in range(count)]
        connector = aiohttp.TCPConnector(limit=count)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(
                *(v.connect(session, server.whep_url) for v in viewers), return_exceptions=True
            )
        deadline = started + 60
        while time.monotonic() < deadline and not all(v.video_packets for v in viewers):
            await asyncio.sleep(0.02)
        with_video = [v for v in viewers if v.video_packets]
        elapsed = max((v.first_video_at for v in with_video), default=deadline) - started
        await asyncio.gather(*(v.close() for v in viewers))
    return elapsed, len(with_video)


# --------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    header = (
        f"{'system':<13}{'viewers':>8}{'joined':>8}{'CPU %':>8}{'RSS MB':>8}"
        f"{'pkt/s out':>11}{'frames':>9}{'frame p50':>10}{'frame p99':>10}{'burst p99':>10}"
        f"{'e2e p50':>9}{'e2e p99':>9}{'lost':>7}{'auth':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.system:<13}{r.viewers:>8}{r.connected:>8}{r.cpu_percent:>8.1f}{r.rss_mb:>8.0f}"
            f"{r.packets_per_second:>11.0f}{100 * r.delivered:>8.2f}%"
            f"{r.relay_p50_ms:>10.2f}{r.relay_p99_ms:>10.2f}{r.burst_p99_ms:>10.2f}"
            f"{r.latency_p50_ms:>9.1f}{r.latency_p99_ms:>9.1f}{r.lost_packets:>7}"
            f"{r.auth_checked - r.auth_failures:>6}/{r.auth_checked:<4}"
        )


def print_recording_comparison(results: list[Result]) -> None:
    """Each viewer count without and with the show recorded, side by side."""
    plain = {r.viewers: r for r in results if r.system == "livesale"}
    recorded = {r.viewers: r for r in results if r.system == "livesale+rec"}
    print("recording off -> on, same load, a fresh server each:")
    header = (
        f"{'viewers':>8}{'CPU %':>16}{'frames':>20}{'frame p99 ms':>18}{'burst p99 ms':>18}"
        f"{'e2e p99 ms':>16}   recorded"
    )
    print(header)
    print("-" * (len(header) + 30))
    for viewers in sorted(plain.keys() & recorded.keys()):
        off, on = plain[viewers], recorded[viewers]
        print(
            f"{viewers:>8}"
            f"{off.cpu_percent:>8.1f} /{on.cpu_percent:>6.1f}"
            f"{100 * off.delivered:>10.2f}% /{100 * on.delivered:>6.2f}%"
            f"{off.relay_p99_ms:>10.2f} /{on.relay_p99_ms:>6.2f}"
            f"{off.burst_p99_ms:>10.2f} /{on.burst_p99_ms:>6.2f}"
            f"{off.latency_p99_ms:>8.1f} /{on.latency_p99_ms:>6.1f}"
            f"   {on.recorded}"
        )


def viewers_per_core(results: list[Result], system: str) -> float:
    good = [
        r
        for r in results
        if r.system == system and r.delivered >= 0.99 and r.connected == r.viewers
    ]
    if not good:
        return 0.0
    best = max(good, key=lambda r: r.viewers)
    return best.viewers / max(best.cpu_percent / 100, 1e-9) if best.cpu_percent <= 100 else 0.0


async def main(args: argparse.Namespace) -> int:
    os.sched_setaffinity(0, {args.client_core})
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(
        f"server pinned to core {args.server_core}; publisher and viewers to core "
        f"{args.client_core}; {args.seconds:g} s per measurement"
    )
    print(
        "frame p50/p99: server histogram, per viewer and video frame: the frame's first packet "
        "in -> its last packet out to that viewer (ms; livesale only)"
    )
    print(
        "burst p99: server histogram, a burst's first packet in -> its last copy out to the "
        "last viewer (ms)"
    )
    print(
        "e2e p50/p99: publisher sends a frame -> a viewer reads its last packet, over "
        "loopback, including the load generator's own queueing (ms)"
    )
    clip = encode_clip(args.bitrate)
    audio = encode_audio_clip()
    kbps = sum(map(len, clip)) * 8 / CLIP_SECONDS / 1000
    print(f"publisher: VP8 {WIDTH}x{HEIGHT} {VIDEO_FPS} fps ~{kbps:.0f} kbit/s, Opus 20 ms")
    results: list[Result] = []
    runs: list[tuple[list[int], Callable[[int], Any]]] = [
        (args.baseline_viewers, start_baseline),
        (args.viewers, start_livesale),
    ]
    if args.record:
        # The same counts again, recorded; printed side by side at the end.
        runs.append((args.viewers, start_recording_livesale))
    for counts, start in runs:
        for count in counts:
            server = await start(args.server_core)  # a fresh server per measurement
            try:
                result = await measure(server, count, args.seconds, clip, audio)
                stop_process(server.process)  # the part is closed (and listed) on the way out
                result.recorded = server.recorded()
            finally:
                server.stop()
            results.append(result)
            print_table([result])
    burst = []
    for system, start in (("livesale", start_livesale),) if args.join_burst else ():
        server = await start(args.server_core)
        try:
            burst.append((system, *await join_burst(server, args.join_burst, clip, audio)))
        finally:
            server.stop()
    print()
    print_table(results)
    print()
    if args.record:
        print_recording_comparison(results)
        print()
    ours = viewers_per_core(results, "livesale")
    theirs = viewers_per_core(results, "MediaRelay")
    print("viewers per server core at >=99% frames delivered (N / CPU share at the largest N):")
    print(f"  livesale   {ours:8.0f}")
    print(f"  MediaRelay {theirs:8.0f}")
    if theirs:
        print(f"  ratio      {ours / theirs:8.1f}x")
    for system, seconds, joined in burst:
        print(
            f"join burst ({system}): {joined}/{args.join_burst} viewers had video "
            f"{seconds:.2f} s after asking at once"
        )
    print()
    print("targets:")
    for r in results:
        if r.system != "livesale":
            continue
        frames_ok = r.delivered >= 0.99 and r.connected == r.viewers
        print(
            f"  {r.viewers:>4} viewers: frames >= 99% {mark(frames_ok)}, "
            f"CPU <= 100% {mark(r.cpu_percent <= 100)}, "
            f"frame p99 < 30 ms {mark(r.relay_p99_ms < 30)}, "
            f"burst p99 < 30 ms {mark(r.burst_p99_ms < 30)}, "
            f"e2e p99 < 30 ms {mark(r.latency_p99_ms < 30)}"
        )
    if theirs:
        print(f"  >= 30x MediaRelay's viewers per core {mark(ours / theirs >= 30)}")
    for _system, seconds, joined in burst:
        print(f"  join burst under 3 s {mark(joined == args.join_burst and seconds < 3)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"results": [r.__dict__ for r in results], "burst": burst}, indent=2)
        )
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", default="50,150,300", help="livesale viewer counts")
    parser.add_argument("--baseline-viewers", default="2,4,8", help="MediaRelay viewer counts")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--join-burst", type=int, default=100)
    parser.add_argument("--bitrate", type=int, default=1_000_000)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="small counts, short windows")
    parser.add_argument(
        "--record",
        action="store_true",
        help="measure each livesale count again with the show recorded, and compare",
    )
    parser.add_argument("--baseline-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.viewers, args.baseline_viewers = "20", "2"
        args.seconds, args.join_burst = 4.0, 20
    args.viewers = [int(n) for n in str(args.viewers).split(",") if n]
    args.baseline_viewers = [int(n) for n in str(args.baseline_viewers).split(",") if n]
    return args


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.baseline_server:
        run_baseline_server(arguments.baseline_server)
    else:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        raise SystemExit(asyncio.run(main(arguments)))
