"""Endurance and network-fault scenarios: a long busy show, and a publisher whose network drops.

12. soak: one live show with a real aiortc publisher, many viewers receiving
    its video, chat from several users and Buy now + dummy payments all along;
    every livesale process's memory and file descriptors must stay flat.
13. publisher network loss: the publisher's packets are dropped both ways for
    5 s, then it comes back (the same peer connection, or a new WHIP session
    with the same stream key as the creator's page makes after giving up on the
    old one); viewers that stayed connected must resume on its new frames
    without a new WHEP session.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import json
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import vp8_depayload

from livesale.media import hooks
from tests.support.network_cut import NetworkCut
from tests.support.peers import Received, TestPublisher, TestViewer, vp8_starts_descriptor
from tests.support.signalling import publish, whep_answer

from .harness import (
    BUYER_ADDRESS,
    Actor,
    Outcome,
    Run,
    Scenario,
    Shop,
    Stage,
    open_fds,
    open_shop,
    poll,
    rss_bytes,
    stage,
)

NO_ICE = RTCConfiguration(iceServers=[])
MIB = 1024 * 1024


# --------------------------------------------------------------------------
# Signalling through the public port, as a browser does.


async def metric(http: aiohttp.ClientSession, base: str, name: str, **labels: str) -> float:
    """One series of /metrics (a shop process answers for every process); 0 when absent."""
    async with http.get(f"{base}/metrics") as response:
        text = await response.text()
    wanted = {f'{key}="{value}"' for key, value in labels.items()}
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        series_name, _, rest = series.partition("{")
        # Label order is the exporter's business: compare them as a set.
        if series_name == name and set(filter(None, rest.rstrip("}").split(","))) == wanted:
            return float(value)
    return 0.0


async def show_state(http: aiohttp.ClientSession, base: str, show_id: str) -> dict[str, Any]:
    """GET /api/shows/{id}."""
    async with http.get(f"{base}/api/shows/{show_id}") as response:
        body: dict[str, Any] = await response.json()
        return body


def log_problems(stage_: Stage) -> list[str]:
    """ERROR lines and tracebacks in every process's log."""
    return [
        line
        for line in stage_.log_text().splitlines()
        if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
    ]


# --------------------------------------------------------------------------
# Viewers that cost little: aiortc for ICE and DTLS, then RTP headers read off the socket.


@dataclass
class LeanViewer:
    """A WHEP viewer that counts video frames from RTP headers, without decrypting or decoding."""

    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(NO_ICE))
    video_pt: int = -1
    frames: int = 0
    packets: int = 0
    connected: bool = False
    failed: bool = False

    async def connect(self, http: aiohttp.ClientSession, base: str, show_id: str) -> None:
        """Offer, POST to WHEP, apply the answer; `connected` once ICE and DTLS are up."""
        for kind in ("video", "audio"):
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            # No decoder thread: packets counted here are never decoded.
            hooks.tap_receiver(transceiver.receiver, lambda _p: None, lambda _p: None)

        @self.pc.on("connectionstatechange")
        async def _changed() -> None:
            state = self.pc.connectionState
            if state == "connected" and not self.connected:
                self._hijack()
                self.connected = True
            elif state in ("failed", "closed"):
                self.failed = True

        await self.pc.setLocalDescription(await self.pc.createOffer())
        answer = await whep_answer(http, base, show_id, self.pc.localDescription.sdp, 60)
        for line in answer.splitlines():
            if line.startswith("a=rtpmap:") and self.video_pt < 0:
                payload_type, name = line[len("a=rtpmap:") :].split(" ", 1)
                if name.upper().startswith(("VP8", "H264")):
                    self.video_pt = int(payload_type)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    def _hijack(self) -> None:
        dtls: Any = self.pc.getTransceivers()[0].receiver.transport
        for protocol in dtls.transport._connection._protocols:
            protocol.datagram_received = self._counting(protocol.datagram_received)

    def _counting(self, original: Callable[[bytes, Any], None]) -> Callable[[bytes, Any], None]:
        def received(data: bytes, addr: Any) -> None:
            # RTP (not RTCP, STUN or DTLS, which aiortc keeps handling): count it here.
            if len(data) >= 12 and 127 < data[0] < 192 and not 191 < data[1] < 224:
                if data[1] & 0x7F == self.video_pt:
                    self.packets += 1
                    if data[1] & 0x80:
                        self.frames += 1
                return
            original(data, addr)

        return received

    async def close(self) -> None:
        """Hang up."""
        await self.pc.close()


