"""Scenarios 9 and 11: floods of big bodies, peer connections and idle sockets; chat abuse.

9. "floods": one address throws oversized bodies (JSON, SDP, trickle ICE,
   image uploads), oversized room frames, hundreds of WHEP offers and sockets
   that say nothing (silent TCP, half-sent headers, a header byte now and
   then, half-sent bodies, WebSockets that never answer), while a real aiortc
   viewer watches a real publisher and two guests chat. Every flood must meet
   its documented limit, every idle socket must be reaped within its
   documented timeout, and the bystanders must not notice.
11. "chat abuse": an XSS corpus sent as chat messages and display names is
   rendered by real Chromium watch pages (live and from the snapshot) and must
   stay text; then a 1,000 messages/s flood is refused with
   `chat_rate_limited` while another guest's messages still reach a third
   guest within the stated latency budget.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import os
import socket
import statistics
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import aiohttp

from livesale.domain.text_safety import strip_invisible

from .harness import (
    HOST,
    Actor,
    Outcome,
    Run,
    Scenario,
    Shop,
    Stage,
    open_fds,
    open_shop,
    poll,
    stage,
)

# -- shared: guests in a show's room -----------------------------------------------


@dataclass
class RoomUser:
    """A guest (or anonymous) connection to a show's room, recording what arrives."""

    actor: Actor
    show_id: str
    id: str | None = None
    ws: aiohttp.ClientWebSocketResponse | None = None
    chats: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    error_events: list[dict[str, Any]] = field(default_factory=list)
    pongs: int = 0
    closed_code: int | None = None
    on_chat: Callable[[float, dict[str, Any]], None] | None = None
    _reader: asyncio.Task[None] | None = None
    _snapshot: asyncio.Event = field(default_factory=asyncio.Event)

    async def join(self) -> None:
        """Open the room socket and wait for its snapshot."""
        url = f"{self.actor.base}/api/shows/{self.show_id}/events"
        self.ws = await self.actor.session.ws_connect(
            url, headers={"Origin": self.actor.base}, max_msg_size=0, autoping=True
        )
        self._reader = asyncio.get_running_loop().create_task(self._read(self.ws))
        await asyncio.wait_for(self._snapshot.wait(), 30)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            at = time.monotonic()
            data = json.loads(message.data)
            for event in data if isinstance(data, list) else [data]:
                kind = event.get("type")
                if kind == "snapshot":
                    self._snapshot.set()
                elif kind == "chat":
                    self.chats.append((at, event["message"]))
                    if self.on_chat is not None:
                        self.on_chat(at, event["message"])
                elif kind == "error":
                    self.errors[event["code"]] += 1
                    if len(self.error_events) < 50:
                        self.error_events.append(event)
                elif kind == "pong":
                    self.pongs += 1
        self.closed_code = ws.close_code

    async def say(self, text: str) -> None:
        """Send one chat message."""
        assert self.ws is not None
        await self.ws.send_str(json.dumps({"type": "chat", "text": text}))

    def own_chats(self) -> list[dict[str, Any]]:
        """Chat messages this user wrote, as the room sent them back."""
        return [m for _at, m in self.chats if m["author"]["id"] == self.id]

    async def close(self) -> None:
        """Close the socket and the HTTP session."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        await self.actor.close()


async def guest(base: str, show_id: str, name: str, address: str | None = None) -> RoomUser:
    """A guest named `name`, in the room (from a loopback `address` of its own, if given)."""
    user = RoomUser(Actor(base, address), show_id)
    user.id = (await user.actor.become_guest(name))["id"]
    await user.join()
    return user


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class ChatProbe:
    """Talkers send marked messages at a pace within the chat rate; a listener times them."""

    def __init__(self, talkers: list[RoomUser], listener: RoomUser, spacing: float) -> None:
        self.talkers = talkers
        self.listener = listener
        self.spacing = spacing  # seconds between two messages of the probe (all talkers)
        self.sent: dict[str, float] = {}
        self.received: dict[str, float] = {}
        self.broken: str | None = None  # why talking stopped early
        listener.on_chat = self._heard
        self._task: asyncio.Task[None] | None = None

    def _heard(self, at: float, message: dict[str, Any]) -> None:
        text = message.get("text", "")
        if text in self.sent and text not in self.received:
            self.received[text] = at

    def start(self) -> None:
        """Start talking in the background."""
        self._task = asyncio.get_running_loop().create_task(self._talk())

    async def _talk(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        turn = 0
        while True:
            talker = self.talkers[turn % len(self.talkers)]
            text = f"probe {turn} {uuid.uuid4().hex[:8]}"
            try:
                await talker.say(text)
            except aiohttp.ClientError as exc:
                assert talker.ws is not None
                self.broken = f"a talker broke: {exc!r}, close code {talker.ws.close_code}"
                return
            self.sent[text] = time.monotonic()
            turn += 1
            next_at += self.spacing
            # The talkers' pace (a person typing), not synchronisation.
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    async def stop(self) -> None:
        """Stop talking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def latencies(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        """Send-to-receive times (s) of the messages sent in [since, until]."""
        return [
            self.received[text] - sent
            for text, sent in self.sent.items()
            if since <= sent <= until and text in self.received
        ]

    def missing(self, sent_before: float) -> list[str]:
        """Messages sent before `sent_before` that never arrived."""
        return [t for t, at in self.sent.items() if at < sent_before and t not in self.received]

    def problems(self) -> list[str]:
        """What went wrong for the bystanders: refusals, a broken or closed socket."""
        found = []
        refused: Counter[str] = Counter()
        for talker in self.talkers:
            refused.update(talker.errors)
        if refused:
            found.append(f"the bystanders' chat was refused: {dict(refused)}")
        if self.broken:
            found.append(self.broken)
        for user in [*self.talkers, self.listener]:
            if user.ws is not None and user.ws.closed:
                found.append(f"a bystander's room socket closed with {user.ws.close_code}")
        return found


def latency_figure(latencies: list[float]) -> str:
    """`p50 12 ms p95 40 ms (n=30)`."""
    if not latencies:
        return "no samples"
    p50 = statistics.median(latencies) * 1000
    p95 = percentile(latencies, 0.95) * 1000
    return f"p50 {p50:.0f} ms p95 {p95:.0f} ms (n={len(latencies)})"


# -- scenario 9: floods -------------------------------------------------------------

IDLE_TIMEOUT = 3.0  # server.idle_timeout_seconds for the stage
BODY_TIMEOUT = 3.0  # server.body_timeout_seconds
HEARTBEAT = 4.0  # room.heartbeat_seconds: a WebSocket that never answers goes in 1.5x this
SETUP_TIMEOUT = 8.0  # media.session_setup_timeout_seconds: offers that never connect go
PER_ADDRESS = 20  # media.max_viewers_per_address
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8  # Linux's tcp_info states: reset, or the peer's FIN came
# Slack for a loaded 2-core machine on top of each documented timeout.
REAP_SLACK = 6.0
CHAT_BUDGET_9 = 1.0  # p95 of the bystander's chat latency while the server is flooded
MIN_FPS = 5.0  # the bystander's video during the floods (the publisher sends 30)
MAX_FRAME_GAP = 3.0


@dataclass
class Bystander:
    """A real publisher and a real viewer of it, over WHIP/WHEP on the stage."""

    publisher: Any
    viewer: Any
    whep_location: str

    def frame_times(self) -> list[float]:
        """When each complete video frame arrived."""
        return [at for at, _data in self.viewer.video_frames()]

    async def close(self) -> None:
        """Hang both up."""
        await self.viewer.close()
        await self.publisher.close()


async def on_air(base: str, shop: Shop) -> Bystander:
    """Publish to the show over WHIP and watch it over WHEP until video flows."""
    from tests.support.peers import TestPublisher, TestViewer

    publisher = TestPublisher(keyframe_every=30, audio=False)
    viewer = TestViewer()
    session = shop.creator.session
    location: list[str] = []

    async def whip(offer: str) -> str:
        headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {shop.stream_key}"}
        async with session.post(f"{base}/whip/{shop.show_id}", data=offer, headers=headers) as r:
            body = await r.text()
            if r.status != 201:
                raise RuntimeError(f"WHIP: {r.status} {body}")
            return body

    async def whep(offer: str) -> str:
        async def answered() -> str | None:
            headers = {"Content-Type": "application/sdp"}
            url = f"{base}/whep/{shop.show_id}"
            async with session.post(url, data=offer, headers=headers) as r:
                body = await r.text()
                if r.status == 201:
                    location.append(r.headers["Location"])
                    return body
                if r.status != 409:  # 409 show_not_live: the publisher is still connecting
                    raise RuntimeError(f"WHEP: {r.status} {body}")
                return None

        answer: str = await poll(answered, 60, "the show to be watchable")
        return answer

    await publisher.connect(whip)
    await viewer.connect(whep)
    await poll(lambda: len(viewer.video_frames()) > 10, 60, "the bystander's first video frames")
    return Bystander(publisher, viewer, location[0])


def error_code(body: bytes) -> str | None:
    """The JSON error code of a body, None if it is not the error shape."""
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(code) if isinstance(code, str) else None


async def big_bodies(base: str, shop: Shop, rounds: int, outcome: Outcome) -> Counter[str]:
    """Oversized bodies of every kind, `rounds` of each at once: each must get 413 JSON."""
    creator = shop.creator.session
    two_mib = json.dumps({"title": "x" * (2 * 1024 * 1024)}).encode()
    huge_sdp = b"v=0\r\n" + b"a=x-pad:" + b"p" * (4 * 1024 * 1024) + b"\r\n"
    over_sdp = b"v=0\r\n" + b"a=x-pad:" + b"p" * (64 * 1024) + b"\r\n"
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(8 * 1024 * 1024)
    origin = {"Origin": base}

    async def chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    def multipart() -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("file", io.BytesIO(image), filename="big.png", content_type="image/png")
        return form

    kinds: dict[str, Callable[[], Awaitable[tuple[int, bytes]]]] = {}

    def kind(name: str, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        async def send() -> tuple[int, bytes]:
            data = body() if callable(body) else body
            async with creator.request(
                method, f"{base}{path}", data=data, headers={**origin, **headers}
            ) as response:
                return response.status, await response.read()

        kinds[name] = send

    json_type = {"Content-Type": "application/json"}
    sdp_type = {"Content-Type": "application/sdp"}
    # Big bodies as files: aiohttp would rather not send megabytes of `bytes` in one go.
    kind("json 2 MiB", "POST", "/api/products", json_type, lambda: io.BytesIO(two_mib))
    kind("json 2 MiB chunked", "POST", "/api/products", json_type, lambda: chunks(two_mib))
    kind("sdp 64 KiB", "POST", f"/whep/{shop.show_id}", sdp_type, over_sdp)
    kind("sdp 64 KiB chunked", "POST", f"/whep/{shop.show_id}", sdp_type, lambda: chunks(over_sdp))
    kind("sdp 4 MiB", "POST", f"/whep/{shop.show_id}", sdp_type, lambda: io.BytesIO(huge_sdp))
    kind(
        "trickle 64 KiB",
        "PATCH",
        f"/whep/{shop.show_id}/no-such-session",
        {"Content-Type": "application/trickle-ice-sdpfrag"},
        over_sdp,
    )
    kind(
        "image 8 MiB",
        "POST",
        "/api/images",
        {"Content-Type": "image/png"},
        lambda: io.BytesIO(image),
    )
    png = {"Content-Type": "image/png"}
    kind("image 8 MiB chunked", "POST", "/api/images", png, lambda: chunks(image))
    kind("image 8 MiB multipart", "POST", "/api/images", {}, multipart)

    statuses: Counter[str] = Counter()

    async def one(name: str) -> None:
        try:
            status, body = await kinds[name]()
        except aiohttp.ClientError as exc:
            statuses["connection error"] += 1
            outcome.fail(f"{name}: no answer: {exc!r}")
            return
        statuses[str(status)] += 1
        code = error_code(body)
        if status != 413 or code != "payload_too_large":
            outcome.fail(f"{name}: {status} {code or body[:200]!r}, expected 413 payload_too_large")

    await asyncio.gather(*(one(name) for name in kinds for _ in range(rounds)))
    return statuses


async def huge_room_frames(base: str, show_id: str, outcome: Outcome) -> str:
    """A frame over `room.max_message_bytes` is refused, one over the hard cap closes (1009)."""
    over = await guest(base, show_id, "Big talker")
    huge = await guest(base, show_id, "Huge talker")
    try:
        # Just over the documented limit (4096 bytes): an error event, the socket stays.
        await over.say("w" * 4200)
        await poll(lambda: over.errors["message_too_large"] >= 1, 20, "message_too_large")
        assert over.ws is not None
        await over.ws.send_str(json.dumps({"type": "ping"}))
        await poll(lambda: over.pongs >= 1, 20, "a pong after the refused frame")
        # Far over it (1 MiB): the frame is not read, the socket is closed with 1009.
        assert huge.ws is not None
        await huge.ws.send_str(json.dumps({"type": "chat", "text": "h" * (1024 * 1024)}))
        await poll(lambda: huge.ws is not None and huge.ws.closed, 20, "the 1 MiB frame's close")
        if huge.ws.close_code != 1009:
            outcome.fail(f"a 1 MiB room frame closed with {huge.ws.close_code}, expected 1009")
        if over.ws.closed:
            outcome.fail("a 4 KiB room frame closed the socket; it should only be refused")
        return f"room frame 4.2 KB->message_too_large, 1 MiB->close {huge.ws.close_code}"
    finally:
        await over.close()
        await huge.close()


async def whep_flood(
    base: str, show_id: str, offers: list[str], count: int, outcome: Outcome
) -> Counter[str]:
    """`count` WHEP offers from this one address, 25 at a time: the address cap answers 429."""
    statuses: Counter[str] = Counter()
    locations: list[str] = []
    gate = asyncio.Semaphore(25)
    headers = {"Content-Type": "application/sdp"}

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def one(index: int) -> None:
            async with gate:
                try:
                    async with session.post(
                        f"{base}/whep/{show_id}", data=offers[index % len(offers)], headers=headers
                    ) as response:
                        body = await response.read()
                        status = response.status
                        if status == 201:
                            locations.append(response.headers["Location"])
                except aiohttp.ClientError as exc:
                    statuses["connection error"] += 1
                    outcome.fail(f"WHEP offer {index}: no answer: {exc!r}")
                    return
            code = error_code(body)
            statuses[f"{status} {code}" if code else str(status)] += 1
            if status not in (201, 429) or (status == 429 and code != "rate_limited"):
                outcome.fail(f"WHEP offer {index}: {status} {body[:200]!r}")

        await asyncio.gather(*(one(i) for i in range(count)))
    accepted = statuses["201"]
    # The bystander already holds one of the address's seats.
    if accepted > PER_ADDRESS - 1:
        outcome.fail(f"{accepted} WHEP offers from one address accepted; the cap is {PER_ADDRESS}")
    if count >= PER_ADDRESS and statuses["429 rate_limited"] == 0:
        outcome.fail("no WHEP offer was refused: one address can take every seat")
    return statuses


@dataclass
class IdleSocket:
    """A client socket left idle on purpose, and when the server hung up on it."""

    kind: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened_at: float
    closed_at: float | None = None
    trickle: asyncio.Task[None] | None = None

    def check(self) -> bool:
        """Whether the server closed it (noting when, the first time)."""
        if self.closed_at is None:
            sock = self.writer.get_extra_info("socket")
            # The kernel's view: the server's FIN (or reset) arrived, unread data or not.
            state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
            if state in (TCP_CLOSE_WAIT, TCP_CLOSE):
                self.closed_at = time.monotonic()
        return self.closed_at is not None

    async def answer(self) -> bytes:
        """What the server sent before hanging up (read only now)."""
        cast(asyncio.Transport, self.writer.transport).resume_reading()
        return await asyncio.wait_for(self.reader.read(), 5)


async def open_idle(port: int, kind: str, greeting: bytes) -> IdleSocket:
    """Connect, send `greeting` (maybe nothing), then go quiet."""
    reader, writer = await asyncio.open_connection(HOST, port, limit=2**20)
    # Never read: whatever the server sends stays in the kernel's buffers.
    cast(asyncio.Transport, writer.transport).pause_reading()
    if greeting:
        writer.write(greeting)
        await writer.drain()
    return IdleSocket(kind, reader, writer, time.monotonic())


async def trickle_headers(sock: IdleSocket) -> None:
    """A slowloris: one more header byte every half second, never the end of the headers."""
    while not sock.writer.is_closing():
        # The attacker's pace, not synchronisation.
        await asyncio.sleep(0.5)
        with contextlib.suppress(ConnectionError):
            sock.writer.write(b"a")
            await sock.writer.drain()


def websocket_upgrade(port: int, show_id: str) -> bytes:
    """The opening handshake of an anonymous room socket."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /api/shows/{show_id}/events HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def idle_sockets(
    stage_: Stage, show_id: str, count: int, outcome: Outcome
) -> tuple[str, int]:
    """Silent, half-sent and never-reading sockets: each reaped within its documented timeout."""
    port = stage_.port
    host = f"Host: {HOST}:{port}\r\n".encode()
    origin = f"Origin: {stage_.base}\r\n".encode()
    body_head = b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    half_body = b"PUT /api/viewer HTTP/1.1\r\n" + host + origin + body_head + b'{"display'
    kinds: list[tuple[str, bytes, float]] = [
        ("silent", b"", IDLE_TIMEOUT),
        ("half headers", b"GET /api/shows HTTP/1.1\r\n" + host + b"X-Slow: ", IDLE_TIMEOUT),
        ("slowloris", b"GET /api/shows HTTP/1.1\r\n" + host + b"X-Slow: ", IDLE_TIMEOUT),
        ("half body", half_body, BODY_TIMEOUT * 1.25),
        ("ws never answers", websocket_upgrade(port, show_id), HEARTBEAT * 1.5),
    ]
    sockets: list[IdleSocket] = []
    for kind, greeting, _limit in kinds:
        for _ in range(count):
            sock = await open_idle(port, kind, greeting)
            if kind == "slowloris":
                sock.trickle = asyncio.get_running_loop().create_task(trickle_headers(sock))
            sockets.append(sock)
    try:
        longest = max(limit for _k, _g, limit in kinds) + REAP_SLACK
        # Every socket: check() notes when it closed, so the poll is the clock.
        with contextlib.suppress(TimeoutError):
            await poll(lambda: all([s.check() for s in sockets]), longest + 5, "idle sockets")
        reaped = sum(1 for s in sockets if s.closed_at is not None)
        slowest: dict[str, float] = {}
        for kind, _greeting, limit in kinds:
            group = [s for s in sockets if s.kind == kind]
            open_ones = [s for s in group if s.closed_at is None]
            if open_ones:
                outcome.fail(f"{len(open_ones)}/{len(group)} '{kind}' sockets are still open")
            times = [s.closed_at - s.opened_at for s in group if s.closed_at is not None]
            if times:
                slowest[kind] = max(times)
                if max(times) > limit + REAP_SLACK:
                    outcome.fail(f"'{kind}' reaped after {max(times):.1f} s (limit {limit:g} s)")
            if kind == "half body":
                for sock in group:
                    answer = await sock.answer() if sock.closed_at is not None else b""
                    head, _, body = answer.partition(b"\r\n\r\n")
                    if (
                        not head.startswith(b"HTTP/1.1 408")
                        or error_code(body) != "request_timeout"
                    ):
                        outcome.fail(f"a half-sent body got {answer[:120]!r}, not 408")
                        break
        worst = max(slowest.values(), default=0.0)
        return f"reaped {reaped}/{len(sockets)} idle sockets (slowest {worst:.1f} s)", len(sockets)
    finally:
        for sock in sockets:
            if sock.trickle is not None:
                sock.trickle.cancel()
            sock.writer.close()


async def floods(run: Run) -> Outcome:
    """Scenario 9."""
    from tests.support.peers import TestViewer

    outcome = Outcome(0, 0, "-")
    settings = {
        "server__idle_timeout_seconds": str(IDLE_TIMEOUT),
        "server__body_timeout_seconds": str(BODY_TIMEOUT),
        "room__heartbeat_seconds": str(HEARTBEAT),
        "media__session_setup_timeout_seconds": str(SETUP_TIMEOUT),
        "media__max_viewers_per_address": str(PER_ADDRESS),
    }
    async with stage(**settings) as stage_, contextlib.AsyncExitStack() as cleanup:
        shop = await open_shop(stage_.base, stock=5)
        cleanup.push_async_callback(shop.creator.close)
        bystander = await on_air(stage_.base, shop)
        cleanup.push_async_callback(bystander.close)
        users = [await guest(stage_.base, shop.show_id, f"Talker {i}") for i in range(4)]
        for user in users:
            cleanup.push_async_callback(user.close)
        # Three talkers, one message each per 3 s: well within 5 per 10 s.
        probe = ChatProbe(users[:3], users[3], spacing=1.0)
        probe.start()
        cleanup.push_async_callback(probe.stop)
        offers: list[str] = []
        for _ in range(4):
            # Real offers of real peers; sent again and again as an attacker would.
            peer = TestViewer()
            await peer.pc.setLocalDescription(await peer.pc.createOffer())
            offers.append(str(peer.pc.localDescription.sdp))
            await peer.close()

        started = time.monotonic()
        media_pid = stage_.roles()["media"][0]
        shop_pid = stage_.roles()["shop"][0]
        media_fds, shop_fds = open_fds(media_pid), open_fds(shop_pid)
        phases = [("big bodies", started)]
        bodies = await big_bodies(stage_.base, shop, run.size(10, 2), outcome)
        phases.append(("room frames", time.monotonic()))
        frames = await huge_room_frames(stage_.base, shop.show_id, outcome)
        phases.append(("WHEP flood", time.monotonic()))
        whep_count = run.size(500, 40)
        whep = await whep_flood(stage_.base, shop.show_id, offers, whep_count, outcome)
        media_peak = open_fds(media_pid)
        phases.append(("idle sockets", time.monotonic()))
        idle, idle_count = await idle_sockets(stage_, shop.show_id, run.size(40, 6), outcome)
        phases.append(("reaping", time.monotonic()))
        # The flood's sessions never connect: their seats and sockets come back.
        with contextlib.suppress(TimeoutError):
            await poll(
                lambda: open_fds(media_pid) <= media_fds + 10,
                SETUP_TIMEOUT + REAP_SLACK + 20,
                "the media process's sockets to come back",
            )
        media_after = open_fds(media_pid)
        if media_after > media_fds + 10:
            outcome.fail(
                f"media process holds {media_after} fds after the WHEP flood "
                f"(before: {media_fds}, peak {media_peak})"
            )
        with contextlib.suppress(TimeoutError):
            await poll(lambda: open_fds(shop_pid) <= shop_fds + 10, 30, "shop sockets")
        if open_fds(shop_pid) > shop_fds + 10:
            outcome.fail(f"shop process holds {open_fds(shop_pid)} fds (before: {shop_fds})")
        again = await whep_flood(stage_.base, shop.show_id, offers, 1, outcome)
        if again["201"] != 1:
            outcome.fail(f"after the flood a new viewer got {dict(again)}, not a seat")
        finished = time.monotonic()

        # The bystanders did not notice.
        with contextlib.suppress(TimeoutError):
            await poll(lambda: not probe.missing(finished), 15, "the bystander's last chat")
        await probe.stop()
        missing = probe.missing(finished)
        if missing:
            outcome.fail(f"{len(missing)} bystander chat messages never arrived")
        for problem in probe.problems():
            outcome.fail(problem)
        latencies = probe.latencies(started, finished)
        if not latencies or percentile(latencies, 0.95) > CHAT_BUDGET_9:
            outcome.fail(f"bystander chat latency {latency_figure(latencies)} over budget")
        times = [t for t in bystander.frame_times() if started <= t <= finished]
        edges = [started, *times, finished]
        gap, gap_at = max((b - a, a) for a, b in itertools.pairwise(edges))
        fps = len(times) / (finished - started)
        if fps < MIN_FPS or gap > MAX_FRAME_GAP:
            during = [name for name, at in phases if at <= gap_at][-1]
            outcome.fail(
                f"bystander video: {fps:.1f} frames/s, longest gap {gap:.1f} s during the "
                f"{during} (need {MIN_FPS:g}/s and gaps under {MAX_FRAME_GAP:g} s)"
            )
        await stage_.ready(30)
        # The abuse handled: bodies, room frames, offers and idle sockets.
        outcome.iterations = sum(bodies.values()) + 2 + whep_count + idle_count
        limits = " ".join(f"{s}x{n}" for s, n in sorted(bodies.items()))
        whep_text = ", ".join(f"{n}x{s}" for s, n in sorted(whep.items()))
        outcome.figure = (
            f"bodies {limits} (payload_too_large); {frames}; WHEP {whep_count} from one "
            f"address: {whep_text} (media fds {media_fds}->{media_peak}->{media_after}); "
            f"{idle}; bystander {len(times)} frames ({fps:.0f}/s, max gap {gap:.2f} s), "
            f"chat {latency_figure(latencies)}"
        )
    return outcome


# -- scenario 11: chat abuse -----------------------------------------------------------

MARK = "§"  # replaced by the payload's number: `__pwn(7)` says which payload ran
_PAYLOADS = [
    "<script>__pwn(§)</script>",
    "<SCRIPT SRC=//evil.example/§.js></SCRIPT>",
    "<img src=x onerror=__pwn(§)>",
    '<img src="x" onerror="alert(§)">',
    "<svg onload=__pwn(§)>",
    "<svg><script>__pwn(§)</script></svg>",
    "<svg><animate onbegin=__pwn(§) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:__pwn(§)"><text x=20 y=20>click</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=__pwn(§)>",
    '<math href="javascript:__pwn(§)">CLICK</math>',
    "<body onload=__pwn(§)>",
    '<iframe src="javascript:__pwn(§)"></iframe>',
    '<iframe srcdoc="<script>parent.__pwn(§)</script>"></iframe>',
    '<a href="javascript:__pwn(§)">click me</a>',
    '<a href="jav&#x09;ascript:__pwn(§)">tab</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;__pwn(§)">e</a>',
    "javascript:__pwn(§)",
    "<details open ontoggle=__pwn(§)>",
    "<input autofocus onfocus=__pwn(§)>",
    "<video><source onerror=__pwn(§)></video>",
    "<audio src=x onerror=__pwn(§)>",
    "<marquee onstart=__pwn(§)>m</marquee>",
    '<object data="javascript:__pwn(§)"></object>',
    '<embed src="javascript:__pwn(§)">',
    "<style>@import 'javascript:__pwn(§)';</style>",
    '<div style="background:url(javascript:__pwn(§))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:__pwn(§)">',
    '<base href="javascript:__pwn(§)//">',
    '<form action="javascript:__pwn(§)"><button>go</button></form>',
    "<x onclick=__pwn(§)>click</x>",
    '"><img src=x onerror=__pwn(§)>',
    "'><script>__pwn(§)</script>",
    "</span></li></ol><img src=x onerror=__pwn(§)>",
    "--></style></script><script>__pwn(§)</script>",
    '<!--<img src="--><img src=x onerror=__pwn(§)//">',
    '<noscript><p title="</noscript><img src=x onerror=__pwn(§)>">',
    "<![CDATA[<script>__pwn(§)</script>]]>",
    "<scr<script>ipt>__pwn(§)</scr</script>ipt>",
    "&lt;script&gt;__pwn(§)&lt;/script&gt;",
    "&#60;img src=x onerror=__pwn(§)&#62;",
    "%3Cscript%3E__pwn(§)%3C/script%3E",
    "\\x3cscript\\x3e__pwn(§)\\x3c/script\\x3e",
    "{{constructor.constructor('__pwn(§)')()}}",
    "${__pwn(§)}",
    "<template><img src=x onerror=__pwn(§)></template>",
    "<img src=x:__pwn(§) onerror=eval(src.slice(2))>",
    '<img srcset=",,,,,x" onerror=__pwn(§)>',
    '<link rel=stylesheet href="javascript:__pwn(§)">',
    '<table background="javascript:__pwn(§)">',
    "<select autofocus onfocus=__pwn(§)>",
    "<textarea autofocus onfocus=__pwn(§)>",
    "data:text/html;base64,PHNjcmlwdD5fX3B3bigpPC9zY3JpcHQ+",
    "<img src=x onerror=&#95;&#95;pwn(§)>",
    "<img src=x onerror=\\u005f_pwn(§)>",
    "\u202e<img src=x onerror=__pwn(§)>\u202c gnp.exe",
    "<\u200bscript>__pwn(§)<\u200b/script>",
    "\ufeff<svg onload=__pwn(§)>",
    "\u2066<b>§</b>\u2069 isolate \u200f\u200e",
    "Z\u0351\u0363\u0364a\u0313l\u0346g\u0357o <b>§</b>",
    "\uff1cscript\uff1e__pwn(§)\uff1c/script\uff1e",
    "\u0645\u0631\u062d\u0628\u0627 <b>§</b> \U0001f44b\U0001f3fd",
    "<img src=x\x00 onerror=__pwn(§)>",
    "line one\r\n<script>__pwn(§)</script>\nline three",
    "<a href=https://evil.example/§>a link</a>",
    "W" * 296 + "§",  # one very long word at chat.max_length (300)
    "x" * 250 + "<img src=x onerror=__pwn(§)>",  # 277 characters
    "L" * 301,  # over chat.max_length: refused with chat_too_long
]
NAME_LENGTH = 40  # the display-name limit
FLOOD_RATE = 1000  # messages per second, all flooders together
CHAT_BUDGET_11 = 0.25  # p95 of the bystander's chat latency during the flood, seconds

INIT_SCRIPT = """
window.__fired = [];
window.__pwn = (n) => { window.__fired.push("pwn " + n); };
document.addEventListener("securitypolicyviolation", (e) => {
  window.__fired.push("csp " + e.violatedDirective + " " + e.blockedURI);
});
"""
INSPECT_CHAT = """() => [...document.querySelectorAll('#chat li.chat-message')].map((li) => {
  const name = li.querySelector('.chat-name');
  const text = li.querySelector('.chat-text');
  return {
    id: li.dataset.id,
    name: name ? name.textContent : null,
    text: text ? text.textContent : null,
    nameElements: name ? name.childElementCount : -1,
    textElements: text ? text.childElementCount : -1,
    tags: [...li.querySelectorAll('*')].map((e) => e.tagName),
  };
})"""
TAG_COUNTS = """() => {
  const counts = {};
  for (const e of document.querySelectorAll('*')) counts[e.tagName] = (counts[e.tagName] || 0) + 1;
  return counts;
}"""
PAGE_STATE = """() => {
  const chat = document.getElementById('chat');
  return {
    fired: window.__fired,
    handlers: [...document.querySelectorAll('*')]
      .filter((e) => [...e.attributes].some((a) => a.name.toLowerCase().startsWith('on'))).length,
    overflow: chat.scrollWidth - chat.clientWidth,
    href: location.href,
  };
}"""
# What a rendered chat message may be made of (chat-view.js).
MESSAGE_TAGS = {"LI", "SPAN", "TIME"}


def payload_corpus() -> list[str]:
    """The XSS corpus, each payload numbered."""
    return [p.replace(MARK, str(n)) for n, p in enumerate(_PAYLOADS)]


def cleaned(text: str) -> str:
    """What the server stores for a name (NFC, stripped; names with hidden characters are
    refused) or a message (NFC, hidden characters dropped, stripped)."""
    return strip_invisible(unicodedata.normalize("NFC", text)).strip()


@dataclass
class Sent:
    """One payload's fate: its display name and message, accepted or refused."""

    payload: str
    name: str
    name_refused: bool
    message_id: str | None = None
    accepted_text: str | None = None
    refused_code: str | None = None


async def send_payload(base: str, show_id: str, payload: str, number: int) -> Sent:
    """A new guest named after the payload says it in the chat (a household of its own: the
    corpus tests rendering, not chat's per-address limit)."""
    name = payload[:NAME_LENGTH]
    user = RoomUser(Actor(base, f"127.0.1.{number % 250}"), show_id)
    status, answer = await user.actor.call("PUT", "/api/viewer", {"display_name": name})
    name_refused = status != 200
    if name_refused:
        if status != 400 or (answer or {}).get("error", {}).get("code") != "validation_failed":
            raise RuntimeError(f"display name {name!r}: {status} {answer}")
        name = f"Guest {number}"
        user.id = (await user.actor.become_guest(name))["id"]
    else:
        user.id = answer["viewer"]["id"]
    sent = Sent(payload, name, name_refused)
    try:
        await user.join()
        await user.say(payload)
        await poll(lambda: user.own_chats() or user.errors, 30, f"payload {number}'s answer")
        if user.own_chats():
            sent.message_id = str(user.own_chats()[0]["id"])
            sent.accepted_text = str(user.own_chats()[0]["text"])
        else:
            sent.refused_code = next(iter(user.errors))
    finally:
        await user.close()
    return sent


async def check_page(
    page: Any,
    label: str,
    expected: list[Sent],
    baseline: dict[str, int],
    outcome: Outcome,
    expected_url: str,
) -> int:
    """Every expected message shown as plain text, nothing run, nothing injected; checked count."""
    rendered = {item["id"]: item for item in await page.evaluate(INSPECT_CHAT)}
    checked = 0
    for sent in expected:
        item = rendered.get(sent.message_id)
        if item is None:
            outcome.fail(f"{label}: message {sent.message_id} ({sent.payload[:40]!r}) not shown")
            continue
        checked += 1
        if sent.accepted_text != cleaned(sent.payload):
            outcome.fail(f"{label}: {sent.payload[:60]!r} stored as {sent.accepted_text!r}")
        if item["text"] != sent.accepted_text or item["textElements"] != 0:
            outcome.fail(f"{label}: {sent.payload[:60]!r} rendered as {item['text']!r}")
        if item["name"] != cleaned(sent.name) or item["nameElements"] != 0:
            outcome.fail(f"{label}: name {sent.name!r} rendered as {item['name']!r}")
        extra = set(item["tags"]) - MESSAGE_TAGS
        if extra:
            outcome.fail(f"{label}: {sent.payload[:60]!r} made elements {sorted(extra)}")
    state = await page.evaluate(PAGE_STATE)
    if not state["href"].startswith(expected_url):
        outcome.fail(f"{label}: the page went to {state['href']}")
    if state["fired"]:
        outcome.fail(f"{label}: payloads ran or were blocked by the CSP: {state['fired'][:5]}")
    if state["handlers"]:
        outcome.fail(f"{label}: {state['handlers']} elements carry on* handlers")
    if state["overflow"] > 1:
        outcome.fail(f"{label}: the chat scrolls sideways by {state['overflow']} px (long words)")
    counts = await page.evaluate(TAG_COUNTS)
    grown = {
        tag: n - baseline.get(tag, 0)
        for tag, n in counts.items()
        if n > baseline.get(tag, 0) and tag not in MESSAGE_TAGS
    }
    if grown:
        outcome.fail(f"{label}: new elements besides chat messages: {grown}")
    return checked


async def xss_corpus(run: Run, base: str, show_id: str, outcome: Outcome) -> str:
    """Part (a): the corpus in chat and names, rendered live and from the snapshot."""
    from playwright.async_api import async_playwright

    from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS

    corpus = payload_corpus()
    url = f"{base}/watch/{show_id}"
    dialogs: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:

            async def watch_page() -> Any:
                context = await browser.new_context()
                await context.add_init_script(INIT_SCRIPT)
                page = await context.new_page()

                async def on_dialog(dialog: Any) -> None:
                    dialogs.append(dialog.message)
                    await dialog.dismiss()

                page.on("dialog", on_dialog)
                page.on("pageerror", lambda exc: outcome.fail(f"page error: {exc}"))
                await page.goto(url)
                await page.wait_for_function(
                    "() => document.querySelector('#chat') && window.__fired !== undefined"
                )
                return page

            live = await watch_page()
            # The room is open when the page shows who is there; give it the snapshot first.
            await live.wait_for_function(
                "() => document.body.dataset.role !== undefined", timeout=30_000
            )
            baseline = await live.evaluate(TAG_COUNTS)
            gate = asyncio.Semaphore(6)

            async def send(number: int, payload: str) -> Sent:
                async with gate:
                    return await send_payload(base, show_id, payload, number)

            sent = await asyncio.gather(*(send(n, p) for n, p in enumerate(corpus)))
            shown = [s for s in sent if s.message_id is not None]
            refused = Counter(s.refused_code for s in sent if s.refused_code is not None)
            unexpected = set(refused) - {"chat_too_long"}
            if unexpected:
                outcome.fail(f"payloads refused with {dict(refused)}; only chat_too_long expected")
            ids = [s.message_id for s in shown]
            await live.wait_for_function(
                '(ids) => ids.every((id) => document.querySelector(`#chat li[data-id="${id}"]`))',
                arg=ids,
                timeout=60_000,
            )
            checked = await check_page(live, "live page", shown, baseline, outcome, url)
            # A page opened now renders the snapshot (the last chat.history messages).
            later = await watch_page()
            history = sorted(shown, key=lambda s: int(s.message_id or 0))[-50:]
            await later.wait_for_function(
                "(n) => document.querySelectorAll('#chat li.chat-message').length >= n",
                arg=len(history),
                timeout=60_000,
            )
            checked += await check_page(later, "snapshot page", history, baseline, outcome, url)
            if dialogs:
                outcome.fail(f"dialogs opened: {dialogs[:5]}")
            outcome.iterations += len(corpus)
            names_refused = sum(1 for s in sent if s.name_refused)
            return (
                f"{len(corpus)} payloads inert ({len(shown)} shown x2 pages, {checked} checked; "
                f"{sum(refused.values())} chat_too_long; {names_refused} names refused), "
                f"0 ran, 0 injected"
            )
        finally:
            await browser.close()


async def chat_flood(run: Run, base: str, show_id: str, outcome: Outcome) -> str:
    """Part (b): 1,000 messages/s from four sockets; a bystander's chat stays quick."""
    seconds = run.size(20, 4)
    rate_messages, window = 5, 10.0  # the stage runs chat's defaults
    # Three flooding guests; the third on two sockets (the limit is per viewer).
    flooders = [await guest(base, show_id, f"Flooder {i}") for i in range(3)]
    second = RoomUser(flooders[2].actor, show_id, id=flooders[2].id)
    await second.join()
    sockets = [*flooders, second]
    # Bystanders are other households: chat's per-address limit is not theirs to share
    # with the flooders (who all come from one address).
    talkers = [await guest(base, show_id, f"Bystander {i}", f"127.0.0.{20 + i}") for i in range(5)]
    listener = await guest(base, show_id, "Third", "127.0.0.30")
    # Five talkers, one message each per 2.5 s: within 5 per 10 s.
    probe = ChatProbe(talkers, listener, spacing=0.5)
    sent = [0] * len(sockets)
    try:
        probe.start()
        await poll(lambda: len(probe.latencies()) >= 3, 30, "the bystander's first messages")
        before = probe.latencies()
        started = time.monotonic()
        per_socket = FLOOD_RATE / len(sockets)

        async def flood(index: int) -> None:
            sock = sockets[index]
            assert sock.ws is not None
            loop = asyncio.get_running_loop()
            begin = loop.time()
            while (elapsed := loop.time() - begin) < seconds:
                due = int(elapsed * per_socket) + 1
                while sent[index] < due:
                    await sock.ws.send_str(
                        json.dumps({"type": "chat", "text": f"flood {index} {sent[index]}"})
                    )
                    sent[index] += 1
                # The flood's pace (about 10 ms), not synchronisation.
                await asyncio.sleep(0.01)

        await asyncio.gather(*(flood(i) for i in range(len(sockets))))
        flood_end = time.monotonic()

        def answered() -> bool:
            # Every flood message gets its chat event back (to every socket of that guest)
            # or an error event on the socket that sent it.
            flood_chats = {
                i: [m for m in sockets[i].own_chats() if m["text"].startswith(f"flood {i} ")]
                for i in range(len(sockets))
            }
            return all(
                len(flood_chats[i]) + sum(sockets[i].errors.values()) >= sent[i]
                for i in range(len(sockets))
            )

        with contextlib.suppress(TimeoutError):
            await poll(answered, 120, "an answer to every flood message")
        drained = time.monotonic()
        await probe.stop()
        total_sent = sum(sent)
        accepted_by_guest = Counter[str]()
        refused: Counter[str] = Counter()
        for index, sock in enumerate(sockets):
            mine = [m for m in sock.own_chats() if m["text"].startswith(f"flood {index} ")]
            accepted_by_guest[str(sock.id)] += len(mine)
            refused.update(sock.errors)
            if len(mine) + sum(sock.errors.values()) != sent[index]:
                outcome.fail(
                    f"flood socket {index}: {sent[index]} sent, {len(mine)} accepted, "
                    f"{sum(sock.errors.values())} refused"
                )
        # A sliding window: at most `rate_messages` in any `window` seconds per viewer.
        bound = rate_messages * (int((drained - started) // window) + 1)
        for guest_id, accepted in accepted_by_guest.items():
            if accepted > bound:
                outcome.fail(
                    f"guest {guest_id} got {accepted} flood messages through (max {bound})"
                )
        if set(refused) != {"chat_rate_limited"}:
            outcome.fail(f"flood refusals {dict(refused)}; only chat_rate_limited expected")
        latencies = probe.latencies(started, flood_end)
        missing = probe.missing(flood_end)
        if missing:
            outcome.fail(f"{len(missing)} bystander messages never reached the third user")
        for problem in probe.problems():
            outcome.fail(problem)
        if len(latencies) < 3 or percentile(latencies, 0.95) > CHAT_BUDGET_11:
            outcome.fail(
                f"bystander latency during the flood {latency_figure(latencies)}; "
                f"budget p95 < {CHAT_BUDGET_11 * 1000:.0f} ms"
            )
        outcome.iterations += total_sent + len(latencies)
        rate = total_sent / (flood_end - started)
        return (
            f"flood {total_sent:,} msgs at {rate:.0f}/s from 4 sockets: "
            f"{sum(accepted_by_guest.values())} accepted, {sum(refused.values()):,} "
            f"{'/'.join(sorted(refused))} (all answered in {drained - started:.1f} s); "
            f"bystander {latency_figure(latencies)} (before: {latency_figure(before)}; "
            f"budget p95 < {CHAT_BUDGET_11 * 1000:.0f} ms)"
        )
    finally:
        await probe.stop()
        await second.close()
        for user in [*flooders, *talkers, listener]:
            await user.close()


async def chat_abuse(run: Run) -> Outcome:
    """Scenario 11."""
    outcome = Outcome(0, 0, "-")
    async with stage() as stage_:
        shop = await open_shop(stage_.base, stock=5)
        try:
            inert = await xss_corpus(run, stage_.base, shop.show_id, outcome)
            flood = await chat_flood(run, stage_.base, shop.show_id, outcome)
            outcome.figure = f"{inert}; {flood}"
        finally:
            await shop.creator.close()
    return outcome


SCENARIOS = [
    Scenario(
        9,
        "floods",
        "huge bodies 413, huge frames refused/1009, one address's WHEP offers 429, idle "
        "sockets reaped; bystander video and chat unaffected",
        floods,
        300.0,
    ),
    Scenario(
        11,
        "chat abuse",
        "XSS corpus inert in Chromium; 1,000 msg/s flood chat_rate_limited; bystander chat "
        "p95 < 250 ms",
        chat_abuse,
        300.0,
    ),
]
