"""ViewerStream rewriting rules, driven directly with a recording endpoint."""

from __future__ import annotations

import struct

from livesale.media.forwarder import ViewerStream


class RecordingEndpoint:
    """Collects what a stream sends; its buffer level is set by the test."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.buffered = 0
        self.refuse = False

    def send(self, data: bytes) -> bool:
        if self.refuse:
            return False
        self.sent.append(data)
        return True

    def buffered_bytes(self) -> int:
        return self.buffered


def header(data: bytes) -> tuple[int, int, int, int, int]:
    _first, second, seq, ts, ssrc = struct.unpack_from("!BBHII", data)
    return second >> 7, second & 0x7F, seq, ts, ssrc


def make_stream(endpoint: RecordingEndpoint, requests: list[int], **kwargs: object) -> ViewerStream:
    options: dict[str, object] = {
        "ssrc": 1234,
        "payload_type": 101,
        "clock_rate": 90000,
        "mid": "0",
        "mid_extension_id": 4,
        "keep_history": True,
        "buffer_limit": 10_000,
        "on_keyframe_needed": lambda: requests.append(1),
    }
    options.update(kwargs)
    return ViewerStream(endpoint, **options)  # type: ignore[arg-type]


def feed(
    stream: ViewerStream,
    seq: int,
    ts: int,
    key: bool,
    marker: int = 1,
    epoch: int = 1,
    now: float = 0.0,
) -> None:
    stream.forward(b"payload-%d" % seq, marker, seq, ts, key, epoch, now, 0)


def test_nothing_is_sent_before_the_first_keyframe() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests)
    feed(stream, 100, 9000, key=False)
    assert endpoint.sent == []
    feed(stream, 101, 12000, key=True)
    feed(stream, 102, 15000, key=False)
    assert len(endpoint.sent) == 2
    _marker, pt, seq0, ts0, ssrc = header(endpoint.sent[0])
    _m, _pt, seq1, ts1, _s = header(endpoint.sent[1])
    assert (pt, ssrc) == (101, 1234)
    assert (seq1 - seq0) & 0xFFFF == 1
    assert (ts1 - ts0) & 0xFFFFFFFF == 3000
    assert endpoint.sent[0].endswith(b"payload-101")
    assert endpoint.sent[0][12:16] == b"\xbe\xde\x00\x01"  # the MID header extension


def test_publisher_gaps_stay_visible_and_late_packets_land_in_place() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests)
    feed(stream, 10, 0, key=True)
    feed(stream, 12, 3000, key=False)  # 11 was lost upstream
    feed(stream, 11, 0, key=False, marker=0)  # ... and retransmitted late
    seqs = [header(d)[2] for d in endpoint.sent]
    assert (seqs[1] - seqs[0]) & 0xFFFF == 2
    assert (seqs[2] - seqs[0]) & 0xFFFF == 1


def test_a_backed_up_viewer_skips_to_the_next_keyframe_contiguously() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests, buffer_limit=100)
    feed(stream, 1, 0, key=True)
    endpoint.buffered = 1000  # the viewer's socket backs up during frame 2
    feed(stream, 2, 3000, key=False)
    assert stream.dropped_frames == 1
    assert requests == [1]
    endpoint.buffered = 0
    feed(stream, 3, 6000, key=False)  # still a delta frame: skipped
    feed(stream, 4, 9000, key=False, marker=0)
    feed(stream, 9, 18000, key=True)
    seqs = [header(d)[2] for d in endpoint.sent]
    assert len(seqs) == 3, "frames 3 and 4 are skipped"
    assert (seqs[2] - seqs[1]) & 0xFFFF == 1, "the viewer must not see the gap"


def test_a_new_publisher_continues_the_viewers_sequence_and_clock() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests)
    feed(stream, 500, 1_000_000, key=True, epoch=1, now=10.0)
    feed(stream, 7, 42, key=False, epoch=2, now=12.0)  # new publisher: wait for a keyframe
    feed(stream, 8, 45, key=True, epoch=2, now=12.0)
    (_m, _p, seq0, ts0, _s), (_m2, _p2, seq1, ts1, _s2) = map(header, endpoint.sent)
    assert (seq1 - seq0) & 0xFFFF == 1
    assert (ts1 - ts0) & 0xFFFFFFFF == 2 * 90000


def test_retransmission_comes_from_history_only_while_it_is_there() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests)
    feed(stream, 1, 0, key=True)
    first_seq = header(endpoint.sent[0])[2]
    stream.retransmit(first_seq)
    assert endpoint.sent[-1] == endpoint.sent[0]
    for n in range(2, 200):
        feed(stream, n, n * 3000, key=False)
    count = len(endpoint.sent)
    stream.retransmit(first_seq)  # overwritten by newer packets
    assert len(endpoint.sent) == count
    assert stream.history_bytes() <= 128 * 64


def test_audio_keeps_no_history_and_needs_no_keyframe() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests, keep_history=False, mid=None, clock_rate=48000)
    feed(stream, 1, 960, key=True)
    assert endpoint.sent
    assert endpoint.sent[0][0] == 0x80
    stream.retransmit(header(endpoint.sent[0])[2])
    assert len(endpoint.sent) == 1
    assert stream.history_bytes() == 0


def test_sender_reports_follow_frames_but_not_every_one() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    reports: list[tuple[int, int, int, int]] = []
    stream = make_stream(endpoint, requests, sender_report=lambda *a: reports.append(a))
    stream.forward(b"abc", 0, 1, 0, True, 1, 0.0, 0)
    stream.forward(b"defg", 1, 2, 0, False, 1, 0.0, 777)
    assert len(reports) == 1, "the first frame reports at once"
    ntp, ts, packets, octets = reports[0]
    assert (ntp, packets, octets) == (777, 2, 7)
    assert ts == header(endpoint.sent[1])[3]
    for n in range(3, 3 + 40):
        stream.forward(b"x", 1, n, n * 3000, False, 1, 0.0, n)
    assert len(reports) == 3, "then every 16 frames (frames 17 and 33)"
    assert [r[2] for r in reports] == [2, 18, 34]


def test_a_packet_that_cannot_be_sent_moves_the_viewer_to_the_next_keyframe() -> None:
    endpoint, requests = RecordingEndpoint(), list[int]()
    stream = make_stream(endpoint, requests)
    feed(stream, 1, 0, key=True)
    endpoint.refuse = True
    feed(stream, 2, 3000, key=False)
    assert requests == [1]
    assert stream.waiting_for_keyframe
    endpoint.refuse = False
    feed(stream, 3, 6000, key=False)
    feed(stream, 4, 9000, key=True)
    seqs = [header(d)[2] for d in endpoint.sent]
    assert len(seqs) == 2
    assert (seqs[1] - seqs[0]) & 0xFFFF == 1