# --------------------------------------------------------------------------
# 12. soak


@dataclass
class SoakCounts:
    """What the load generators did."""

    chat_sent: int = 0
    chat_refused: list[str] = field(default_factory=list)
    chat_seen: set[str] = field(default_factory=set)
    orders: int = 0
    purchase_errors: list[str] = field(default_factory=list)


async def _read_room(ws: aiohttp.ClientWebSocketResponse, on_event: Callable[[Any], None]) -> None:
    """Hand every event of a room socket to `on_event` until it closes."""
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            parsed = json.loads(message.data)
            for event in parsed if isinstance(parsed, list) else [parsed]:
                on_event(event)


async def _open_room(actor: Actor, show_id: str) -> aiohttp.ClientWebSocketResponse:
    return await actor.session.ws_connect(
        f"{actor.base}/api/shows/{show_id}/events", headers={"Origin": actor.base}
    )


async def _chatter(
    actor: Actor, ws: aiohttp.ClientWebSocketResponse, name: str, until: float, counts: SoakCounts
) -> None:
    """One viewer chatting at a steady pace under the per-viewer rate limit."""
    n = 0
    while time.monotonic() < until:
        text = f"{name} says {n}"
        await ws.send_str(json.dumps({"type": "chat", "text": text}))
        counts.chat_sent += 1
        n += 1
        # 1 message per 3 s after the previous one: never more than 4 in the
        # limit's window of 10 s (5 allowed), however the loop is delayed.
        await asyncio.sleep(3.0)


async def _buyer_loop(
    buyers: list[Actor], shop: Shop, until: float, pace: float, counts: SoakCounts
) -> None:
    """Buy now, place the order, pay with the dummy test card; one purchase per `pace` seconds."""
    n = 0
    while time.monotonic() < until:
        started = time.monotonic()
        buyer = buyers[n % len(buyers)]
        n += 1
        try:
            status, body = await buyer.call(
                "POST",
                f"/api/shows/{shop.show_id}/buy",
                {"variant_id": shop.variant_id, "quantity": 1, "request_id": uuid.uuid4().hex},
            )
            if status != 201:
                raise RuntimeError(f"buy: {status} {body}")
            checkout_id = body["checkout"]["id"]
            details = {
                "email": f"soak{n}@example.com",
                "name": "Soak Buyer",
                "address": BUYER_ADDRESS,
            }
            status, body = await buyer.call("POST", f"/api/checkouts/{checkout_id}/order", details)
            if status != 201:
                raise RuntimeError(f"order: {status} {body}")
            payment_id = body["payment"]["payment_id"]
            status, body = await buyer.call(
                "POST",
                f"/api/payments/dummy/{payment_id}/confirm",
                {"card_number": "4242 4242 4242 4242"},
            )
            if status != 200 or body["order"]["status"] != "paid":
                raise RuntimeError(f"pay: {status} {body}")
            counts.orders += 1
        except (RuntimeError, KeyError, TypeError, aiohttp.ClientError, TimeoutError) as exc:
            counts.purchase_errors.append(str(exc)[:300])
        # Pacing the load generator, not synchronisation.
        await asyncio.sleep(max(0.0, pace - (time.monotonic() - started)))


def _sample(stage_: Stage) -> dict[int, tuple[str, int, int]]:
    """pid -> (role, RSS bytes, open fds) of the supervisor and every child."""
    assert stage_.process is not None
    found = {stage_.process.pid: ("supervisor", *_usage(stage_.process.pid))}
    for role, pids in stage_.roles().items():
        for pid in pids:
            found[pid] = (role, *_usage(pid))
    return found


