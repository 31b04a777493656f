"""Session, byte and drop metrics of the relay, with real aiortc peers over WHIP/WHEP."""

from __future__ import annotations

import pytest
from aiohttp import ClientResponse
from aiortc import RTCSessionDescription
from aiortc.rtp import RtpPacket

from livesale.config import Settings
from livesale.media import hooks
from livesale.media.broadcast import Broadcast, TrackCodec
from livesale.media.forwarder import ViewerStream
from tests.media.test_forwarder import RecordingEndpoint, feed, header, make_stream
from tests.media.test_metrics import sample
from tests.support.clients import Client
from tests.support.ice_flood import without_lines
from tests.support.network_cut import NetworkCut
from tests.support.peers import TestPublisher, TestViewer
from tests.support.polling import poll_until
from tests.support.services import relay
from tests.support.whip import SDP, bearer, http_signal, on_air, serve

ENDED = "livesale_media_sessions_ended_total"
FAILURES = "livesale_media_session_failures_total"
STARTED = "livesale_media_sessions_started_total"
QUEUE_SAMPLES = "livesale_media_viewer_send_queue_bytes_count"
BYTES_FORWARDED = "livesale_media_bytes_forwarded_total"
PACKETS_DROPPED = "livesale_media_packets_dropped_total"
BYTES_DROPPED = "livesale_media_bytes_dropped_total"
OUTCOMES = ("deleted", "replaced", "broadcast_ended", "failed", "never_connected", "shutdown")


def ended(role: str) -> dict[str, float]:
    """Sessions of `role` ended so far, by outcome."""
    return {outcome: sample(ENDED, role=role, outcome=outcome) for outcome in OUTCOMES}


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """The outcomes that changed, and by how much."""
    return {k: after[k] - before[k] for k in before if after[k] != before[k]}


async def test_a_viewer_moves_started_bytes_queue_samples_and_deleted(app_client: Client) -> None:
    publishers_started = sample(STARTED, role="publisher")
    viewers_started = sample(STARTED, role="viewer")
    forwarded = sample(BYTES_FORWARDED, kind="video")
    queue_samples = sample(QUEUE_SAMPLES)
    viewers_ended = ended("viewer")
    async with on_air(app_client, "Metrics") as air:
        assert sample(STARTED, role="publisher") == publishers_started + 1
        assert sample(STARTED, role="viewer") == viewers_started + 1
        # Everything this viewer got was counted before it left the relay (at
        # least a 12-byte header each; retransmissions, not counted, only once).
        received = {p.sequence_number: p for p in air.viewer.video}
        got = sum(12 + len(p.payload) for p in received.values())
        assert got > 0
        assert sample(BYTES_FORWARDED, kind="video") - forwarded >= got
        # The sampler observes the viewer's send queue once a second.
        await poll_until(
            lambda: sample(QUEUE_SAMPLES) >= queue_samples + 2, 5, "two send-queue samples"
        )

        deleted = await app_client.delete(air.whep_location)
        assert deleted.status == 200, await deleted.text()
        # The server closed its side with a DTLS close_notify: the client sees it at once.
        await poll_until(
            lambda: air.viewer.pc.connectionState == "closed", 5, "the viewer to be closed"
        )
        # Closing fired the server's "closed" state too; the session still counts once.
        assert moved(viewers_ended, ended("viewer")) == {"deleted": 1}