def _usage(pid: int) -> tuple[int, int]:
    return rss_bytes(pid), open_fds(pid)


# One table row told top to bottom (load, samples, then every check of a long show); not
# yet split into its phases.
async def soak(run: Run) -> Outcome:  # noqa: C901
    """Scenario 12: a long busy show; memory and fds flat, no errors, everything keeps working."""
    viewer_count = run.size(200, 15)
    duration = run.size(600, 22)  # seconds of load, warm-up included
    warm_up = run.size(90, 7)
    chatter_count = run.size(8, 4)
    purchase_pace = run.size(2, 1)  # seconds per purchase
    window = run.size(15, 5)  # a viewer must get frames in every window of this many seconds
    # Growth allowed between warm-up and the end: RSS by max(30 MiB, 10 %), fds by 10.
    rss_slack_bytes, rss_slack_share, fd_slack = 30 * MIB, 0.10, 10
    outcome = Outcome(0, 0, "-")
    async with stage() as st:
        await st.ready()
        shop = await open_shop(st.base, stock=1_000_000)
        connector = aiohttp.TCPConnector(limit=20)
        http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        # A modest bit rate keeps 200 viewers' worth of packets within two shared cores.
        publisher = TestPublisher(keyframe_every=90, audio=False, bit_rate=250_000)
        viewers: list[LeanViewer] = []
        actors: list[Actor] = [shop.creator]
        sockets: list[aiohttp.ClientWebSocketResponse] = []
        signalling: dict[str, aiohttp.ClientSession] = {}
        tasks: list[asyncio.Task[None]] = []
        counts = SoakCounts()
        try:
            await publish(http, st.base, shop, publisher, 30)
            await poll(lambda: publisher.pc.connectionState == "connected", 30, "the publisher")

            async def live() -> bool:
                return bool((await show_state(http, st.base, shop.show_id))["live"])

            await poll(live, 30, "the show to be live")
            for start in range(0, viewer_count, 20):
                # Viewers come from many addresses, not one: 40 per loopback address
                # keeps under media.max_viewers_per_address as real audiences do.
                address = f"127.0.0.{10 + start // 40}"
                if address not in signalling:
                    signalling[address] = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=20, local_addr=(address, 0)),
                        timeout=aiohttp.ClientTimeout(total=60),
                    )
                group = [LeanViewer() for _ in range(min(20, viewer_count - start))]
                viewers.extend(group)
                await asyncio.gather(
                    *(v.connect(signalling[address], st.base, shop.show_id) for v in group)
                )
            await poll(
                lambda: all(v.connected for v in viewers), 120, f"{viewer_count} viewers to connect"
            )
            await poll(lambda: all(v.frames > 0 for v in viewers), 60, "video at every viewer")
            # Signalling is done: its idle keep-alive connections would close during the
            # soak and read as the shop process's fds going down.
            await http.close()
            for session in signalling.values():
                await session.close()

            observer = Actor(st.base)
            actors.append(observer)
            observer_ws = await _open_room(observer, shop.show_id)
            sockets.append(observer_ws)

            def observed(event: Any) -> None:
                if event.get("type") == "chat":
                    counts.chat_seen.add(event["message"]["text"])

            tasks.append(asyncio.create_task(_read_room(observer_ws, observed)))
            until = time.monotonic() + duration
            for index in range(chatter_count):
                # Each chatter a household of its own, as in a real audience.
                chatter = Actor(st.base, f"127.0.0.{100 + index}")
                actors.append(chatter)
                name = f"Chatter{index}"
                await chatter.become_guest(name)
                ws = await _open_room(chatter, shop.show_id)
                sockets.append(ws)

                def refused(event: Any, who: str = name) -> None:
                    if event.get("type") == "error":
                        counts.chat_refused.append(f"{who}: {event}")

                tasks.append(asyncio.create_task(_read_room(ws, refused)))
                tasks.append(asyncio.create_task(_chatter(chatter, ws, name, until, counts)))
            buyers = [Actor(st.base) for _ in range(4)]
            actors.extend(buyers)
            for index, buyer in enumerate(buyers):
                await buyer.become_guest(f"Buyer{index}")
            buying = asyncio.create_task(_buyer_loop(buyers, shop, until, purchase_pace, counts))

            # Viewers keep receiving: every viewer's frame count grows in every window.
            stalls: list[str] = []
            warm_sample: dict[int, tuple[str, int, int]] | None = None
            warm_at = time.monotonic() + warm_up
            last = [v.frames for v in viewers]
            next_window = time.monotonic() + window
            while time.monotonic() < until:
                now = time.monotonic()
                if warm_sample is None and now >= warm_at:
                    warm_sample = _sample(st)
                if now >= next_window:
                    for index, viewer in enumerate(viewers):
                        if viewer.frames == last[index] or viewer.failed:
                            stalls.append(f"viewer {index} got no frame in {window} s")
                    last = [v.frames for v in viewers]
                    next_window = now + window
                await asyncio.sleep(0.25)  # the sampler's pace
            await buying
            if warm_sample is None:
                warm_sample = _sample(st)

            # Every accepted chat message reaches the observer (delivery may lag a little).
            sent = counts.chat_sent
            with contextlib.suppress(TimeoutError):
                await poll(lambda: len(counts.chat_seen) >= sent, 30, "every chat message")
            end_sample = _sample(st)
            frames = sum(v.frames for v in viewers)
            for stall in stalls:
                outcome.fail(stall)
            if stalls:
                # Why they stalled: which ends the server counted, and the viewers' own view.
                states: dict[str, int] = {}
                for viewer in viewers:
                    states[viewer.pc.connectionState] = states.get(viewer.pc.connectionState, 0) + 1
                async with aiohttp.ClientSession() as probe, probe.get(f"{st.base}/metrics") as r:
                    ends = [
                        line
                        for line in (await r.text()).splitlines()
                        if line.startswith(
                            ("livesale_media_sessions_ended", "livesale_media_session_fail")
                        )
                    ]
                consent = [line for line in st.log_text().splitlines() if "onsent" in line]
                outcome.problems.append(
                    f"viewer states {states}; server: {ends}; consent lines: {len(consent)} "
                    f"{consent[:3]}"
                )
            if len(counts.chat_seen) < sent:
                outcome.fail(f"chat: {sent} sent, {len(counts.chat_seen)} reached the room")
            for refusal in counts.chat_refused:
                outcome.fail(f"chat refused: {refusal}")
            for error in counts.purchase_errors:
                outcome.fail(f"purchase failed: {error}")
            if counts.orders == 0:
                outcome.fail("no purchase completed")
            rss_growth: list[str] = []
            fd_growth: list[str] = []
            for pid, (role, rss_before, fds_before) in sorted(warm_sample.items()):
                if pid not in end_sample:
                    outcome.fail(f"{role} process {pid} is gone (restarted?)")
                    continue
                _role, rss_after, fds_after = end_sample[pid]
                delta_rss, delta_fds = rss_after - rss_before, fds_after - fds_before
                rss_growth.append(f"{role} {delta_rss / MIB:+.1f}")
                fd_growth.append(f"{role} {delta_fds:+d}")
                if delta_rss > max(rss_slack_bytes, rss_slack_share * rss_before):
                    outcome.fail(
                        f"{role} RSS grew {rss_before / MIB:.1f} -> {rss_after / MIB:.1f} MiB"
                    )
                if abs(delta_fds) > fd_slack:
                    outcome.fail(f"{role} fds went {fds_before} -> {fds_after}")
            for line in log_problems(st)[:5]:
                outcome.fail(f"log: {line[:300]}")
            outcome.iterations = counts.orders + sent
            outcome.figure = (
                f"{duration} s, {len(viewers)} viewers, {frames:,} frames, {sent} messages, "
                f"{counts.orders} orders; RSS MiB {', '.join(rss_growth)}; "
                f"fds {', '.join(fd_growth)}"
            )
        finally:
            for task in tasks:
                task.cancel()
            for ws in sockets:
                await ws.close()
            for viewer in viewers:
                await viewer.close()
            await publisher.close()
            for actor in actors:
                await actor.close()
            for session in signalling.values():
                await session.close()
            await http.close()
    return outcome