async def test_a_second_publisher_replaces_a_silent_one(settings: Settings) -> None:
    async with (
        serve(settings, publisher_timeout_seconds=1.0) as client,
        on_air(client, "Replace") as air,
    ):
        publishers_ended = ended("publisher")
        viewers_ended = ended("viewer")
        # The creator's encoder stalls while the connection stays up: the relay
        # gets no media, so after publisher_timeout_seconds a new publisher may take over.
        video_sender = air.publisher.pc.getTransceivers()[0].sender
        video_sender.replaceTrack(hooks.IdleTrack("video"))
        second = TestPublisher(keyframe_every=60, audio=False)
        offer = await second.offer()
        accepted: list[ClientResponse] = []

        async def replaced() -> bool:
            response = await client.post(
                f"/whip/{air.show_id}", data=offer, headers={**SDP, **bearer(air.key)}
            )
            if response.status == 201:
                accepted.append(response)
                return True
            assert response.status == 409, await response.text()
            return False

        try:
            await poll_until(replaced, 10, "the second publisher to be accepted")
            answer = await accepted[0].text()
            await second.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            assert moved(publishers_ended, ended("publisher")) == {"replaced": 1}
            # The viewer stays for the new publisher.
            assert moved(viewers_ended, ended("viewer")) == {}
            await poll_until(
                lambda: air.publisher.pc.connectionState == "closed",
                5,
                "the replaced publisher to be closed",
            )
            assert moved(publishers_ended, ended("publisher")) == {"replaced": 1}
        finally:
            await second.close()


async def test_a_viewer_that_never_connects_times_out(settings: Settings) -> None:
    async with (
        serve(settings, session_setup_timeout_seconds=2.0) as client,
        on_air(client, "Timeout") as air,
    ):
        media = relay(client.app)
        viewers_ended = ended("viewer")
        timeouts = sample(FAILURES, role="viewer", reason="timeout")
        lost = TestViewer()
        try:
            # No candidates and no answer applied: the server can never reach this peer.
            await lost.pc.setLocalDescription(await lost.pc.createOffer())
            offer = without_lines(
                lost.pc.localDescription.sdp, "a=candidate:", "a=end-of-candidates"
            )
            responses: list[ClientResponse] = []
            await http_signal(client, f"/whep/{air.show_id}", {}, responses)(offer)
            assert media.viewer_count(air.show_id) == 2
            await poll_until(lambda: media.viewer_count(air.show_id) == 1, 10, "the setup timeout")
            assert moved(viewers_ended, ended("viewer")) == {"never_connected": 1}
            assert sample(FAILURES, role="viewer", reason="timeout") == timeouts + 1
            # The connected viewer is untouched.
            assert air.viewer.pc.connectionState == "connected"
        finally:
            await lost.close()


def forwarded_stream(endpoint: RecordingEndpoint, mid: str | None) -> ViewerStream:
    return make_stream(endpoint, [], mid=mid, mid_extension_id=4 if mid else None)


def rtp(sequence_number: int, timestamp: int, payload: bytes, marker: int = 1) -> RtpPacket:
    return RtpPacket(
        payload_type=96,
        marker=marker,
        sequence_number=sequence_number,
        timestamp=timestamp,
        payload=payload,
    )


VP8_KEY = bytes([0x90, 0x80, 0x01, 0x00]) + b"k" * 900
VP8_DELTA = bytes([0x90, 0x80, 0x01, 0x01]) + b"d" * 300


async def test_bytes_forwarded_are_the_rtp_bytes_handed_to_viewers() -> None:
    broadcast = Broadcast("bytes", keyframe_interval=1.0)
    codec = TrackCodec("video", "video/VP8", 90000, None, ())
    ingest = broadcast.attach_publisher_track(codec, 96, None, receiver=None)  # type: ignore[arg-type]
    broadcast.new_publisher()
    # Two viewers whose headers differ (one has the MID extension, one has not).
    endpoints = [RecordingEndpoint(), RecordingEndpoint()]
    for endpoint, mid in zip(endpoints, ("0", None), strict=True):
        broadcast.add_stream("video", forwarded_stream(endpoint, mid))
    before = sample(BYTES_FORWARDED, kind="video")
    packets = sample("livesale_media_packets_forwarded_total", kind="video")
    for seq, (timestamp, payload) in enumerate(
        [(0, VP8_KEY), (3000, VP8_DELTA), (6000, VP8_DELTA)]
    ):
        ingest(rtp(seq, timestamp, payload))
    broadcast.tracks["video"].flush()
    sent = [data for endpoint in endpoints for data in endpoint.sent]
    assert len(sent) == 6
    assert sample(BYTES_FORWARDED, kind="video") - before == sum(len(d) for d in sent)
    assert sample("livesale_media_packets_forwarded_total", kind="video") - packets == 6