# --------------------------------------------------------------------------
# 13. publisher network loss


def _first_new_keyframe(viewer: TestViewer, since: float, new_frames: set[bytes]) -> float | None:
    """When the viewer had the first complete keyframe that the publisher sent after `since`."""
    packets = viewer.video
    if not packets:
        return None
    counts: dict[int, int] = {}
    for packet in packets[:300]:
        counts[packet.payload_type] = counts.get(packet.payload_type, 0) + 1
    media_pt = max(counts, key=lambda pt: counts[pt])  # RTX, if any, is the rare one
    start = bisect.bisect_left([p.at for p in packets], since)
    frame: list[Received] = []
    for packet in packets[start:]:
        if packet.payload_type != media_pt:
            continue
        if frame and packet.timestamp != frame[0].timestamp:
            frame = []
        frame.append(packet)
        if not packet.marker:
            continue
        contiguous = all(
            (b.sequence_number - a.sequence_number) & 0xFFFF == 1
            for a, b in itertools.pairwise(frame)
        )
        if contiguous and vp8_starts_descriptor(frame[0].payload):
            data = b"".join(bytes(vp8_depayload(p.payload)) for p in frame)
            if data and data[0] & 0x01 == 0 and data in new_frames:
                return max(p.at for p in frame)
        frame = []
    return None


def _new_frames(publisher: TestPublisher, since: float) -> set[bytes]:
    """The frames the publisher's camera handed over after `since`."""
    track = publisher.video
    return {data for data, at in zip(track.sent, track.sent_at, strict=True) if at >= since}


# One table row told top to bottom: each outage, then what every viewer saw after it.
async def publisher_network_loss(run: Run) -> Outcome:  # noqa: C901
    """Scenario 13: the publisher's network drops for 5 s; viewers resume without a new WHEP."""
    outages = run.size(10, 2)
    viewer_count = run.size(6, 3)
    outage_seconds = 5.0
    resume_bound = 3.0  # seconds from the publisher being back to a new keyframe at a viewer
    outcome = Outcome(0, 0, "-")
    resumes: dict[str, list[float]] = {"blip": [], "rejoin": []}
    async with stage() as st:
        await st.ready()
        shop = await open_shop(st.base, stock=10)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        # Keyframes only on request (as a browser, nearly): resuming must not wait for luck.
        publisher = TestPublisher(keyframe_every=100_000, audio=True)
        publishers = [publisher]
        viewers = [TestViewer() for _ in range(viewer_count)]
        try:
            await publish(http, st.base, shop, publisher, 30)
            await poll(lambda: publisher.pc.connectionState == "connected", 30, "the publisher")

            async def signal(offer: str) -> str:
                return await whep_answer(http, st.base, shop.show_id, offer, 30)

            for viewer in viewers:
                await viewer.connect(signal)
            await poll(
                lambda: all(v.first_keyframe_at() is not None for v in viewers),
                30,
                "every viewer's first keyframe",
            )
            started = ("livesale_media_sessions_started_total", {"role": "viewer"})
            replaced_series = (
                "livesale_media_sessions_ended_total",
                {"role": "publisher", "outcome": "replaced"},
            )
            viewer_sessions = await metric(http, st.base, started[0], **started[1])
            for outage in range(outages):
                # Alternate: the same connection coming back (a blip ICE rides out), and
                # the creator's page giving up on it and publishing anew with the key.
                rejoin = outage % 2 == 1
                replaced_before = await metric(
                    http, st.base, replaced_series[0], **replaced_series[1]
                )
                current = publishers[-1]
                cut = NetworkCut(current.pc)
                cut.down = True
                down_at = time.monotonic()
                if rejoin:
                    # The page closes the old connection; its goodbye is lost with the network.
                    await current.close()
                # The outage's length is the fault itself, not a wait for a condition.
                await asyncio.sleep(max(0.0, down_at + outage_seconds - time.monotonic()))
                if cut.dropped_out == 0 and not rejoin:
                    outcome.fail(f"outage {outage}: the cut dropped nothing")
                back_at = time.monotonic()
                if rejoin:
                    current = TestPublisher(keyframe_every=100_000, audio=True)
                    publishers.append(current)
                    await publish(http, st.base, shop, current, 20)
                else:
                    cut.down = False
                back = current

                def everyone_resumed(p: TestPublisher = back, since: float = back_at) -> bool:
                    frames = _new_frames(p, since)
                    return all(_first_new_keyframe(v, since, frames) is not None for v in viewers)

                with contextlib.suppress(TimeoutError):
                    await poll(everyone_resumed, 20, "every viewer to resume")
                frames = _new_frames(back, back_at)
                mode = "rejoin" if rejoin else "blip"
                track = back.video
                keyframes_sent = [
                    f"+{at - back_at:.2f}"
                    for data, at in zip(track.sent, track.sent_at, strict=True)
                    if at >= back_at and data[0] & 0x01 == 0
                ][:3]
                why = f"publisher: {back.keyframe_requests} PLIs, keyframes at {keyframes_sent} s"
                for index, viewer in enumerate(viewers):
                    at = _first_new_keyframe(viewer, back_at, frames)
                    if at is None:
                        outcome.fail(f"outage {outage} ({mode}): viewer {index} never resumed")
                        continue
                    resumes[mode].append(at - back_at)
                    if at - back_at > resume_bound:
                        outcome.fail(
                            f"outage {outage} ({mode}): viewer {index} resumed after "
                            f"{at - back_at:.2f} s (bound {resume_bound} s); {why}"
                        )
                    if viewer.pc.connectionState != "connected":
                        outcome.fail(
                            f"outage {outage}: viewer {index} is {viewer.pc.connectionState}"
                        )
                # The same WHEP sessions: none started, none ended.
                if await metric(http, st.base, started[0], **started[1]) != viewer_sessions:
                    outcome.fail(f"outage {outage}: a new WHEP session was started")
                if await metric(http, st.base, "livesale_media_viewers") != viewer_count:
                    outcome.fail(f"outage {outage}: the server lost viewer sessions")
                replaced = (
                    await metric(http, st.base, replaced_series[0], **replaced_series[1])
                    - replaced_before
                )
                if replaced != (1 if rejoin else 0):
                    outcome.fail(f"outage {outage} ({mode}): {replaced:g} publishers replaced")
                state = await show_state(http, st.base, shop.show_id)
                if state["status"] != "live":
                    outcome.fail(f"outage {outage}: show is {state['status']}")

                async def relayed() -> bool:
                    # `live` (this server relays a publisher) went false while the
                    # publisher was silent; it must come back with the publisher.
                    return bool((await show_state(http, st.base, shop.show_id))["live"])

                try:
                    await poll(relayed, 5, "the show to be relayed again")
                except TimeoutError:
                    outcome.fail(f"outage {outage}: live is still false 5 s after resuming")
                outcome.iterations += 1
            for line in log_problems(st)[:5]:
                outcome.fail(f"log: {line[:300]}")
        finally:
            for viewer in viewers:
                await viewer.close()
            for p in publishers:
                await p.close()
            await shop.creator.close()
            await http.close()
    timings = [
        f"{mode} p50 {statistics.median(times):.2f} s / max {max(times):.2f} s"
        for mode, times in resumes.items()
        if times
    ]
    resumed = sum(len(times) for times in resumes.values())
    outcome.figure = (
        f"{outcome.iterations} outages of {outage_seconds:g} s, "
        f"{resumed}/{outcome.iterations * viewer_count} viewer resumes; resume "
        + ("; ".join(timings) or "none")
    )
    return outcome


SCENARIOS: list[Scenario] = [
    Scenario(
        12,
        "soak",
        "RSS and fds flat, no errors, video/chat/purchases keep working",
        soak,
        13 * 60,
    ),
    Scenario(
        13,
        "publisher network loss",
        "viewers resume on the publisher's new frames, same WHEP session, show live",
        publisher_network_loss,
        240,
    ),
]