def test_a_viewer_behind_counts_what_it_skips_once_it_catches_up() -> None:
    endpoint = RecordingEndpoint()
    stream = make_stream(endpoint, [], buffer_limit=100)
    packets = sample(PACKETS_DROPPED, kind="video", reason="behind")
    octets = sample(BYTES_DROPPED, kind="video", reason="behind")
    feed(stream, 0, 0, key=False)  # a new viewer's wait for its first keyframe is no drop
    feed(stream, 1, 3000, key=True)
    endpoint.buffered = 1000  # the viewer's socket backs up: it falls behind after frame 2
    feed(stream, 2, 6000, key=False)
    endpoint.buffered = 0
    feed(stream, 3, 9000, key=False)
    feed(stream, 4, 12000, key=False, marker=0)
    skipped = [b"payload-3", b"payload-4"]
    # Counted when the skip ends (or by the once-a-second sampler), not per packet.
    assert sample(PACKETS_DROPPED, kind="video", reason="behind") == packets
    feed(stream, 5, 15000, key=True)
    assert sample(PACKETS_DROPPED, kind="video", reason="behind") == packets + 2
    assert sample(BYTES_DROPPED, kind="video", reason="behind") == octets + sum(
        stream.header_bytes + len(p) for p in skipped
    )
    first = header(endpoint.sent[0])[2]
    assert [(header(d)[2] - first) & 0xFFFF for d in endpoint.sent] == [0, 1, 2]


def test_a_refused_send_counts_as_send_failed_then_behind() -> None:
    endpoint = RecordingEndpoint()
    stream = make_stream(endpoint, [], keep_history=False, mid=None, clock_rate=48000)
    failed = sample(PACKETS_DROPPED, kind="audio", reason="send_failed")
    failed_bytes = sample(BYTES_DROPPED, kind="audio", reason="send_failed")
    behind = sample(PACKETS_DROPPED, kind="audio", reason="behind")
    feed(stream, 1, 960, key=True)
    endpoint.refuse = True
    feed(stream, 2, 1920, key=True)
    assert sample(PACKETS_DROPPED, kind="audio", reason="send_failed") == failed + 1
    # The refused packet: a 12-byte header (no extension) and its payload.
    assert sample(BYTES_DROPPED, kind="audio", reason="send_failed") == failed_bytes + 12 + len(
        b"payload-2"
    )
    endpoint.refuse = False
    feed(stream, 3, 2880, key=True)  # audio resumes on the next packet: nothing skipped
    stream.flush_drops()
    assert sample(PACKETS_DROPPED, kind="audio", reason="behind") == behind
    assert len(endpoint.sent) == 2


@pytest.mark.timeout(110)
async def test_a_viewer_gone_silent_ends_as_an_ice_failure_not_a_hang_up(
    app_client: Client,
) -> None:
    viewers_ended = ended("viewer")
    ice_failures = sample(FAILURES, role="viewer", reason="ice")
    async with on_air(app_client, "Silent viewer") as air:
        media = relay(app_client.app)
        # The viewer's cable is pulled: it neither closes nor answers consent checks.
        NetworkCut(air.viewer.pc).down = True
        # aioice gives up after ~6 unanswered checks, one every ~5 s (RFC 7675).
        await poll_until(lambda: media.viewer_count(air.show_id) == 0, 60, "consent to expire")
        assert moved(viewers_ended, ended("viewer")) == {"failed": 1}
        assert sample(FAILURES, role="viewer", reason="ice") == ice_failures + 1
